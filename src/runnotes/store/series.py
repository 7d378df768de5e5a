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
(review, edit; migrations 0008 and 0022). New values change the first, edits the second, in any
process; on PostgreSQL too a run's values commit in id order (its writers take turns:
:func:`runnotes.store.sql.lock_series`), so no value below the newest id can appear later.
Buckets are aligned ranges of steps that merge in pairs as the series grows, so values a running
training appends are added to the cached buckets (reading only them: an index range of ids) and
a live run's page does not read its million values again at every refresh; anything else (an
edit, a value for an earlier step) reads the series again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, true, union_all
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from runnotes.store.db import Store
from runnotes.store.models import Capture, Run, SeriesChart, counted, finite_value
from runnotes.store.points import metric_rows, newest_points
from runnotes.store.queries import latest_ids

Point = tuple[float, float]
logger = logging.getLogger(__name__)
CACHE_SIZE = 512  # series; a 300-point series is ~10 kB

_cache: OrderedDict[tuple[str, int, str], _Entry] = OrderedDict()
_lock = threading.Lock()


def _values(run_id: int, name: str, *where_captures: Any) -> tuple[Any, list[Any]]:
    """The series' values (logged points and metric captures, :mod:`runnotes.store.points`) as
    a subquery, and the conditions that pick the series from it."""
    values = metric_rows(*where_captures)
    return values, [values.c.run_id == run_id, values.c.name == name]


VALUE_FIELDS = ("id", "step", "value", "text", "timestamp", "review", "source")


def metric_values(
    store: Store, run_id: int, name: str, *, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """Every stored value of one metric in the order stored (``VALUE_FIELDS`` of each),
    ``limit`` at a time after id ``after`` (keyset paging: an index seek, however deep the
    page)."""
    values, where = _values(run_id, name)
    columns = [values.c[field] for field in VALUE_FIELDS]
    with store.read() as session:
        rows = session.exec(
            select(*columns).where(*where, values.c.id > after).order_by(values.c.id).limit(limit)
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
    found: dict[tuple[int, str], int] = {}
    for run_id, name, cid in [*rows, *newest_points(session, run_ids)]:
        found[(run_id, name)] = max(cid, found.get((run_id, name), 0))
    versions = dict(
        session.exec(select(Run.id, Run.series_version).where(Run.id.in_(run_ids))).all()
    )
    return {
        (run_id, name): (cid, versions.get(run_id) or 0)
        for (run_id, name), cid in sorted(found.items())
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

    def appended(self, new: Stats) -> Stats | None:
        """These stats with ``new`` (the values stored since) added, when they only append: every
        new value has a step, after every step seen, each step once. None otherwise (a value
        for an earlier step may replace one, or a series without steps is renumbered)."""
        if not (self.stepped and new.count and new.stepped == new.count == new.distinct):
            return None
        if new.low is None or self.high is None or new.low <= self.high:
            return None
        return Stats(
            self.stepped + new.stepped,
            self.distinct + new.distinct,
            self.low,
            new.high,
            min(_known(self.lowest, new.lowest), default=None),
            max(_known(self.highest, new.highest), default=None),
            self.count + new.count,
        )


def _known(*values: float | None) -> list[float]:
    return [v for v in values if v is not None]  # None: only non-finite values so far


def _stats(session: Session, run_id: int, name: str, after: int = 0) -> Stats:
    values, where = _counted(run_id, name)
    step, value = values.c.step, values.c.value
    row = session.exec(
        select(
            func.count(step),
            func.count(func.distinct(step)),
            func.min(step),
            func.max(step),
            func.min(finite_value(value)),
            func.max(finite_value(value)),
            func.count(),
        ).where(*where, values.c.id > after)
    ).one()
    return Stats(*row)


def _counted(run_id: int, name: str) -> tuple[Any, list[Any]]:
    values, where = _values(run_id, name, counted())
    return values, [*where, values.c.value.is_not(None)]


def _points(run_id: int, name: str, stats: Stats, after: int) -> Any:
    """The series' points as a subquery ``(x, y)`` (of the values after id ``after``)."""
    values, where = _counted(run_id, name)
    where.append(values.c.id > after)
    if not stats.stepped:  # no steps at all: numbered 0, 1, 2… in the order stored
        numbered = select(
            (func.row_number().over(order_by=values.c.id) - 1).label("x"),
            values.c.value.label("y"),
        ).where(*where)
        return numbered.subquery()
    where.append(values.c.step.is_not(None))
    points = select(values.c.step.label("x"), values.c.value.label("y")).where(*where)
    if stats.distinct < stats.stepped:  # a step stored twice keeps the value stored last
        last = select(func.max(values.c.id)).where(*where).group_by(values.c.step)
        again, _ = _counted(run_id, name)
        points = select(again.c.step.label("x"), again.c.value.label("y")).where(
            again.c.id.in_(last)
        )
    return points.subquery()


# A bucket's M4: its first, last, lowest and highest point (a lowest or highest value that repeats
# in the bucket is kept at its first step).
M4 = tuple[Point, Point, Point, Point]


def _merge(a: M4, b: M4) -> M4:
    """The M4 of two buckets' points together: exactly what one pass over both would give."""
    return (
        min(a[0], b[0]),
        max(a[1], b[1]),
        min(a[2], b[2], key=lambda p: (p[1], p[0])),
        min(a[3], b[3], key=lambda p: (-p[1], p[0])),
    )


@dataclass
class Buckets:
    """A series downsampled into buckets of ``width`` steps from ``base`` (bucket ``k`` holds
    steps ``base + k·width`` … ``base + (k+1)·width - 1``). When the series outgrows ``limit``
    buckets, pairs merge exactly into buckets twice as wide (bucket ``k`` into ``k // 2``), so
    new values are added without reading the old ones again."""

    base: int
    width: int
    limit: int
    m4: dict[int, M4]

    def extended(self, more: dict[int, M4]) -> Buckets:
        """These buckets with ``more`` (of the same width) added: a new object, as another
        request may be reading this one."""
        m4, width = dict(self.m4), self.width
        for k, value in more.items():
            m4[k] = _merge(m4[k], value) if k in m4 else value
        while max(m4) - min(m4) >= self.limit:
            coarser: dict[int, M4] = {}
            for k, value in m4.items():
                coarser[k // 2] = _merge(coarser[k // 2], value) if k // 2 in coarser else value
            m4, width = coarser, width * 2
        return Buckets(self.base, width, self.limit, m4)

    def points(self) -> list[Point]:
        return sorted({p for m4 in self.m4.values() for p in m4})


def _width(low: int, high: int, limit: int) -> int:
    """The narrowest bucket width that covers ``low``…``high`` in ``limit`` buckets."""
    return max(1, -(-(high - low + 1) // limit))


def _bucketed(session: Session, points: Any, base: int, width: int) -> dict[int, M4]:
    """Each bucket's M4, read in one query over the points (one window: one sort)."""
    x, y = points.c.x, points.c.y
    bucket = literal_column(f"((x - {base}) / {width})")  # integer division in both dialects
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
    rows = session.exec(
        union_all(
            select(c.b, literal_column("0"), c.x, c.y).where(c.x == c.first),
            select(c.b, literal_column("1"), c.x, c.y).where(c.x == c.last),
            select(c.b, literal_column("2"), func.min(c.x), c.y)
            .where(c.y == c.lowest)
            .group_by(c.b, c.y),
            select(c.b, literal_column("3"), func.min(c.x), c.y)
            .where(c.y == c.highest)
            .group_by(c.b, c.y),
        )
    ).all()
    found: dict[int, list[Point]] = {}
    for b, role, px, py in rows:
        found.setdefault(int(b), [(0.0, 0.0)] * 4)[int(role)] = (float(px), float(py))
    return {b: (m[0], m[1], m[2], m[3]) for b, m in found.items()}


def _compute(
    session: Session, run_id: int, name: str, stats: Stats, max_points: int
) -> list[Point] | Buckets:
    """All points when the series has at most ``max_points``, else its buckets."""
    if not stats.count:
        return []
    points = _points(run_id, name, stats, 0)
    if (stats.distinct or stats.count) <= max_points:
        rows = session.exec(select(points.c.x, points.c.y).order_by(points.c.x)).all()
        return [(float(a), float(b)) for a, b in rows]
    low, high = (stats.low or 0, stats.high or 0) if stats.stepped else (0, stats.count - 1)
    limit = max(1, max_points // 4)
    width = _width(int(low), int(high), limit)
    return Buckets(int(low), width, limit, _bucketed(session, points, int(low), width))


@dataclass
class _Entry:
    """What the cache holds for one series: its state, stats, and points per ``max_points``."""

    state: State
    stats: Stats
    shapes: dict[int, list[Point] | Buckets]
    # What series_chart holds of it: its state, its sizes and how many values it had.
    saved: tuple[State, set[int], int] | None = None


def _entry(session: Session, series: tuple[int, str], state: State) -> _Entry:
    """The series' cache entry brought up to ``state``: kept as it is when nothing changed,
    extended by the new values alone when they only append (see :meth:`Stats.appended`), else
    read again."""
    key = (str(session.get_bind().engine.url), *series)
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is not None and entry.state == state:
        return entry
    if entry is None:  # a new process, another worker: the chart stored by whoever drew it
        entry = _stored(session, series)
        if entry is not None and entry.state == state:
            return _cached(key, entry)
    fresh = None
    if entry is not None and entry.state[1] == state[1] and state[0] > entry.state[0]:
        fresh = _appended(session, series, state, entry)
    if fresh is None:
        fresh = _Entry(state, _stats(session, *series), {})
    return _cached(key, fresh)


def _cached(key: tuple[str, int, str], fresh: _Entry) -> _Entry:
    with _lock:
        _cache[key] = fresh
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return fresh


def _appended(
    session: Session, series: tuple[int, str], state: State, entry: _Entry
) -> _Entry | None:
    """``entry`` with the values stored since it was made (an index range: ids after its
    newest), or None when they do not only append."""
    after = entry.state[0]
    new = _stats(session, *series, after=after)
    if not new.count:  # only uncounted captures since (a pending like): nothing to add
        return _Entry(state, entry.stats, entry.shapes, entry.saved)
    stats = entry.stats.appended(new)
    if stats is None:
        return None
    shapes: dict[int, list[Point] | Buckets] = {}
    for max_points, shape in entry.shapes.items():
        if isinstance(shape, Buckets):  # a short series is read again when next asked for
            more = _bucketed(session, _points(*series, new, after), shape.base, shape.width)
            shapes[max_points] = shape.extended(more)
    return _Entry(state, stats, shapes, entry.saved)


def series_points(
    session: Session, series: tuple[int, str], state: State, max_points: int
) -> list[Point]:
    """One metric's ``(step, value)`` points in one run, sorted by step: at most ``max_points``
    (the first, last, lowest and highest point of each bucket of steps). ``state`` is the
    series' entry of :func:`series_states`."""
    entry = _entry(session, series, state)
    shape = entry.shapes.get(max_points)
    if shape is None:
        shape = entry.shapes[max_points] = _compute(session, *series, entry.stats, max_points)
    if _worth_saving(entry):
        _save(session, series, entry)
    return shape.points() if isinstance(shape, Buckets) else shape


# -- stored charts (series_chart): drawn once, by any process ---------------------------------

# The pages' chart size (``runnotes.services.charts.MAX_POINTS``): stored when a run ends.
CHART_POINTS = 300


# A live run's chart is stored again once this many values were merged into it since it was
# last stored: a new process merges at most these (an index range), and a page refresh of a
# run that is logging does not write at every view.
RESAVE_VALUES = 50_000


def _worth_saving(entry: _Entry) -> bool:
    """Whether the stored chart lags the entry enough to store it again: a size not stored
    yet, a series changed in place (its stored chart is of no use), or many values merged."""
    if entry.saved is None:
        return True
    (_, version), sizes, count = entry.saved
    return (
        not set(entry.shapes) <= sizes
        or version != entry.state[1]
        or entry.stats.count - count >= RESAVE_VALUES
    )


def _dump(stats: Stats, shape: list[Point] | Buckets) -> dict[str, Any]:
    if isinstance(shape, Buckets):
        m4 = [[k, [list(p) for p in v]] for k, v in sorted(shape.m4.items())]
        kept: dict[str, Any] = {"base": shape.base, "width": shape.width, "limit": shape.limit}
        kept["m4"] = m4
    else:
        kept = {"points": [list(p) for p in shape]}
    return {"stats": list(stats.__dict__.values()), **kept}


def _load(data: dict[str, Any]) -> tuple[Stats, list[Point] | Buckets]:
    stats = Stats(*data["stats"])
    if "points" in data:
        return stats, [(float(x), float(y)) for x, y in data["points"]]
    m4 = {int(k): tuple((float(x), float(y)) for x, y in v) for k, v in data["m4"]}
    return stats, Buckets(int(data["base"]), int(data["width"]), int(data["limit"]), m4)


def _stored(session: Session, series: tuple[int, str]) -> _Entry | None:
    """The series' stored charts (every size, one state), or None when none is stored."""
    table = SeriesChart.__table__
    rows = session.execute(
        select(table.c.max_points, table.c.newest, table.c.version, table.c.shape).where(
            table.c.run_id == series[0], table.c.name == series[1]
        )
    ).all()
    if not rows or len({(r.newest, r.version) for r in rows}) != 1:
        return None
    shapes: dict[int, list[Point] | Buckets] = {}
    for row in rows:
        stats, shapes[row.max_points] = _load(row.shape)
    entry = _Entry((rows[0].newest, rows[0].version), stats, shapes)
    entry.saved = (entry.state, set(shapes), stats.count)
    return entry


def _save(session: Session, series: tuple[int, str], entry: _Entry) -> None:
    """Store the entry's charts (in a write transaction of its own: the caller only reads), so
    the next process draws them without reading the series. A chart that cannot be stored now
    (the store is busy) is drawn again next time: nothing is lost."""
    table = SeriesChart.__table__
    run_id, name = series
    rows = [
        {
            "run_id": run_id,
            "name": name,
            "max_points": max_points,
            "newest": entry.state[0],
            "version": entry.state[1],
            "shape": _dump(entry.stats, shape),
        }
        for max_points, shape in entry.shapes.items()
    ]
    engine = session.get_bind().engine
    try:
        with engine.execution_options(immediate=True).begin() as conn:
            conn.execute(table.delete().where(table.c.run_id == run_id, table.c.name == name))
            if rows:
                conn.execute(table.insert(), rows)
    except DBAPIError as exc:
        logger.warning("runnotes: chart of %s in run %s not stored: %s", name, run_id, exc.orig)
        return
    entry.saved = (entry.state, set(entry.shapes), entry.stats.count)


def store_charts(session: Session, run_ids: Sequence[int], max_points: int = CHART_POINTS) -> None:
    """Draw and store the charts of the runs' series (a run's end: its page is drawn from them
    in any process, at the first view)."""
    try:
        for series, state in series_states(session, run_ids).items():
            series_points(session, series, state, max_points)
            entry = _entry(session, series, state)
            if entry.saved is None or entry.saved[0] != entry.state:  # stored as it ends
                _save(session, series, entry)
    except DBAPIError as exc:  # drawn at the first view instead
        logger.warning("runnotes: charts of runs %s not stored: %s", list(run_ids), exc.orig)


def series_extremes(
    session: Session, series: tuple[int, str], state: State
) -> tuple[float, float] | None:
    """The lowest and highest counted value of a metric in a run (every value, with or without
    a step: what "best" is chosen from), or None when it has none."""
    stats = _entry(session, series, state).stats
    return None if stats.lowest is None else (stats.lowest, stats.highest)
