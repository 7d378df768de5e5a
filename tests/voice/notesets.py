"""The note sets under tests/voice/notes/: sentences with the (name, value, kind) a reader takes.

``dev.txt`` is what extraction is tuned on; ``heldout.txt`` and ``audio.txt`` were written before
tuning and are only measured (see the README's voice section).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from runnotes.voice.extract import Mention

NOTES = Path(__file__).parent / "notes"
Item = tuple[str, float | str, str]  # (name, value, kind)


@dataclass
class Case:
    text: str
    expected: set[Item] = field(default_factory=set)
    optional: set[Item] = field(default_factory=set)
    known: dict[str, str] = field(default_factory=dict)


def _value(raw: str) -> float | str:
    try:
        return round(float(raw), 9)
    except ValueError:
        return raw.lower()


def load(name: str) -> list[Case]:
    cases = []
    for line in (NOTES / f"{name}.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, items, *rest = [p.strip() for p in line.split("||")] + [""]
        case = Case(text)
        for item in filter(None, (i.strip() for i in items.split(";"))):
            pair, kind = item.split()
            key, raw = pair.split("=")
            target = case.optional if kind.endswith("?") else case.expected
            target.add((key, _value(raw), {"p": "param", "m": "metric"}[kind[0]]))
        for entry in filter(None, rest[0].removeprefix("known=").split(",")):
            key, kind = entry.split(":")
            case.known[key] = {"p": "param", "m": "metric"}[kind]
        cases.append(case)
    return cases


def items(mentions: Iterable[Mention]) -> set[Item]:
    """The values a note offers; one marked unsure is a question for the reviewer, not offered."""
    return {
        (m.name or "", _value(str(m.value if m.value is not None else m.text)), m.role)
        for m in mentions
        if m.role in ("metric", "param") and not getattr(m, "unsure", None)
    }


def _spelt_otherwise(case: Case, found: set[Item]) -> dict[Item, Item]:
    """Expected items the note offered under a name the labeller wrote as optional.

    The sets' headers say a `?` item is one "a reader may or may not take, and a name a reader
    may spell either way": ``accuracy=0.75 m; val_accuracy=0.75 m?`` accepts either name. So an
    offered optional item with an expected item's value and kind stands for it when the expected
    spelling itself was not offered (each offer stands for one item). Before session 11 such an
    offer was neither right nor wrong and the expected item counted as missed.
    """
    offered = sorted(found & case.optional, key=str)
    spelt: dict[Item, Item] = {}
    for item in sorted(case.expected - found, key=str):
        other = next((o for o in offered if o[1:] == item[1:] and o not in spelt.values()), None)
        if other is not None:
            spelt[item] = other
    return spelt


def _values_alone(case: Case, found: set[Item]) -> tuple[int, int]:
    """(offers whose value and kind a labelled item has, expected items whose value and kind are
    offered), whatever the names: how far a miss is only a name spelled another way."""
    labelled = {item[1:] for item in case.expected | case.optional}
    offered = Counter(item[1:] for item in found)
    wanted = Counter(item[1:] for item in case.expected)
    right = sum(1 for item in found - case.optional if item[1:] in labelled)
    return right, sum(min(n, offered[value]) for value, n in wanted.items())


@dataclass
class Score:
    true_pos: int = 0
    found: int = 0
    expected: int = 0
    misses: list[str] = field(default_factory=list)
    values_right: int = 0  # offers (of ``found``) right by value and kind, whatever their name
    values_hit: int = 0  # expected items offered by value and kind, whatever the name

    def add(self, case: Case, found: set[Item], heard: str | None = None) -> None:
        counted = found - case.optional
        hits = len(case.expected & counted) + len(spelt := _spelt_otherwise(case, found))
        missed = case.expected - counted - set(spelt)
        self.true_pos += hits
        self.found += len(counted) + len(spelt)
        self.expected += len(case.expected)
        right, hit = _values_alone(case, found)
        self.values_right += right + len(spelt)  # a spelt item is offered as counted, and right
        self.values_hit += hit
        if missed or counted - case.expected:
            self.misses.append(
                f"{case.text}{f' (heard: {heard})' if heard is not None else ''}\n"
                f"    missed {sorted(missed, key=str)}"
                f" wrong {sorted(counted - case.expected, key=str)}"
            )

    def merge(self, other: Score) -> None:
        self.true_pos += other.true_pos
        self.found += other.found
        self.expected += other.expected
        self.misses += other.misses
        self.values_right += other.values_right
        self.values_hit += other.values_hit

    @property
    def precision(self) -> float:
        return self.true_pos / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_pos / self.expected if self.expected else 1.0

    def values_alone(self) -> str:
        """Precision and recall of the values whatever their names (``_values_alone``)."""
        precision = self.values_right / self.found if self.found else 1.0
        recall = self.values_hit / self.expected if self.expected else 1.0
        return f"values alone {precision:.3f} / {recall:.3f}"

    def __str__(self) -> str:
        return f"precision {self.precision:.3f}, recall {self.recall:.3f} ({self.expected} values)"
