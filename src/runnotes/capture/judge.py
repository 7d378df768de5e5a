"""Naming a liked value and deciding its review: one rule, whatever read the value.

A like's value comes from the pixels (OCR), an application's own text (AT-SPI, a terminal's
screen), a selection, or the DOM the browser extension read; each source supplies only its
digits, the name it found and why it may be in doubt. Here, once for all of them, the value is
matched against what the store logged (``known.py``): a logged value with another name wins
over the screen's name but leaves the like pending ("the screen says …"); a like with no name
at all is stored as ``value``, pending; any doubt a source raised keeps it pending. Only a like
with nothing in doubt is stored approved — a wrong name is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runnotes.capture.known import Known, find_known
from runnotes.store.db import Store
from runnotes.store.models import Review

MIN_SCORE = 0.9  # below this recogniser confidence a liked value waits for review


@dataclass
class Judged:
    """The name, step and review a like is stored with, and what the store matched."""

    name: str
    step: int | None
    review: str
    extra: dict[str, Any] = field(default_factory=dict)
    known: Known | None = None
    why: str = ""  # the doubts, for the feedback line


def judge(
    store: Store | None,
    text: str,
    name: str | None,
    step: int | None = None,
    *,
    score: float = 1.0,
    doubts: list[str] | None = None,
    named_by: str = "",
    extra: dict[str, Any] | None = None,
    where: str = "the screen",
) -> Judged:
    """The stored name and review of a liked number shown as ``text``, named ``name`` by its
    source (None: it gave none), with the ``doubts`` its source raised; ``where`` the source
    showed it ("the screen", "the page")."""
    extra = dict(extra or {})
    mine = []
    if score < MIN_SCORE:
        mine.append(f"OCR confidence {score:.2f}")
    known = find_known(store, text, name) if store is not None else []
    found = known[0] if known else None
    if found is not None:
        extra["known"] = found.as_dict()
        if len(known) > 1:
            extra["known_count"] = len(known)
        if name is None or name.lower() != found.name.lower():
            if name is not None:
                extra["screen_name"] = name
                mine.append(f"{where} says {name!r}")
            name = found.name
        if step is None:
            step = found.step
    if name is None:
        name = "value"
        mine.append(f"no name on {where}")
    extra["named_by"] = named_by or ("store" if found is not None else "")
    why = "; ".join(mine + list(doubts or []))
    if why:
        extra["unsure"] = why
    return Judged(name, step, Review.pending if why else Review.approved, extra, found, why)
