"""Metric series read and downsampled in SQL, so a chart costs the same for 100 or 1 000 000 values.

A run that logged 10 metrics × 100 000 steps must not send a million rows into Python to draw
ten 240-pixel sparklines. :func:`series_points` applies the series rules of
:mod:`runnotes.services.metrics` in the query (counted values only; a step stored twice keeps the
value stored last; step-less values numbered 0, 1, 2… when no value has a step) and, when the
series has more than ``max_points`` points, keeps per bucket of steps its first, last, lowest
and highest point (M4 aggregation): every extreme survives, with its real step, so a spike or a
divergence is never thinned away.

Bucketing reads every value of the series once, so results are kept in a small per-process cache
keyed by the series' state (:func:`series_states`): the newest capture id of the series and the
run's ``series_version``, which a trigger bumps whenever a stored metric value is changed in place
(review, edit; migration 0008). New values change the first, edits the second, in any process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, or_, select, true, union
from sqlmodel import Session

from runnotes.store.db import Store
from runnotes.store.models import Capture, Run, counted
from runnotes.store.queries import latest_ids

Point = tuple[float, float]
CACHE_SIZE = 512  # series; a 300-point series is ~10 kB

_cache: OrderedDict[tuple[str, int, str, object], tuple[tuple[int, int], Any]] = OrderedDict()
_lock = threading.Lock()


def _of_series(run_id: int, name: str) -> list[object]:
    return [Capture.run_id == run_id, Capture.kind == "metric", Capture.name == name]


VALUE_FIELDS = ("id", "step", "value", "text", "timestamp", "review", "source")


def metric_values(
    store: Store, run_id: int, name: str, *, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """Every stored value of one metric in the order stored (``VALUE_FIELDS`` of each),
    ``limit`` at a time after capture id ``after`` (keyset paging: an index seek, however deep
    the page)."""
    columns = [getattr(Capture, field) for field in VALUE_FIELDS]
    with store.read() as session:
        rows = session.exec(
            select(*columns)
            .where(*_of_series(run_id, name), Capture.id > after)
            .order_by(Capture.id)
            .limit(limit)
        ).all()
    return [dict(zip(VALUE_FIELDS, row, strict=True)) for row in rows]


State = tuple[int, int]  # (newest capture id of the series, the run's series_version)


def series_states(session: Session, run_ids: Sequence[int]) -> dict[tuple[int, str], State]:
    """Each ``(run_id, metric)`` of the runs with what changes whenever the series does: its
    newest capture id (new values) and the run's ``series_version`` (reviews and edits, moved by
    the trigger of migration 0008). Two queries for any number of runs and series: the names
    come from a skip scan of ``ix_capture_run_kind_name``, one index seek each."""
    if not run_ids:
        return {}
    newest = latest_ids(run_ids, ("metric",), true()).subquery()
    rows = session.exec(
        select(Capture.run_id, Capture.name, Capture.id).join(newest, Capture.id == newest.c.cid)
    ).all()
    versions = dict(
        session.exec(select(Run.id, Run.series_version).where(Run.id.in_(run_ids))).all()
    )
    return {
        (run_id, name): (cid, versions.get(run_id) or 0)
        for run_id, name, cid in sorted(rows, key=lambda row: (row[0], row[1]))
    }


def metric_names(session: Session, run_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each run's metric names, sorted (see :func:`series_states`)."""
    found: dict[int, list[str]] = {run_id: [] for run_id in run_ids}
    for run_id, name in series_states(session, run_ids):
        found[run_id].append(name)
    return found


@dataclass(frozen=True)
class Stats:
    """One pass over a series: how many values have a step (and how many distinct steps), the
    step range, and the lowest and highest counted value of all (what "best" is chosen from)."""

    stepped: int
    distinct: int
    low: int | None
    high: int | None
    lowest: float | None
    highest: float | None
    count: int


def _stats(session: Session, run_id: int, name: str) -> Stats:
    step, value = Capture.step, Capture.value
    row = session.exec(
        select(
            func.count(step),
            func.count(func.distinct(step)),
            func.min(step),
            func.max(step),
            func.min(value),
            func.max(value),
            func.count(),
        ).where(*_counted(run_id, name))
    ).one()
    return Stats(*row)


def _counted(run_id: int, name: str) -> list[Any]:
    return [*_of_series(run_id, name), counted(), Capture.value.is_not(None)]


def _points(run_id: int, name: str, stats: Stats) -> tuple[Any, int, int]:
    """The series' points as a subquery ``(x, y)``, with its step range."""
    where = _counted(run_id, name)
    if not stats.stepped:  # no steps at all: numbered 0, 1, 2… in the order stored
        numbered = select(
            (func.row_number().over(order_by=Capture.id) - 1).label("x"), Capture.value.label("y")
        ).where(*where)
        return numbered.subquery(), 0, max(stats.count - 1, 0)
    where.append(Capture.step.is_not(None))
    points = select(Capture.step.label("x"), Capture.value.label("y")).where(*where)
    if stats.distinct < stats.stepped:  # a step stored twice keeps the value stored last
        last = select(func.max(Capture.id)).where(*where).group_by(Capture.step)
        points = select(Capture.step.label("x"), Capture.value.label("y")).where(
            Capture.id.in_(last)
        )
    return points.subquery(), int(stats.low or 0), int(stats.high or 0)


def _compute(
    session: Session, run_id: int, name: str, stats: Stats, max_points: int
) -> list[Point]:
    if not stats.count:
        return []
    points, low, high = _points(run_id, name, stats)
    x, y = points.c.x, points.c.y
    if (stats.distinct or stats.count) <= max_points:
        rows = session.exec(select(x, y).order_by(x)).all()
        return [(float(a), float(b)) for a, b in rows]
    buckets = max(1, max_points // 4)
    # Integer arithmetic in both SQLite and PostgreSQL: bucket 0 … buckets-1 by step.
    bucket = literal_column(f"((x - {low}) * {buckets} / {high - low + 1})")
    # One window (the bucket) for all four: one sort, however many points.
    framed = select(
        x,
        y,
        bucket.label("b"),
        func.min(y).over(partition_by=bucket).label("lowest"),
        func.max(y).over(partition_by=bucket).label("highest"),
        func.min(x).over(partition_by=bucket).label("first"),
        func.max(x).over(partition_by=bucket).label("last"),
    ).cte("framed")
    c = framed.c
    kept = union(
        # a value that repeats within a bucket is kept once, at its first step
        select(func.min(c.x), c.y).where(c.y == c.lowest).group_by(c.b, c.y),
        select(func.min(c.x), c.y).where(c.y == c.highest).group_by(c.b, c.y),
        select(c.x, c.y).where(or_(c.x == c.first, c.x == c.last)),
    ).subquery()
    rows = session.exec(select(kept.c[0], kept.c[1]).order_by(kept.c[0])).all()
    return [(float(a), float(b)) for a, b in rows]


def _cached(
    session: Session, series: tuple[int, str], state: State, what: object, compute: Any
) -> Any:
    """``compute()``, or what it gave last time for this series if its state is the same."""
    key = (str(session.get_bind().engine.url), *series, what)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == state:
            _cache.move_to_end(key)
            return hit[1]
    value = compute()
    with _lock:
        _cache[key] = (state, value)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def _stats_of(session: Session, series: tuple[int, str], state: State) -> Stats:
    return _cached(session, series, state, "stats", lambda: _stats(session, *series))  # type: ignore[no-any-return]


def series_points(
    session: Session, series: tuple[int, str], state: State, max_points: int
) -> list[Point]:
    """One metric's ``(step, value)`` points in one run, sorted by step: at most ``max_points``
    (the first, last, lowest and highest point of each bucket of steps). ``state`` is the
    series' entry of :func:`series_states`."""
    stats = _stats_of(session, series, state)
    return _cached(  # type: ignore[no-any-return]
        session, series, state, max_points, lambda: _compute(session, *series, stats, max_points)
    )


def series_extremes(
    session: Session, series: tuple[int, str], state: State
) -> tuple[float, float] | None:
    """The lowest and highest counted value of a metric in a run (every value, with or without
    a step: what "best" is chosen from), or None when it has none."""
    stats = _stats_of(session, series, state)
    return None if stats.lowest is None else (stats.lowest, stats.highest)  # type: ignore[return-value]
