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
from typing import Any

from sqlalchemy import func, literal_column, or_, select, true
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from runnotes.store.db import Store
from runnotes.store.models import Capture, Run, counted
from runnotes.store.queries import latest_ids

Point = tuple[float, float]
CACHE_SIZE = 512  # series; a 300-point series is ~10 kB

_cache: OrderedDict[tuple[str, int, str, object], tuple[tuple[int, int], Any]] = OrderedDict()
_lock = threading.Lock()


def _of_series(run_id: int, name: str) -> list[object]:
    return [Capture.run_id == run_id, Capture.kind == "metric", Capture.name == name]


def metric_values(
    store: Store, run_id: int, name: str, *, after: int = 0, limit: int = 1000
) -> list[Capture]:
    """Every stored value of one metric in the order stored, ``limit`` at a time after capture
    id ``after`` (keyset paging: an index seek, however deep the page)."""
    with store.read() as session:
        found = list(
            session.exec(
                sqlmodel_select(Capture)
                .where(*_of_series(run_id, name), Capture.id > after)
                .order_by(Capture.id)
                .limit(limit)
            ).all()
        )
        for capture in found:
            session.expunge(capture)
    return found


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


def _points_query(session: Session, run_id: int, name: str) -> tuple[object, int, int, int]:
    """The series' points as a subquery ``(x, y)`` plus its count and step range."""
    base = [*_of_series(run_id, name), counted(), Capture.value.is_not(None)]
    stepped = [*base, Capture.step.is_not(None)]
    count, low, high = session.exec(
        select(func.count(), func.min(Capture.step), func.max(Capture.step)).where(*stepped)
    ).one()
    if count:
        last = select(func.max(Capture.id)).where(*stepped).group_by(Capture.step)
        points = select(Capture.step.label("x"), Capture.value.label("y")).where(
            Capture.id.in_(last)
        )
        return points.subquery(), count, low, high
    count = session.exec(select(func.count()).where(*base)).one()[0]
    numbered = select(
        (func.row_number().over(order_by=Capture.id) - 1).label("x"), Capture.value.label("y")
    ).where(*base)
    return numbered.subquery(), count, 0, max(count - 1, 0)


def _compute(session: Session, run_id: int, name: str, max_points: int) -> list[Point]:
    points, count, low, high = _points_query(session, run_id, name)
    if not count:
        return []
    x, y = points.c.x, points.c.y  # type: ignore[attr-defined]
    if count <= max_points:
        rows = session.exec(select(x, y).order_by(x)).all()
        return [(float(a), float(b)) for a, b in rows]
    buckets = max(1, max_points // 4)
    # Integer arithmetic in both SQLite and PostgreSQL: bucket 0 … buckets-1 by step.
    bucket = literal_column(f"((x - {int(low)}) * {buckets} / {int(high) - int(low) + 1})")
    ranked = select(
        x,
        y,
        func.row_number().over(partition_by=bucket, order_by=(y, x)).label("lowest"),
        func.row_number().over(partition_by=bucket, order_by=(y.desc(), x)).label("highest"),
        func.row_number().over(partition_by=bucket, order_by=x).label("first"),
        func.row_number().over(partition_by=bucket, order_by=x.desc()).label("last"),
    ).subquery()
    keep = or_(*(ranked.c[rank] == 1 for rank in ("lowest", "highest", "first", "last")))
    rows = session.exec(select(ranked.c.x, ranked.c.y).where(keep).order_by(ranked.c.x)).all()
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


def series_points(
    session: Session, series: tuple[int, str], state: State, max_points: int
) -> list[Point]:
    """One metric's ``(step, value)`` points in one run, sorted by step: at most ``max_points``
    (the first, last, lowest and highest point of each bucket of steps). ``state`` is the
    series' entry of :func:`series_states`."""
    return _cached(  # type: ignore[no-any-return]
        session, series, state, max_points, lambda: _compute(session, *series, max_points)
    )


def series_extremes(
    session: Session, series: tuple[int, str], state: State
) -> tuple[float, float] | None:
    """The lowest and highest counted value of a metric in a run (every value, with or without
    a step: what "best" is chosen from), or None when it has none."""
    run_id, name = series

    def compute() -> tuple[float, float] | None:
        low, high = session.exec(
            select(func.min(Capture.value), func.max(Capture.value)).where(
                *_of_series(run_id, name), counted(), Capture.value.is_not(None)
            )
        ).one()
        return None if low is None else (low, high)

    return _cached(session, series, state, "extremes", compute)  # type: ignore[no-any-return]
