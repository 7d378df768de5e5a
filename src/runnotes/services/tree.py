"""An experiment's runs as a tree: lanes, rows, edges with what changed and why.

Git-graph style: time runs downward, one run per row; a run continues its parent's lane when it
is the parent's first child, any later child opens a branch in a new lane (lanes are reused once
free, so width stays the number of branches alive at once). A run with no parent starts its own
chain. Each edge carries the narrative diff (:mod:`runnotes.services.narrative`), its chips and
the rationale: the child's note or voice note nearest to its start, else the parent's nearest
one written after the parent ended.

For hundreds of runs the tree stays readable: linear stretches (a run whose only child follows
it in its lane, none of them the best) collapse into one row, and a ``where`` filter keeps the
matching runs and their ancestors (the path to them) only.

Building the tree of 500 runs reads every run's latest values, notes and sparklines (~70 ms of
CPU); looking at it again changes none of that. So a built tree is kept (per process, a few of
them) with the state it was built from: the experiment's run rows (status, names, links, and
each run's ``series_version``, which moves whenever a stored value of the run changes in place)
and the store's newest capture and logged-value ids (anything added anywhere). A view whose
state is the same gets the same :class:`Tree` object, so callers treat it as read-only. When the
state moved (a run of the experiment logging), only the runs that changed are read again: on
SQLite, each run's facts and sparkline are kept with its row, and reused while the row is the same
and the run got no value since (the ids added after the last build name those runs). On
PostgreSQL, ids commit out of order, so every run is read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from runnotes.errors import RunnotesError
from runnotes.services.metrics import curves, directions
from runnotes.services.narrative import (
    Chip,
    Facts,
    Part,
    experiment_best,
    key_metric,
    load_facts,
    narrate,
    plain,
)
from runnotes.store.db import Store
from runnotes.store.lineage import (
    LinkRow,
    link_rows,
    matching_ids,
    newest_ids,
    note_rows,
    runs_added_to,
)

COLLAPSE_FROM = 3  # a linear stretch this long or longer becomes one row
COLLAPSE_ABOVE = 40  # runs in an experiment above which stretches collapse by default
RECENT = 60  # runs a large tree opens with (the newest, the best, the paths to them)
SPARK_POINTS = 24
RATIONALE_CHARS = 240
CACHE_SIZE = 16  # built trees kept (per experiment and view)
KEPT_RUNS = 20_000  # runs whose facts and sparklines are kept between builds, at most

_cache: OrderedDict[Hashable, tuple[Hashable, Tree]] = OrderedDict()
_lock = threading.Lock()


@dataclass
class _Kept:
    """What was read for a run at the last build (SQLite): reused while the run is unchanged."""

    row: LinkRow
    facts: Facts | None
    sparks: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


_runs: dict[str, tuple[tuple[int | None, int | None], dict[int, _Kept]]] = {}  # per store


@dataclass
class Edge:
    narrative: list[Part]
    chips: list[Chip]
    rationale: str | None = None
    rationale_kind: str | None = None  # note or voice

    @property
    def text(self) -> str:
        """The narrative as text, names in backticks."""
        return plain(self.narrative)


@dataclass
class Node:
    run: LinkRow
    lane: int = 0
    row: int = 0
    value: float | None = None  # the key metric's latest value
    best: bool = False
    matched: bool = True  # False: shown only as an ancestor of a run the filter kept
    spark: list[tuple[float, float]] = field(default_factory=list)
    edge: Edge | None = None
    collapsed: list[LinkRow] = field(default_factory=list)  # runs folded into this row
    above: int | None = None  # the run drawn as its parent (a collapsed row stands for its tail)

    @property
    def data_changed(self) -> bool:
        return bool(self.edge and any(c.kind == "data" for c in self.edge.chips))


@dataclass
class Tree:
    metric: str | None
    lower_is_better: bool
    best: float | None
    nodes: list[Node]
    lanes: int
    total: int  # runs in the experiment (before filter and collapse)
    collapsed: bool
    where: str | None = None
    hidden: int = 0  # runs left out to keep a large tree short (older ones, off every path)

    def path_to(self, run_id: int) -> list[Node]:
        """The nodes from the root to ``run_id`` (collapsed runs are inside their row)."""
        by_id = {n.run.id: n for n in self.nodes}
        path = []
        current = by_id.get(run_id)
        while current is not None:
            path.append(current)
            current = by_id.get(current.above)  # type: ignore[arg-type]
        return path[::-1]

    @property
    def best_node(self) -> Node | None:
        return next((n for n in self.nodes if n.best), None)


def _children(rows: Sequence[LinkRow]) -> dict[int | None, list[LinkRow]]:
    ids = {r.id for r in rows}
    kids: dict[int | None, list[LinkRow]] = defaultdict(list)
    for r in rows:
        kids[r.parent_id if r.parent_id in ids else None].append(r)
    return kids


def _collapse(nodes: list[Node], kids: dict[int | None, list[LinkRow]]) -> list[Node]:
    """Fold linear stretches: a run with one parent, one child and no mark of its own."""

    def plain(n: Node) -> bool:
        return (
            n.run.parent_id is not None
            and len(kids.get(n.run.id, [])) == 1
            and not n.best
            and not n.data_changed
            and len(kids.get(n.run.parent_id, [])) == 1
        )

    by_id = {n.run.id: n for n in nodes}
    folded: set[int] = set()
    for n in nodes:
        if n.run.id in folded or not plain(n):
            continue
        parent = by_id.get(n.run.parent_id)  # type: ignore[arg-type]
        if parent is not None and plain(parent):
            continue  # not the start of a stretch
        stretch = [n]
        while True:
            (child,) = kids[stretch[-1].run.id]
            nxt = by_id[child.id]
            if not plain(nxt):
                break
            stretch.append(nxt)
        if len(stretch) >= COLLAPSE_FROM:
            head = stretch[0]
            head.collapsed = [s.run for s in stretch[1:]]
            folded |= {s.run.id for s in stretch[1:]}
            # the stretch's last run is the one its child came from: the row stands for it
            (child,) = kids[stretch[-1].run.id]
            by_id[child.id].above = head.run.id
    return [n for n in nodes if n.run.id not in folded]


def _lanes(nodes: list[Node]) -> int:
    """Give each node its row and lane; returns how many lanes there are."""
    row_of = {}
    for row, n in enumerate(nodes):
        n.row = row
        row_of[n.run.id] = row
    chain: dict[int, int] = {}  # node id → chain id (the chain's head id)
    first_child: set[int | None] = set()
    spans: dict[int, list[int]] = {}
    for n in nodes:
        # a parent drawn below its child (clocks of imported runs disagree) starts no chain
        parent = n.above if n.above in chain else None
        if parent is not None and parent not in first_child:
            first_child.add(parent)
            chain[n.run.id] = chain[parent]
            spans[chain[parent]][1] = n.row
        else:
            chain[n.run.id] = n.run.id
            start = row_of[parent] if parent is not None else n.row
            spans[n.run.id] = [start, n.row]
    lane_free_after: list[int] = []  # per lane: the last row it is busy
    lane_of_chain: dict[int, int] = {}
    for head, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1][0], row_of[kv[0]])):
        for lane, busy in enumerate(lane_free_after):
            if busy < start:
                lane_free_after[lane] = end
                lane_of_chain[head] = lane
                break
        else:
            lane_of_chain[head] = len(lane_free_after)
            lane_free_after.append(end)
    for n in nodes:
        n.lane = lane_of_chain[chain[n.run.id]]
    return max(len(lane_free_after), 1)


def _rationale(
    notes: dict[int, list[tuple[str, str, float]]], parent: LinkRow, child: LinkRow
) -> tuple[str, str] | None:
    """Why the child was run: its own note nearest to its start, else the parent's note nearest
    to it among those written after the parent ended (a "next I will try…")."""
    ended = parent.ended_at or parent.started_at
    found = notes.get(child.id) or [n for n in notes.get(parent.id, []) if n[2] >= ended]
    if not found:
        return None
    kind, text, _ = min(found, key=lambda n: abs(n[2] - child.started_at))
    text = " ".join(text.split())
    if len(text) > RATIONALE_CHARS:
        text = text[: RATIONALE_CHARS - 1] + "…"
    return kind, text


def _with_ancestors(by_id: dict[int, Node], ids: set[int]) -> set[int]:
    shown: set[int] = set()
    for run_id in ids:
        current = by_id.get(run_id)
        while current is not None and current.run.id not in shown:
            shown.add(current.run.id)
            current = by_id.get(current.run.parent_id)  # type: ignore[arg-type]
    return shown


def build_tree(
    store: Store,
    experiment_id: int,
    *,
    where: str | None = None,
    collapse: bool | None = None,
    recent: int | None = None,
    archived: bool = False,
) -> Tree:
    """The experiment's tree (see the module's rules); ``collapse`` None: when it is large;
    ``recent``: only the newest runs, the best one and the paths to them (the rest counted in
    :attr:`Tree.hidden`); ``archived``: archived runs too (reports keep them). The same object
    while nothing it shows changed (see the module): do not change it."""
    reports = store.settings.reports
    key = (str(store.engine.url), experiment_id, where, collapse, recent, archived)
    key += (tuple(reports.primary_metric), tuple(reports.lower_is_better))
    state = (newest_ids(store), tuple(rows := link_rows(store, experiment_id, archived)))
    with _lock:
        kept = _cache.get(key)
        if kept is not None and kept[0] == state:
            _cache.move_to_end(key)
            return kept[1]
    tree = _build(store, experiment_id, rows, state[0], where, collapse, recent)
    with _lock:
        _cache[key] = (state, tree)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return tree


def _unchanged(
    store: Store, rows: list[LinkRow], newest: Hashable
) -> tuple[dict[int, _Kept], set[int] | None]:
    """What the last builds read of the runs that did not change since, and the runs that got
    values since (None: unknown, forget everything). SQLite only, see the module."""
    if not store.is_sqlite:
        return {}, None
    with _lock:
        asof, kept = _runs.get(str(store.engine.url), ((None, None), {}))
    if asof == (None, None):
        return {}, None
    added = runs_added_to(store, *asof) if asof != newest[:2] else set()  # type: ignore[index]
    reused = {r.id: kept[r.id] for r in rows if r.id not in added and _same(kept.get(r.id), r)}
    return reused, added


def _same(kept: _Kept | None, row: LinkRow) -> bool:
    return kept is not None and kept.row == row


def _keep(store: Store, newest: Hashable, kept: dict[int, _Kept], added: set[int] | None) -> None:
    """Keep what this build read, with what earlier builds read of other runs that got no value
    since (``added``), as of ``newest``."""
    if not store.is_sqlite:
        return
    url = str(store.engine.url)
    with _lock:
        _, before = _runs.get(url, (None, {}))
        if added is None or len(before) > KEPT_RUNS:
            before, added = {}, set()
        merged = {rid: k for rid, k in before.items() if rid not in added} | kept
        _runs[url] = (newest[:2], merged)  # type: ignore[index]


def _build(
    store: Store,
    experiment_id: int,
    rows: list[LinkRow],
    newest: Hashable,
    where: str | None,
    collapse: bool | None,
    recent: int | None,
) -> Tree:
    reused, added = _unchanged(store, rows, newest)
    facts = {rid: k.facts for rid, k in reused.items() if k.facts is not None}
    facts |= load_facts(store, [r.id for r in rows if r.id not in reused])
    kept = {r.id: reused.get(r.id) or _Kept(r, facts.get(r.id)) for r in rows}
    metric = key_metric(store, list(facts.values()))
    best = experiment_best(store, list(facts.values()), metric)
    dirs = directions(store.settings)
    nodes = [Node(run=r, above=r.parent_id) for r in rows]
    by_id = {n.run.id: n for n in nodes}
    for n in nodes:
        f = facts.get(n.run.id)
        n.value = f.metrics.get(metric) if f and metric else None
        n.best = n.value is not None and n.value == best
    if where:
        keep = matching_ids(store, experiment_id, where)
        for n in nodes:
            n.matched = n.run.id in keep
        shown = _with_ancestors(by_id, keep)
        nodes = [n for n in nodes if n.run.id in shown]
    hidden = 0
    if recent is not None and len(nodes) > recent:
        wanted = {n.run.id for n in nodes[-recent:]} | {n.run.id for n in nodes if n.best}
        shown = _with_ancestors(by_id, wanted)
        hidden = len(nodes) - len(shown)
        nodes = [n for n in nodes if n.run.id in shown]
    ids = [n.run.id for n in nodes]
    notes: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    parents = [n.run.parent_id for n in nodes if n.run.parent_id in by_id]
    for run_id, kind, text, ts in note_rows(store, ids + parents):
        notes[run_id].append((kind, text, ts))
    for n in nodes:
        parent = by_id.get(n.run.parent_id)  # type: ignore[arg-type]
        if parent is not None and n.run.id in facts:
            told = narrate(dirs, facts[parent.run.id], facts[n.run.id], metric, best)
            why = _rationale(notes, parent.run, n.run)
            n.edge = Edge(told.parts, told.chips, why[1] if why else None, why[0] if why else None)
    if collapse is None:
        collapse = len(nodes) > COLLAPSE_ABOVE
    if collapse:
        nodes = _collapse(nodes, _children([n.run for n in nodes]))
    lanes = _lanes(nodes)
    if metric:
        missing = [n.run.id for n in nodes if metric not in kept[n.run.id].sparks]
        spark = curves(store, missing, [metric], max_points=SPARK_POINTS).get(metric, {})
        for n in nodes:
            sparks = kept[n.run.id].sparks
            n.spark = sparks.setdefault(metric, spark.get(n.run.id, []))
    _keep(store, newest, kept, added)
    return Tree(
        metric=metric,
        lower_is_better=bool(metric and dirs.lower_is_better(metric)),
        best=best,
        nodes=nodes,
        lanes=lanes,
        total=len(rows),
        collapsed=bool(collapse),
        where=where,
        hidden=hidden,
    )


VIEWS = ("auto", "yes", "no")  # how a tree opens: large ones shortened, chains collapsed, all


def open_tree(store: Store, experiment_id: int, where: str = "", collapse: str = "auto") -> Tree:
    """The tree as the page and the notebook open it: ``auto`` (a large tree starts with the
    newest runs, the best one and the paths to them, chains collapsed), ``yes`` (every run,
    chains collapsed) or ``no`` (every run); ``where`` keeps the matching runs and their paths."""
    if collapse not in VIEWS:
        raise RunnotesError(f"collapse is auto, yes or no, not {collapse[:20]!r}")
    chosen = None if collapse == "auto" else collapse == "yes"
    recent = RECENT if collapse == "auto" and not where.strip() else None
    return build_tree(
        store, experiment_id, where=where.strip() or None, collapse=chosen, recent=recent
    )
