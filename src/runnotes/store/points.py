"""The narrow table of code-logged values (``series_point``) and how reads see it beside captures.

A run that logs a million values writes a million rows, so those rows hold only what a series
needs: run id, an interned name id, step, value, time and a source code (migration 0015). The
wide ``capture`` table keeps likes, spoken values, notes, params and every other capture.

Both tables draw their ids from one sequence (PostgreSQL: the capture ids' own; SQLite: the
largest id of either table, taken under the write lock), so the rules that compare ids — the
latest value is the one stored last, a like's ``logged_id`` names the logged point it matches —
read the same as when every value was a capture. :func:`metric_rows` is the union the readers
use for metric values: the points, shaped as capture rows, and the metric captures.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    case,
    delete,
    event,
    false,
    func,
    inspect,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from sqlmodel import Session

from runnotes.store import ingest, sql
from runnotes.store.db import Store, id_batches, is_row_id, upsert
from runnotes.store.kinds import is_logged  # noqa: F401 - where readers have looked for it
from runnotes.store.models import (
    POINT_SOURCES,
    Capture,
    Kind,
    Review,
    Run,
    SeriesName,
    SeriesPoint,
)

FLOAT_MAX = sys.float_info.max  # beyond it: ±inf, shown as the SDK's text for it was
_SOURCE_CODE = {name: code for code, name in enumerate(POINT_SOURCES)}
# name → id per connection pool (one per opened engine; its option copies share it): only ids
# of committed rows (a name row is never changed or deleted; a store opened again looks again).
_names: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()
_names_lock = threading.Lock()


def name_ids(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """The interned id of each name, adding the ones not seen before, in the caller's
    transaction (so nothing is remembered: it may still be rolled back)."""
    wanted = set(names)
    table = SeriesName.__table__
    rows = conn.execute(select(table.c.name, table.c.id).where(table.c.name.in_(wanted)))
    found = dict(rows.all())
    missing = sorted(wanted - set(found))
    if missing:
        # Another writer may add the same new name meanwhile (PostgreSQL takes concurrent
        # writers): its row is kept and read back, instead of a unique violation.
        conn.execute(
            upsert(conn.dialect.name, table).on_conflict_do_nothing(index_elements=[table.c.name]),
            [{"name": name} for name in missing],
        )
        rows = conn.execute(select(table.c.name, table.c.id).where(table.c.name.in_(missing)))
        found.update(rows.all())
    return found


def interned(store: Store, names: Iterable[str]) -> dict[str, int]:
    """:func:`name_ids` for the bulk path: new names committed in a transaction of their own
    first, then remembered for the process (a flush of known names reads no name row)."""
    wanted = set(names)
    with _names_lock:
        known = _names.setdefault(store.engine.pool, {})
        found = {n: known[n] for n in wanted if n in known}
    missing = wanted - set(found)
    if missing:
        with store.write_conn() as conn:
            added = name_ids(conn, missing)
        with _names_lock:  # committed now
            known.update(added)
        found.update(added)
    return found


def insert_points(
    conn: Connection, rows: Sequence[tuple[Any, ...]], ids: dict[str, int] | None = None
) -> None:
    """Bulk insert of logged values (:data:`runnotes.store.runs.MetricValues` tuples) in the
    caller's transaction: one ``executemany`` of plain tuples, or one ``COPY`` on PostgreSQL
    (``ids``: the names' ids, from :func:`interned`). On SQLite the first row takes the shared
    sequence's next id, and the rest follow it (SQLite gives a row without an id the table's
    largest plus one)."""
    if not rows:
        return
    ids = ids or name_ids(conn, {row[3] for row in rows})
    code = _SOURCE_CODE
    # NaN (v != v) is stored as NULL on both databases (SQLite makes it so itself; PostgreSQL
    # would keep a NaN that the reads do not expect); ±inf stays a float. Inline, not a function
    # call: this line runs once per logged value (14 % of watch's reader CPU as a call).
    values = [
        (r, ids[n], s, v if v == v else None, t, code[src]) for r, _, src, n, v, s, t, _, _ in rows
    ]
    columns = "run_id, name_id, step, value, timestamp, source"
    if conn.dialect.name == "postgresql":  # one COPY; ids from the sequence shared with captures
        sql.lock_series(sql.of(conn), {row[0] for row in rows})  # taken in commit order
        ingest.copy_rows(conn, "series_point", columns.split(", "), values)
        return
    if conn.dialect.paramstyle == "qmark":
        conn.exec_driver_sql(
            f"INSERT INTO series_point (id, {columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sql.next_id(sql.of(conn)), *values[0]),
        )
        values = values[1:]
        mark = "?"
    else:
        mark = "%s"
    if values:
        marks = ", ".join([mark] * 6)
        conn.exec_driver_sql(f"INSERT INTO series_point ({columns}) VALUES ({marks})", values)


@event.listens_for(OrmSession, "before_flush")
def _shared_ids(session: OrmSession, _context: Any, _instances: Any) -> None:
    """SQLite: new captures take their ids from the sequence they share with the points.
    PostgreSQL: new metric captures take theirs once their runs' series are locked
    (:func:`runnotes.store.sql.lock_series`)."""
    new = [o for o in session.new if isinstance(o, Capture) and o.id is None]
    if not new:
        return
    tx = sql.of(session.connection())
    if tx.dialect != "sqlite":
        sql.lock_series(tx, {o.run_id for o in new if o.kind == Kind.metric and o.run_id})
        return
    first = sql.next_id(tx)
    for offset, capture in enumerate(sorted(new, key=lambda o: inspect(o).insert_order)):
        capture.id = first + offset


def _source() -> Any:
    return case(
        *((SeriesPoint.source == code, name) for code, name in enumerate(POINT_SOURCES)),
        else_=None,
    )


def point_rows() -> Any:
    """The points as capture-shaped rows (``kind`` metric, approved, neither liked nor linked)."""
    return select(
        SeriesPoint.id.label("id"),
        SeriesPoint.run_id.label("run_id"),
        literal(Kind.metric.value).label("kind"),
        _source().label("source"),
        SeriesName.name.label("name"),
        SeriesPoint.value.label("value"),
        case(
            (SeriesPoint.value.is_(None), "nan"),
            (SeriesPoint.value > FLOAT_MAX, "inf"),
            (SeriesPoint.value < -FLOAT_MAX, "-inf"),
            else_=null(),
        ).label("text"),
        SeriesPoint.step.label("step"),
        SeriesPoint.timestamp.label("timestamp"),
        literal(Review.approved.value).label("review"),
        false().label("liked"),
        null().label("logged_id"),
    ).join(SeriesName, SeriesName.id == SeriesPoint.name_id)


def metric_rows(*where_captures: Any, kinds: Sequence[str] = (Kind.metric,)) -> Any:
    """Every metric value, logged points and metric captures alike, as one subquery with the
    columns of :func:`point_rows` (``where_captures`` narrows the capture side, ``kinds`` adds
    params; the point side is narrowed by the caller's conditions on the subquery)."""
    captures = select(
        Capture.id,
        Capture.run_id,
        Capture.kind,
        Capture.source,
        Capture.name,
        Capture.value,
        Capture.text,
        Capture.step,
        Capture.timestamp,
        Capture.review,
        Capture.liked,
        Capture.logged_id,
    ).where(Capture.kind.in_(kinds), *where_captures)
    return union_all(point_rows(), captures).subquery("metric_rows")


def point_captures(session: Session, *where: Any) -> list[Capture]:
    """Points as transient :class:`Capture` objects (exports, ``runs show``): never added to a
    session, so nothing writes them back to the capture table."""
    rows = session.execute(point_rows().where(*where).order_by(SeriesPoint.id)).all()
    return [Capture(**row._mapping) for row in rows]


def newest_points(session: Session, run_ids: Sequence[int] | Any) -> list[tuple[int, str, int]]:
    """``(run_id, name, newest point id)`` of every logged series of the runs: a skip scan of
    ``ix_series_point_run_name`` (the next name id after the last one, one index seek each),
    so the cost follows the number of names, not of values."""

    def first_name(run_id: Any, *after: Any) -> Any:
        other = aliased(SeriesPoint)
        where = [other.run_id == run_id, *(other.name_id > a for a in after)]
        return select(func.min(other.name_id)).where(*where).scalar_subquery()

    start = select(Run.id.label("run_id"), first_name(Run.id).label("name_id"))
    names = start.where(Run.id.in_(run_ids)).cte("point_names", recursive=True)
    names = names.union_all(
        select(names.c.run_id, first_name(names.c.run_id, names.c.name_id)).where(
            names.c.name_id.is_not(None)
        )
    )
    newest = (
        select(func.max(SeriesPoint.id))
        .where(SeriesPoint.run_id == names.c.run_id, SeriesPoint.name_id == names.c.name_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(names.c.run_id, SeriesName.name, newest)
        .join(SeriesName, SeriesName.id == names.c.name_id)
        .where(names.c.name_id.is_not(None))
    ).all()
    return [(int(r), str(n), int(i)) for r, n, i in rows]


def logged_names(session: Session, run_ids: Any, *, limit: int) -> list[str]:
    """The names the runs' code logged (``run_ids``: ids or a subquery of them)."""
    query = select(SeriesName.name).where(
        select(SeriesPoint.id)
        .where(SeriesPoint.name_id == SeriesName.id, SeriesPoint.run_id.in_(run_ids))
        .exists()
    )
    return list(session.execute(query.limit(limit)).scalars().all())


def has_points(session: Session, name: str, run_id: int | None = None) -> bool:
    """Whether code logged ``name`` (in run ``run_id``, or in any run)."""
    query = (
        select(SeriesPoint.id)
        .join(SeriesName, SeriesName.id == SeriesPoint.name_id)
        .where(SeriesName.name == name)
    )
    if run_id is not None:
        query = query.where(SeriesPoint.run_id == run_id)
    return session.exec(query.limit(1)).first() is not None


def delete_points(session: Session, run_id: int, *, only_imported: bool) -> None:
    """Delete a run's logged values (an import replacing them and its captures): the run's
    ``series_version`` moves, so no cached or stored chart of them is taken as current."""
    stale = delete(SeriesPoint).where(SeriesPoint.run_id == run_id)
    if only_imported:
        stale = stale.where(SeriesPoint.source == _SOURCE_CODE["import"])
    session.execute(stale)
    sql.changed_in_place(sql.of(session.connection()), [run_id])


def logged_point(session: Session, point_id: int) -> Capture | None:
    """The logged value a like's ``logged_id`` names, as a transient capture (None: no such
    point: the link names a param capture, or nothing)."""
    found = point_captures(session, SeriesPoint.id == point_id)
    return found[0] if found else None


def unpack_points(session: Session, ids: Sequence[int]) -> None:
    """Move the logged points among ``ids`` into the capture table under the same ids, so a
    review or a fix of a logged value (a logging bug's spike, rejected) works on a capture as
    it does on any other; the runs' ``series_version`` moves, as for any change in place. An id
    no row can have (beyond 64 bits) is skipped: the caller says it is not found."""
    for batch in id_batches([i for i in ids if is_row_id(i)]):
        rows = session.execute(point_rows().where(SeriesPoint.id.in_(batch))).all()
        if not rows:
            continue
        session.execute(Capture.__table__.insert(), [dict(row._mapping) for row in rows])
        session.execute(delete(SeriesPoint).where(SeriesPoint.id.in_(batch)))
        sql.changed_in_place(sql.of(session.connection()), {row.run_id for row in rows})
