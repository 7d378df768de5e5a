"""The narrative diff: one or two sentences saying how run ``b`` differs from run ``a``.

"`b` differs from `a` in data (`digits.csv`: 1 500 → 1 797 rows) and `lr` (0.001 → 0.01);
`val_acc` 0.912 → 0.934 (+2.2 points, better), best of the experiment."

Built from stored facts only: each value is a stored param text, metric value (six significant
digits, as every page prints it), data row count or commit; the one derived number is the key
metric's change, the difference of the two values the sentence shows (in points for a ratio
metric such as an accuracy). What differs is also returned as chips for the tree's edges, a
data change first (it is the one that most often explains a jump).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from runnotes.formatting import fmt_value
from runnotes.services.metrics import Directions, directions
from runnotes.services.values import main_metrics, same_param
from runnotes.store.db import Store
from runnotes.store.lineage import dataset_rows, experiment_run_ids, run_heads

PARAMS_SHOWN = 3  # params named in a sentence; the chips list them all
RATIO = re.compile(r"acc|accuracy|f1|auc|precision|recall|iou|map|top\d")


@dataclass
class Facts:
    """What a run is made of, as the narrative compares it."""

    id: int
    name: str
    git_commit: str | None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    data: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)  # rows, sha256


Part = tuple[str, bool]  # a piece of a sentence, and whether it is a name (shown as code)


def plain(parts: Sequence[Part]) -> str:
    """The sentence as text, its names in backticks (what the CLI prints and tests read)."""
    return "".join(f"`{text}`" if name else text for text, name in parts)


@dataclass
class Chip:
    kind: str  # param, code or data
    parts: list[Part]

    @property
    def text(self) -> str:
        return plain(self.parts)


@dataclass
class Narrative:
    parts: list[Part]
    chips: list[Chip]

    @property
    def text(self) -> str:
        return plain(self.parts)


def load_facts(store: Store, run_ids: Sequence[int]) -> dict[int, Facts]:
    """Facts of the runs, in three queries for all of them."""
    ids = list(run_ids)
    if not ids:
        return {}
    runs, latest = run_heads(store, ids)
    data: dict[int, dict[str, tuple[int | None, str | None]]] = defaultdict(dict)
    for run_id, name, rows, extra in dataset_rows(store, ids):
        sha = (extra or {}).get("sha256")
        data[run_id][name] = (None if rows is None else int(rows), sha)
    return {
        rid: Facts(
            id=rid,
            name=runs[rid][0],
            git_commit=runs[rid][1],
            params=dict(latest.params[rid]),
            metrics=dict(latest.metrics[rid]),
            data=data[rid],
        )
        for rid in ids
        if rid in runs
    }


def key_metric(store: Store, facts: Sequence[Facts]) -> str | None:
    """The metric a person looks at first over these runs (:func:`main_metrics`)."""
    coverage: dict[str, int] = defaultdict(int)
    for f in facts:
        for name in f.metrics:
            coverage[name] += 1
    chosen = main_metrics(
        sorted(coverage),
        preferred=store.settings.reports.primary_metric,
        lower=store.settings.reports.lower_is_better,
        coverage=dict(coverage),
        limit=1,
    )
    return chosen[0] if chosen else None


def rows_text(rows: int | None) -> str:
    return "?" if rows is None else f"{rows:,}".replace(",", " ")


def chips(a: Facts, b: Facts) -> list[Chip]:
    """What differs from ``a`` to ``b``: data first, then code, then params."""
    found = []
    for name in sorted(set(a.data) | set(b.data)):
        old, new = a.data.get(name), b.data.get(name)
        if old is None or new is None or old[1] == new[1]:
            continue
        if old[0] != new[0]:
            moved = f": {rows_text(old[0])} → {rows_text(new[0])} rows"
            found.append(Chip("data", [(name, True), (moved, False)]))
        else:
            found.append(Chip("data", [(name, True), (": content changed", False)]))
    if a.git_commit and b.git_commit and a.git_commit != b.git_commit:
        commits = [(a.git_commit[:7], True), (" → ", False), (b.git_commit[:7], True)]
        found.append(Chip("code", [("commit ", False), *commits]))
    for name in sorted(set(a.params) | set(b.params)):
        was, now = a.params.get(name), b.params.get(name)
        if not same_param(was, now):
            moved = f" ({was or 'unset'} → {now or 'unset'})"
            found.append(Chip("param", [(name, True), (moved, False)]))
    return found


def _change(name: str, old: float, new: float, dirs: Directions) -> str:
    delta = new - old
    if delta == 0 or not math.isfinite(delta):
        return "unchanged"
    ratio = RATIO.search(name.lower()) and 0 <= old <= 1 and 0 <= new <= 1
    shown = f"{delta * 100:+.1f} points" if ratio else f"{delta:+.4g}"
    verdict = "better" if dirs.is_better(name, new, old) else "worse"
    return f"{shown}, {verdict}"


def narrate(
    dirs: Directions,
    a: Facts,
    b: Facts,
    metric: str | None,
    best: float | None = None,
) -> Narrative:
    """The sentence(s) for ``b`` against ``a``; ``best``: the experiment's best ``metric``;
    ``dirs``: which way is better (``directions(store.settings)``, read once per page)."""
    found = chips(a, b)
    listed = []
    data = [c.parts for c in found if c.kind == "data"]
    if data:  # first: a data change is what most often explains a jump
        joined = [part for i, d in enumerate(data) for part in ([("; ", False)] if i else []) + d]
        listed.append([("data (", False), *joined, (")", False)])
    code = [c.parts for c in found if c.kind == "code"]
    if code:
        listed.append([("code (", False), *code[0], (")", False)])
    named = [c.parts for c in found if c.kind == "param"]
    listed += named[:PARAMS_SHOWN] + ([[("more params", False)]] if named[PARAMS_SHOWN:] else [])
    parts: list[Part] = [(b.name, True)]
    if listed:
        parts.append((" differs from ", False))
        parts += [(a.name, True), (" in ", False)]
        for i, item in enumerate(listed):
            if i:
                parts.append((" and " if i == len(listed) - 1 else ", ", False))
            parts += item
    else:
        parts += [(" has the same params, code and data as ", False), (a.name, True)]
    old, new = (a.metrics.get(metric), b.metrics.get(metric)) if metric else (None, None)
    if metric and old is not None and new is not None:
        moved = _change(metric, old, new, dirs)
        parts += [("; ", False), (metric, True)]
        parts.append((f" {fmt_value(old)} → {fmt_value(new)} ({moved})", False))
        if best is not None and new == best:
            parts.append((", best of the experiment", False))
    elif metric and new is not None:
        parts += [("; ", False), (metric, True), (f" {fmt_value(new)}", False)]
    return Narrative([*parts, (".", False)], found)


def experiment_best(store: Store, facts: Sequence[Facts], metric: str | None) -> float | None:
    """The best latest value of ``metric`` over the runs."""
    if metric is None:
        return None
    return directions(store.settings).best(metric, (f.metrics.get(metric) for f in facts))


def against_first(store: Store, run_ids: Sequence[int]) -> list[Narrative]:
    """How each run after the first differs from the first (the compare page's sentences).

    "Best of the experiment" is judged over the later run's whole experiment."""
    facts = load_facts(store, run_ids)
    shown = [facts[i] for i in run_ids if i in facts]
    if len(shown) < 2:
        return []
    metric = key_metric(store, shown)
    dirs = directions(store.settings)
    told = []
    best_of: dict[tuple[int, ...], float | None] = {}  # per experiment: its runs' best
    for b in shown[1:]:
        mates = tuple(experiment_run_ids(store, b.id))
        if mates not in best_of:  # each run's facts read once (five runs of one experiment
            # had read the experiment five times: 350 ms of a compare page's first view)
            facts.update(load_facts(store, [i for i in mates if i not in facts]))
            best_of[mates] = experiment_best(store, [facts[i] for i in mates if i in facts], metric)
        told.append(narrate(dirs, shown[0], b, metric, best_of[mates]))
    return told
