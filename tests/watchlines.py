"""Precision and recall of `watch`'s metric-line reading on real output (``capture/watchset``).

Each excerpt is read as `watch` reads a command's output: line by line, in order, a dict before
any metric or step being the configuration. A value read counts as right when an expected name
(or one of its ``a|b`` alternatives) has it; a value read under an optional name with that value
counts neither way; anything else read is a false positive, anything expected and not read a miss.

``python tests/watchlines.py`` prints the figures of both sets and the lines that are wrong.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from runnotes.capture.parse import LineReader

SETS = Path(__file__).parent / "capture" / "watchset"


@dataclass
class Record:
    line: str
    expected: dict[str, float]
    optional: dict[str, float]
    source: str


@dataclass
class Score:
    true: int = 0
    false: int = 0
    missed: int = 0
    lines: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true / (self.true + self.false) if self.true + self.false else 1.0

    @property
    def recall(self) -> float:
        return self.true / (self.true + self.missed) if self.true + self.missed else 1.0


def canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def load(name: str) -> list[list[Record]]:
    """The excerpts of a set (``dev`` or ``heldout``), each a list of records in order."""
    excerpts: list[list[Record]] = []
    source = ""
    for raw in (SETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if raw.startswith("# src:"):
            source = raw.removeprefix("# src:").strip()
            excerpts.append([])
        elif raw.strip() and not raw.startswith("#"):
            line, expected, *optional = json.loads(raw)
            excerpts[-1].append(Record(line, expected, optional[0] if optional else {}, source))
    return excerpts


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def _judge(record: Record, found: dict[str, float], score: Score) -> None:
    wanted = {key: {canonical(n) for n in key.split("|")} for key in record.expected}
    optional = {canonical(n): v for n, v in record.optional.items()}
    for name, value in found.items():
        key = next(
            (k for k, names in wanted.items() if canonical(name) in names),
            None,
        )
        if key is not None and _same(value, record.expected[key]):
            score.true += 1
            del wanted[key]
        elif canonical(name) in optional and _same(value, optional[canonical(name)]):
            continue
        else:
            score.false += 1
            score.wrong.append(f"false {name}={value!r} in {record.line!r} ({record.source})")
    for key in wanted:
        score.missed += 1
        score.wrong.append(f"missed {key}={record.expected[key]!r} in {record.line!r}")


def evaluate(name: str) -> Score:
    score = Score()
    for excerpt in load(name):
        reader = LineReader()
        for record in excerpt:
            score.lines += 1
            _judge(record, reader.read(record.line).metrics, score)
    return score


def main() -> None:
    for name in ("dev", "heldout"):
        score = evaluate(name)
        print(
            f"{name}: {score.lines} lines, {score.true} right, {score.false} wrong, "
            f"{score.missed} missed: precision {score.precision:.3f}, recall {score.recall:.3f}"
        )
        if "-v" in sys.argv:
            print("\n".join(f"  {w}" for w in score.wrong))


if __name__ == "__main__":
    main()
