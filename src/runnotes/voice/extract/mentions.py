"""What extraction gives back (a :class:`Mention`) and what it works with on the way there: a
value found before the sentence's final say (:class:`Found`), a name found in the sentence's
tokens (:class:`Name`), and the run's own spelling of a name (:func:`match_known`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from runnotes.voice.lexicon import SPLIT_PREFIXES, name_key


@dataclass
class Mention:
    """One fact found in a note. ``role`` is metric, param, run_ref, rationale, next_step, goal."""

    role: str
    sentence: str
    segment: int
    name: str | None = None
    value: float | None = None
    text: str | None = None
    unit: str | None = None
    run: int | None = None
    unsure: str | None = None  # why the value may be wrong ("heard as '3 minus 4'")

    @property
    def kind(self) -> str:
        return self.role if self.role in ("metric", "param") else "note"


@dataclass
class Found:
    """A value in a sentence before the sentence's final say: ``old`` ones (a comparison, the
    paper's, last week's) are dropped, but a later unnamed value can take their name."""

    index: int
    mention: Mention
    old: bool = False
    parsed: bool = False  # named through the parse, not by a name next to it
    apart: bool = False  # one of a metric's values on several data sets: each is kept


@dataclass
class Name:
    """A name found in the sentence: tokens ``start:end``, canonical ``name``, its kind if known."""

    start: int
    end: int
    name: str
    kind: str | None


def match_known(name: str, known: Iterable[str]) -> str:
    """The run's own spelling of ``name`` when it has one (exact key, else close enough)."""
    key = name_key(name)
    keyed = {name_key(k): k for k in known}
    if key in keyed:
        return keyed[key]
    close = difflib.get_close_matches(key, list(keyed), n=1, cutoff=0.85)
    return keyed[close[0]] if close else name


def bare(name: str) -> str:
    """A name less its split prefix ("test_accuracy" → "accuracy"): the quantity measured."""
    for prefix in SPLIT_PREFIXES:
        name = name.removeprefix(prefix)
    return name
