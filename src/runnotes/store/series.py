"""Metric series read and downsampled in SQL, so a chart costs the same for 100 or 1 000 000 values.

A run that logged 10 metrics × 100 000 steps must not send a million rows into Python to draw
ten 240-pixel sparklines. :func:`series_points` applies the series rules of
:mod:`runnotes.services.metrics` in the query (counted values only; a step stored twice keeps the
value stored last; step-less values numbered 0, 1, 2… when no value has a step) and, when the
series has more than ``max_points`` points, keeps per bucket of steps its first, last, lowest
and highest point (M4 aggregation): every extreme survives, with its real step, so a spike or a
divergence is never thinned away.

Bucketing reads every value of the series once, so results are kept in a small per-process cache
keyed by the series' fingerprint: the newest capture id of the series (an index seek) and the
run's ``series_version``, which a trigger bumps whenever a stored metric value is changed in place
(review, edit; migration 0008). New values change the first, edits the second, in any process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal_column, or_, select
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from runnotes.store.db import Store
from runnotes.store.models import Capture, Run, counted

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


def metric_names(session: Session, run_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each run's metric names, sorted: a skip scan of ``ix_capture_run_kind_name``, one index
    seek per name, however many values each metric has."""
    found: dict[int, list[str]] = {}
    for run_id in run_ids:
        names: list[str] = []
        where = [Capture.run_id == run_id, Capture.kind == "metric"]
        while True:
            after = [Capture.name > names[-1]] if names else [Capture.name.is_not(None)]
            name = session.exec(select(func.min(Capture.name)).where(*where, *after)).one()[0]
            if name is None:
                break
            names.append(name)
        found[run_id] = names
    return found


def fingerprint(session: Session, run_id: int, name: str) -> tuple[int, int]:
    """What changes whenever the series does: its newest capture id and the run's series
    version (bumped by the trigger of migration 0008 on in-place changes)."""
    newest = session.exec(select(func.max(Capture.id)).where(*_of_series(run_id, name))).one()[0]
    version = session.exec(select(Run.series_version).where(Run.id == run_id)).one()[0]
    return (newest or 0, version or 0)


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


def _cached(session: Session, run_id: int, name: str, what: object, compute: Any) -> Any:
    """``compute()``, or what it gave last time for this series if the series has not changed."""
    key = (str(session.get_bind().engine.url), run_id, name, what)
    state = fingerprint(session, run_id, name)
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


def series_points(session: Session, run_id: int, name: str, max_points: int) -> list[Point]:
    """One metric's ``(step, value)`` points, sorted by step: at most ``max_points`` (the first,
    last, lowest and highest point of each bucket of steps)."""
    return _cached(  # type: ignore[no-any-return]
        session, run_id, name, max_points, lambda: _compute(session, run_id, name, max_points)
    )


def series_extremes(session: Session, run_id: int, name: str) -> tuple[float, float] | None:
    """The lowest and highest counted value of a metric in a run (every value, with or without
    a step: what "best" is chosen from), or None when it has none."""

    def compute() -> tuple[float, float] | None:
        low, high = session.exec(
            select(func.min(Capture.value), func.max(Capture.value)).where(
                *_of_series(run_id, name), counted(), Capture.value.is_not(None)
            )
        ).one()
        return None if low is None else (low, high)

    return _cached(session, run_id, name, "extremes", compute)  # type: ignore[no-any-return]
