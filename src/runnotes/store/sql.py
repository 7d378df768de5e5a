"""The capture path's rules in plain SQL over a DBAPI connection, written once for every shell.

``runnotes note`` and ``runnotes like`` are whole processes a script may call in a loop; loading
SQLAlchemy and the tables costs them more than everything else together (~0.45 s of CPU of
~0.7 s). So the rules a capture needs — which run it goes to (the active one, else today's
auto-created run, the earlier days' closing), the shared id sequence of captures and logged
points, a like's link to the logged series it annotates, a run's crashed owner — are written here
as SQL over a DBAPI connection, and the ORM code calls the same functions through its
session's own connection (:func:`of`), inside its transaction. A current SQLite store is written
through the store's stdlib ``sqlite3`` connection (:meth:`runnotes.store.db.Store.sqlite`);
every other database through its SQLAlchemy engine's connection, so PostgreSQL and the team
server keep one code path with the local store. SQL is written with ``?`` marks; a ``%s``
driver (psycopg) gets them translated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from runnotes import events
from runnotes.formatting import fmt_value, shown_interval
from runnotes.store.kinds import LOGGED_SOURCES, Kind, Review, RunStatus, Source

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from runnotes.store.db import Store
    from runnotes.store.runs import NewCapture

DEFAULT_PROJECT = "default"
DEFAULT_EXPERIMENT = "default"
AUTO_EXPERIMENT = "unsorted"
Owner = tuple[int, float | None, str]  # the pid, start time and host of the process that runs it
# The capture table's columns a new capture fills, in the order of NewCapture's fields.
CAPTURE_COLUMNS = (
    "kind",
    "source",
    "name",
    "value",
    "text",
    "step",
    "origin",
    "review",
    "media_sha",
    "role",
    "confidence",
    "liked",
    "via",
    "parent_id",
    "status",
    "url",
    "page_title",
    "tool",
    "exact_from",
    "conflict",
    "extra",
    "timestamp",
)


class Tx:
    """A transaction on a DBAPI connection; ``info`` holds the events queued on it
    (:func:`runnotes.events.queue`), published once it has committed."""

    def __init__(self, conn: Any, dialect: str, info: dict[str, Any] | None = None) -> None:
        self.conn = conn
        self.dialect = dialect
        self.info: dict[str, Any] = {} if info is None else info

    def _cursor(self, sql: str, params: Sequence[Any]) -> Any:
        cursor = self.conn.cursor()
        cursor.execute(sql if self.dialect == "sqlite" else sql.replace("?", "%s"), params)
        return cursor

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._cursor(sql, params)
        try:
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement that returns no rows; the number of rows it changed."""
        cursor = self._cursor(sql, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()


def of(conn: Connection, info: dict[str, Any] | None = None) -> Tx:
    """The transaction a SQLAlchemy connection holds, for these functions (``info``: where its
    events go, e.g. the session's, whose commit publishes them)."""
    dbapi = conn.connection.dbapi_connection
    return Tx(dbapi, conn.dialect.name, conn.info if info is None else info)


@contextmanager
def write(store: Store) -> Iterator[Tx]:
    """A write transaction holding the write lock from its start; events queued on it are
    published after the commit. A SQLite file: the store's stdlib connection (no SQLAlchemy);
    any other database: a connection of its engine."""
    if store.db_file is None:
        with store.write_conn() as engine_conn:
            yield of(engine_conn)
        return
    conn = store.sqlite()
    conn.execute("BEGIN IMMEDIATE")
    tx = Tx(conn, "sqlite")
    try:
        yield tx
    except BaseException:
        conn.execute("ROLLBACK")
        events.discard_queued(tx)
        raise
    conn.execute("COMMIT")
    events.publish_queued(store, tx)


@contextmanager
def read(store: Store) -> Iterator[Tx]:
    """A read transaction (one snapshot of the store)."""
    if store.db_file is None:
        with store.engine.connect() as engine_conn:
            yield of(engine_conn)
        return
    conn = store.sqlite()
    conn.execute("BEGIN")
    try:
        yield Tx(conn, "sqlite")
    finally:
        conn.execute("COMMIT")


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join("?" * len(values)) + ")"


def _plain(value: Any) -> Any:
    """An enum member as its value: drivers bind plain values (psycopg dumps an Enum by name)."""
    return value.value if isinstance(value, Enum) else value


# -- ids ---------------------------------------------------------------------------------------


def next_id(tx: Tx) -> int:
    """SQLite: the next id of the sequence captures share with the logged points (the caller
    holds the write lock; see :mod:`runnotes.store.points`)."""
    row = tx.one(
        "SELECT max(coalesce((SELECT max(id) FROM capture), 0), "
        "coalesce((SELECT max(id) FROM series_point), 0)) + 1"
    )
    return int(row[0]) if row and row[0] else 1


# The key space of the advisory locks that order the writers of a run's series (PostgreSQL).
SERIES_LOCKS = 727276


def lock_series(tx: Tx, run_ids: Iterable[int]) -> None:
    """PostgreSQL: wait until no other transaction is writing values of these runs, and keep
    them to this one until it ends, before taking ids for their values.

    Ids come from one sequence, and PostgreSQL lets two writers of one run hold ids at once: A
    takes 100, B takes 101 and commits, a chart is drawn (newest id 101), then A commits, and
    "the values after the newest id" (how a cached or stored chart is brought up to date,
    :mod:`runnotes.store.series`) never include 100. Writers of one run taking ids one
    transaction after the other commit them in order, as SQLite's write lock makes them do.
    Runs are locked in id order, so two writers of the same runs cannot deadlock on them."""
    if tx.dialect != "postgresql":
        return
    for run_id in sorted(set(run_ids)):
        tx.rows("SELECT pg_advisory_xact_lock(?, CAST(? AS integer))", [SERIES_LOCKS, run_id])


def changed_in_place(tx: Tx, run_ids: Iterable[int]) -> None:
    """Move the runs' ``series_version``: a stored value of theirs changed in place (or went
    away), so no cache keyed on their state (a series' buckets, an experiment's tree) is taken
    as current. The trigger ``capture_series_changed`` owns changes of metric captures: it sees
    every process and SQL path (migration 0008; on PostgreSQL once per statement, 0022). The
    store's writers call this for what it does not see (a note approved, a param fixed, logged
    points deleted or unpacked), once per transaction for the runs touched; where a review also
    changed metric captures the version moves twice, which costs one run-row update per
    transaction and is harmless: the version is only compared for equality."""
    runs = sorted(set(run_ids))
    if runs:
        tx.run(f"UPDATE run SET series_version = series_version + 1 WHERE id IN {_in(runs)}", runs)


# -- projects, experiments and today's run ------------------------------------------------------


def _get_or_create(tx: Tx, table: str, key: dict[str, Any]) -> int:
    """The id of the row with these unique ``key`` values, inserted if missing.

    ``INSERT … ON CONFLICT DO NOTHING`` then a read: safe when many clients of a team server
    create the same project at once (PostgreSQL waits for the other insert and reads its row;
    a plain check-then-insert answered a unique violation there)."""
    where = " AND ".join(f"{column} = ?" for column in key)
    query = f"SELECT id FROM {table} WHERE {where} LIMIT 1"
    row = tx.one(query, list(key.values()))
    if row is None:
        columns = ", ".join([*key, "description", "created_at"])
        marks = ", ".join("?" * (len(key) + 2))
        tx.run(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING",
            [*key.values(), "", time.time()],
        )
        row = tx.one(query, list(key.values()))
    assert row is not None  # inserted, or inserted by another writer
    return int(row[0])


def experiment_id(tx: Tx, project: str | None, experiment: str | None) -> int:
    """The experiment's id (it and its project made if missing; default names when None)."""
    project_id = _get_or_create(tx, "project", {"name": project or DEFAULT_PROJECT})
    key = {"project_id": project_id, "name": experiment or DEFAULT_EXPERIMENT}
    return _get_or_create(tx, "experiment", key)


def todays_run(tx: Tx) -> int:
    """The run named after today in the ``unsorted`` experiment, where a capture goes when no run
    is active: opened if missing, and then the earlier days' close (nothing goes to them any
    more), each ending when it was last heard of."""
    name = "auto-" + datetime.now().strftime("%Y-%m-%d")
    if tx.dialect == "postgresql":
        # Run names are not unique: two team-server workers asked at once could each open a
        # run of today (SQLite's write transactions already take turns).
        tx.rows("SELECT pg_advisory_xact_lock(727275)")
    exp = experiment_id(tx, DEFAULT_PROJECT, AUTO_EXPERIMENT)
    row = tx.one("SELECT id FROM run WHERE experiment_id = ? AND name = ? LIMIT 1", [exp, name])
    if row is not None:
        return int(row[0])
    running = "SELECT id, started_at FROM run WHERE experiment_id = ? AND status = ?"
    for earlier, started in tx.rows(running, [exp, RunStatus.running.value]):
        end_at_last_capture(tx, earlier, started, "ok")
    return insert_run(tx, exp, name, time.time())


def insert_run(
    tx: Tx, experiment: int, name: str, started_at: float, owner: Owner | None = None
) -> int:
    """A new running run with no context (the ORM's ``create_run`` records one), owned by the
    process ``owner`` names when given (one statement: the run never exists without it)."""
    pid, pid_started, host = owner or (None, None, None)
    values = [experiment, name, RunStatus.running.value, started_at, "", 0, pid, pid_started, host]
    insert = (
        "INSERT INTO run (experiment_id, name, status, started_at, description, series_version, "
        "pid, pid_started, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    if tx.dialect == "sqlite":
        tx.run(insert, values)
        row = tx.one("SELECT last_insert_rowid()")
    else:
        row = tx.one(insert + " RETURNING id", values)
    assert row is not None
    return int(row[0])


def end_at_last_capture(tx: Tx, run_id: int, started_at: float, status: str) -> None:
    """End a run when it was last heard of: its newest capture or logged value."""
    heard = tx.one(
        "SELECT (SELECT max(timestamp) FROM capture WHERE run_id = ?), "
        "(SELECT max(timestamp) FROM series_point WHERE run_id = ?)",
        [run_id, run_id],
    )
    ended = max(*(t or 0.0 for t in heard or ()), started_at)
    tx.run("UPDATE run SET status = ?, ended_at = ? WHERE id = ?", [status, ended, run_id])


# -- runs and their owners ----------------------------------------------------------------------


class RunRow(NamedTuple):
    """What the active-run rules read of a run (and :func:`runnotes.store.runs.owner_alive`)."""

    id: int
    name: str
    status: str
    started_at: float
    pid: int | None
    host: str | None
    pid_started: float | None


_RUN = "SELECT id, name, status, started_at, pid, host, pid_started FROM run"


def runs(tx: Tx, ids: Sequence[int]) -> dict[int, RunRow]:
    """The runs of these ids that exist."""
    if not ids:
        return {}
    found = tx.rows(f"{_RUN} WHERE id IN {_in(ids)}", list(ids))
    return {row[0]: RunRow(*row) for row in found}


def running_with_owner(tx: Tx) -> list[RunRow]:
    """Runs still marked running whose owning process is recorded."""
    found = tx.rows(f"{_RUN} WHERE status = ? AND pid IS NOT NULL", [RunStatus.running.value])
    return [RunRow(*row) for row in found]


def run_ended(tx: Tx, run_id: int) -> bool:
    row = tx.one("SELECT ended_at FROM run WHERE id = ?", [run_id])
    return row is not None and row[0] is not None


def experiment_of(tx: Tx, run_id: int) -> int | None:
    """The experiment a run is in (None: no such run)."""
    row = tx.one("SELECT experiment_id FROM run WHERE id = ?", [run_id])
    return None if row is None else int(row[0])


# -- captures -----------------------------------------------------------------------------------


def insert_captures(tx: Tx, run_id: int, captures: Sequence[NewCapture]) -> list[int]:
    """Insert captures as they are (no link to the logged series yet: :func:`annotate`); their
    ids, in order. On SQLite they continue the sequence shared with the logged points; on
    PostgreSQL the capture ids' sequence is that shared one."""
    if not captures:
        return []
    if any(c.kind == Kind.metric for c in captures):
        lock_series(tx, [run_id])  # a metric capture is a value of the run's series
    columns = ", ".join(["run_id", *CAPTURE_COLUMNS])
    values = [[run_id, *(_value(c, column) for column in CAPTURE_COLUMNS)] for c in captures]
    if tx.dialect == "sqlite":
        first = next_id(tx)
        ids = list(range(first, first + len(values)))
        marks = ", ".join("?" * (len(CAPTURE_COLUMNS) + 2))
        tx.conn.executemany(
            f"INSERT INTO capture (id, {columns}) VALUES ({marks})",
            [[i, *row] for i, row in zip(ids, values, strict=True)],
        )
        return ids
    marks = ", ".join("?" * (len(CAPTURE_COLUMNS) + 1))
    insert = f"INSERT INTO capture ({columns}) VALUES ({marks}) RETURNING id"
    return [int(tx.rows(insert, row)[0][0]) for row in values]


def _value(capture: NewCapture, column: str) -> Any:
    value = getattr(capture, column)
    if column == "extra":
        return json.dumps(value)  # as SQLAlchemy's JSON column stores it (None is 'null')
    return _plain(value)


def is_annotation(kind: str, name: str | None, liked: bool, source: str) -> bool:
    """A liked or spoken metric/param value (what a person pointed at or said, not code)."""
    return kind in (Kind.metric, Kind.param) and bool(name) and (liked or source == Source.voice)


@dataclass
class _Annotated:
    id: int
    run_id: int
    kind: str
    name: str
    value: float | None
    text: str | None
    liked: bool
    conflict: str | None
    review: str


def annotate(tx: Tx, ids: Sequence[int], *, final: bool) -> set[int]:
    """Link each like or spoken value among the captures ``ids`` to the run's logged series of
    its name (see :mod:`runnotes.store.annotations`): to the logged value it equals, else —
    once the run has ended (``final``) — to the run's last logged value, with ``conflict``
    saying why and the like sent to review. Returns the runs whose captures changed (their
    ``series_version`` moved)."""
    if not ids:
        return set()
    found = tx.rows(
        "SELECT id, run_id, kind, name, value, text, liked, conflict, review, source "
        f"FROM capture WHERE id IN {_in(ids)} ORDER BY id",
        list(ids),
    )
    changed = set()
    for *fields, source in found:
        capture = _Annotated(*fields)
        capture.liked = bool(capture.liked)
        if not is_annotation(capture.kind, capture.name, capture.liked, source):
            continue
        link = _link(tx, capture, final)
        if link is None:
            continue
        tx.run(
            "UPDATE capture SET review = ?, logged_id = ?, conflict = ? WHERE id = ?",
            [*link, capture.id],
        )
        changed.add(capture.run_id)
    changed_in_place(tx, changed)
    return changed


def _link(tx: Tx, capture: _Annotated, final: bool) -> tuple[str, int, str | None] | None:
    """(review, logged_id, conflict) of an annotation; None: it stays as it is."""
    query, params, text_column = _logged(capture)
    last = tx.one(query + " ORDER BY id DESC LIMIT 1", params)
    if last is None:
        return None  # nothing logged of this name: the value is the run's, marked
    condition, more = _equal(capture, text_column)
    match = tx.one(f"{query} AND ({condition}) ORDER BY id DESC LIMIT 1", [*params, *more])
    if match is not None:
        # a like that contradicted the series is approved once the values it waited for are
        review = Review.approved if capture.conflict and capture.liked else capture.review
        return str(review), int(match[0]), None
    if final or capture.conflict:
        review = capture.review if capture.conflict else Review.pending  # newly found: review
        return str(review), int(last[0]), _message(capture, last)
    return None


def _logged(capture: _Annotated) -> tuple[str, list[Any], str | None]:
    """The query of the run's logged values of the capture's name (``id, value, text, kind``)
    and its text column: metric values code logged are points, params are captures."""
    if capture.kind == Kind.metric:
        query = (
            "SELECT id, value, text, kind FROM (SELECT p.id AS id, p.value AS value, "
            "NULL AS text, 'metric' AS kind FROM series_point p "
            "JOIN series_name n ON n.id = p.name_id WHERE p.run_id = ? AND n.name = ?) AS logged "
            "WHERE 1 = 1"
        )
        return query, [capture.run_id, capture.name], None
    sources = sorted(LOGGED_SOURCES)
    query = (
        "SELECT id, value, text, kind FROM capture WHERE run_id = ? AND kind = ? AND name = ? "
        f"AND source IN {_in(sources)} AND liked = ? AND review = ?"
    )
    params = [capture.run_id, capture.kind, capture.name, *sources, False, Review.approved.value]
    return query, params, "text"


def _equal(capture: _Annotated, text_column: str | None) -> tuple[str, list[Any]]:
    """SQL: a logged value that shows as the annotation does (rounded to its digits)."""
    text = (capture.text or "").strip()
    try:
        intervals = shown_interval(text)
    except ValueError:
        intervals = []
    if not intervals and capture.value is not None:
        intervals = [(capture.value, capture.value)]
    ranges = ["(value >= ? AND value <= ?)"] * len(intervals)
    params: list[Any] = [bound for interval in intervals for bound in interval]
    if text_column is not None and capture.text is not None:
        ranges.append(f"{text_column} = ?")
        params.append(capture.text)
    return (" OR ".join(ranges), params) if ranges else ("id IS NULL", [])


def _message(capture: _Annotated, logged: tuple[Any, ...]) -> str:
    _id, value, text, kind = logged
    verb = "liked" if capture.liked else "said"
    shown = (capture.text or fmt_value(capture.value)).strip()
    logged_value = text if kind == Kind.param and text else fmt_value(value)
    if kind == Kind.param:
        return f"you {verb} {capture.name}={shown}, the run logged {capture.name}={logged_value}"
    return f"you {verb} {shown}, the run logged {logged_value} at its last step"


def captures_added(tx: Tx, run_id: int, kinds: Iterable[str]) -> None:
    """Queue the event of captures committed on a run (the drafts refresh on some of them)."""
    events.queue(tx, events.CapturesAdded.of(run_id, kinds))
