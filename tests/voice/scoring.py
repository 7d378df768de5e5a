"""Scoring extraction against tests/voice/sentences.json: value-level precision and recall."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runnotes.store.models import Capture
from runnotes.voice.extract import Mention

SENTENCES = json.loads((Path(__file__).parent / "sentences.json").read_text())


def expected_items(case: dict) -> set[tuple]:
    items: set[tuple] = set()
    for role in ("metrics", "params"):
        for name, value in case[role].items():
            items.add((role[:-1], name, _norm(value)))
    items.update(("run_ref", run) for run in case["run_refs"])
    for role in ("rationale", "next_step"):
        if case[role]:
            items.add((role,))
    return items


def found_items(mentions: Iterable[Mention]) -> set[tuple]:
    items: set[tuple] = set()
    for m in mentions:
        if m.role in ("metric", "param"):
            items.add((m.role, m.name, _norm(m.value if m.value is not None else m.text)))
        elif m.role == "run_ref":
            items.add(("run_ref", m.run))
        else:
            items.add((m.role,))
    return items


def stored_items(captures: Iterable[Capture]) -> set[tuple]:
    """The same items, from captures stored with ``extra.from_capture``."""
    return found_items(
        Mention(
            role=c.extra["role"],
            sentence="",
            segment=c.extra["segment"],
            name=c.name,
            value=c.value,
            text=c.text,
            run=c.extra.get("run"),
        )
        for c in captures
    )


def _norm(value: object) -> object:
    return round(float(value), 6) if isinstance(value, int | float) else str(value).lower()


@dataclass
class Score:
    true_pos: int = 0
    found: int = 0
    expected: int = 0

    def add(self, expected: set[tuple], found: set[tuple]) -> None:
        self.true_pos += len(expected & found)
        self.found += len(found)
        self.expected += len(expected)

    @property
    def precision(self) -> float:
        return self.true_pos / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_pos / self.expected if self.expected else 1.0


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length), on digit-normalised lower-case words."""
    from runnotes.voice.numbers import to_digits

    def words(text: str) -> list[str]:
        return [w.strip(".,!?:;").lower() for w in to_digits(text).split() if w.strip(".,!?:;")]

    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)
