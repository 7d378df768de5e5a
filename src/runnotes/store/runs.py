"""Writing runs and captures, knowing which run is active, and which runs' processes died.

The active run is a small file in ``$RUNNOTES_HOME`` (not a table) so that every process of this
user on this machine — the CLI, the agent, a notebook — agrees on it, even with a shared server.
When nothing is active, captures go to a run named after the day, so nothing is ever dropped.
A run records the process that ends it (pid and start time, beside the host): when that process
is gone and the run is still marked running, the run crashed, and is shown and closed as such.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from runnotes import events
from runnotes.errors import Conflict, RunnotesError
from runnotes.formatting import as_number, local_time
from runnotes.pidfile import process_started
from runnotes.store import sql
from runnotes.store.db import Store, get_row
from runnotes.store.folders import private_dir
from runnotes.store.kinds import ENDINGS, POINT_SOURCES, Kind, Review, RunStatus, is_logged
from runnotes.store.sql import AUTO_EXPERIMENT, DEFAULT_EXPERIMENT, DEFAULT_PROJECT  # noqa: F401

if TYPE_CHECKING:  # the tables load in the functions that need a session: a like or a note
    from sqlalchemy.engine import Connection  # on a current SQLite store never loads them
    from sqlmodel import Session

    from runnotes.store.models import Capture, Experiment, Run

try:
    import fcntl
except ImportError:  # Windows: one process at a time changes the active run there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


@dataclass
class RunContext:
    """What a run ran on, as stored on it (``runnotes.capture.context.collect`` gathers it)."""

    command: str | None = None
    cwd: str | None = None
    host: str | None = None
    python_version: str | None = None
    packages: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None
    git_diff: str | None = None
    pid: Int32 | None = None
    pid_started: float | None = None
    imports: list[str] | None = None  # distributions the script imports (None: unknown)

    def packages_json(self) -> bytes:
        return json.dumps(self.packages, sort_keys=True, indent=0).encode()


INT64 = (-(2**63), 2**63 - 1)  # the integers SQLite and PostgreSQL BIGINT columns hold
INT32 = (-(2**31), 2**31 - 1)  # PostgreSQL INTEGER columns (exit_code)
MAX_NAME = 1000  # characters in a run, experiment, project or metric name (an index key)


# What the store accepts, as types pydantic checks wherever a capture comes from outside (the
# JSON API validates NewCapture with them; the SDK builds NewCapture directly).
def _no_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a value (PostgreSQL text and JSON cannot store them)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL (\\x00) characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    return value


class Check:
    """``Annotated`` metadata that pydantic applies when it validates a value: its ``Field``
    constraints, and the NUL refusal. Pydantic is imported then (the JSON API, a team client's
    batch), not when this module loads: a CLI note or like validates nothing with it."""

    def __init__(self, *, no_nul: bool = False, **constraints: Any) -> None:
        self.no_nul = no_nul
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import AfterValidator, Field

        metadata: list[Any] = [Field(**self.constraints)] if self.constraints else []
        if self.no_nul:
            metadata.append(AfterValidator(_no_nul))
        return handler.generate_schema(Annotated[(source, *metadata)])


Text = Annotated[str, Check(no_nul=True)]
Name = Annotated[str, Check(no_nul=True, max_length=MAX_NAME)]
Json = Annotated[dict[str, Any], Check(no_nul=True)]
Step = Annotated[int, Check(ge=INT64[0], le=INT64[1])]
Id = Annotated[int, Check(ge=INT64[0], le=INT64[1])]  # a row id (capture, run)
Int32 = Annotated[int, Check(ge=INT32[0], le=INT32[1])]  # an INTEGER column: exit code, pid


def plain_text(what: str, value: str, limit: int | None = None) -> str:
    """``value`` if the store can keep it as ``what`` (checked before any write, whoever wrote
    it: page, API, CLI): no NUL, which PostgreSQL text cannot hold, and at most ``limit``
    characters."""
    if "\x00" in value:
        raise RunnotesError(f"{what} may not contain NUL (\\x00) characters")
    if limit is not None and len(value) > limit:
        raise RunnotesError(f"{what} is longer than {limit} characters")
    return value


# Unix seconds from 1970 to the end of 9999: what dates render as and both databases order.
Timestamp = Annotated[float, Check(ge=0, le=253402300799)]


@dataclass
class NewCapture:
    """A capture not yet stored; ``run_id`` is filled in by :func:`add_captures`."""

    kind: str
    source: str = "sdk"
    name: Name | None = None
    value: float | None = None
    text: Text | None = None
    step: Step | None = None
    origin: Text | None = None
    review: str = Review.pending
    media_sha: str | None = None
    role: Name | None = None
    confidence: float | None = None
    liked: bool = False
    via: Name | None = None
    parent_id: Id | None = None
    status: Name | None = None
    url: Text | None = None
    page_title: Text | None = None
    tool: Name | None = None
    exact_from: Name | None = None
    conflict: Text | None = None  # a like that contradicts the logged series (annotations)
    extra: Json | None = None
    timestamp: Timestamp = field(default_factory=time.time)


def param_captures(
    source: str, values: Mapping[str, Any], timestamp: float | None = None
) -> list[NewCapture]:
    """Parameters as they are stored: approved (they were logged), the value kept as printed
    (the SDK, ``watch`` and imports; ``timestamp``: when they were logged, default now)."""
    when = time.time() if timestamp is None else timestamp
    return [
        NewCapture(
            kind=Kind.param,
            source=source,
            name=k,
            value=as_number(v),
            text=str(v),
            review=Review.approved,
            timestamp=when,
        )
        for k, v in values.items()
    ]


def ensure_experiment(session: Session, project: str | None, experiment: str | None) -> Experiment:
    """The experiment (and its project) of these names, made if missing (default names for
    None): :func:`runnotes.store.sql.experiment_id`, in the session's transaction."""
    from runnotes.store.models import Experiment

    exp_id = sql.experiment_id(sql.of(session.connection()), project, experiment)
    return get_row(session, Experiment, exp_id)


def register_media(
    session: Session,
    store: Store,
    data: bytes,
    mime: str,
    suffix: str = "",
    original_name: str | None = None,
) -> str:
    """Write bytes to the media folder and record them; returns the sha256 used as the id."""
    from runnotes.store.models import MediaFile

    sha = store.media.put_bytes(data, suffix)
    if session.get(MediaFile, sha) is None:
        session.add(
            MediaFile(
                sha256=sha,
                mime=mime,
                size=len(data),
                original_name=original_name,
                created_at=time.time(),
            )
        )
        session.flush()
    return sha


def create_run(
    store: Store,
    name: str | None = None,
    *,
    experiment: str | None = None,
    project: str | None = None,
    tags: Iterable[str] = (),
    context: RunContext | None = None,
    started_at: float | None = None,
    source_id: str | None = None,
) -> Run:
    from runnotes.store.models import Run, RunTag

    with store.write() as session:
        exp = ensure_experiment(session, project, experiment)
        started = started_at or time.time()
        run = Run(
            experiment_id=exp.id,
            name=name or _default_name(started),
            started_at=started,
            source_id=source_id,
        )
        if context is not None:
            _apply_context(session, store, run, context)
        session.add(run)
        session.flush()
        for tag in dict.fromkeys(tags):
            session.add(RunTag(run_id=run.id, tag=tag))
        session.flush()
        session.expunge(run)
    return run


def insert_run(store: Store, name: str, *, experiment: str | None, project: str | None) -> int:
    """A running run owned by this process (a crash of it is seen: :func:`close_stale`), with no
    other context yet, in plain SQL: ``watch`` starts its command as soon as the run exists (the
    command reaches it through its id), then records the command's context into it
    (:func:`record_command` with ``owned``) while the command runs."""
    pid = os.getpid()
    with sql.write(store) as tx:
        owner = (pid, process_started(pid), socket.gethostname())
        exp = sql.experiment_id(tx, project, experiment)
        return sql.insert_run(tx, exp, name, time.time(), owner)


def _apply_context(session: Session, store: Store, run: Run, ctx: RunContext) -> None:
    run.command, run.cwd, run.host = ctx.command, ctx.cwd, ctx.host
    run.pid, run.pid_started = ctx.pid, ctx.pid_started
    run.python_version = ctx.python_version
    run.imports = None if ctx.imports is None else " ".join(ctx.imports)
    run.git_commit, run.git_branch, run.git_dirty = ctx.git_commit, ctx.git_branch, ctx.git_dirty
    if ctx.packages:
        run.packages_sha = register_media(
            session, store, ctx.packages_json(), "application/json", ".json", "packages.json"
        )
    if ctx.git_diff:
        run.git_diff_sha = register_media(
            session, store, ctx.git_diff.encode(), "text/x-diff", ".diff", "uncommitted.diff"
        )


def _default_name(started: float) -> str:
    return "run-" + local_time(started, "%Y%m%d-%H%M%S")


def ending(status: str, exit_code: int | None = None) -> RunStatus:
    """The status a writer ends a run with, checked: ok, failed or killed (a status is shown
    in drafts and pages and compared by filters, so free text has no place there)."""
    if status not in ENDINGS:
        allowed = ", ".join(ENDINGS)
        raise RunnotesError(f"status must be one of {allowed}, not {str(status)[:80]!r}")
    if exit_code is not None and not INT32[0] <= exit_code <= INT32[1]:
        raise RunnotesError(f"exit code {exit_code} is out of range ({INT32[0]}..{INT32[1]})")
    return RunStatus(status)


def end_run(store: Store, run_id: int, status: str = "ok", exit_code: int | None = None) -> Run:
    """End a running run. An end is final: ending it again with the same status and exit code
    changes nothing (a retried request), with another raises :class:`Conflict`, as ``run end``
    says. One conditional UPDATE, so two writers racing cannot both end it."""
    from sqlalchemy import update

    from runnotes.store.annotations import annotate_run
    from runnotes.store.models import Run

    status = ending(status, exit_code)
    with store.write() as session:
        get_row(session, Run, run_id)  # a clear 404 for an unknown id, before the UPDATE
        changed = session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.running)
            .values(status=status.value, exit_code=exit_code, ended_at=time.time())
        ).rowcount
        run = get_row(session, Run, run_id)
        session.refresh(run)
        if not changed and (run.status, run.exit_code) != (status, exit_code):
            raise Conflict(f"run {run.id} ({run.name}) has already ended: {run.status}")
        if changed:
            annotate_run(session, run_id)  # its likes and spoken values beside what it logged
        session.expunge(run)
        if changed:  # the same end retried is no news
            events.queue(session, events.RunEnded(run_id))
    return run


def add_tags(store: Store, run_id: int, tags: Iterable[str]) -> None:
    from runnotes.store.models import RunTag

    tags = [plain_text("a tag", tag, MAX_NAME) for tag in tags]
    with store.write() as session:
        for tag in tags:
            if session.get(RunTag, (run_id, tag)) is None:
                session.add(RunTag(run_id=run_id, tag=tag))
        events.queue(session, events.ReviewChanged(run_id))


def add_captures(
    store: Store, run_id: int, captures: Sequence[NewCapture], *, key: str | None = None
) -> list[int]:
    """Store captures in one transaction; returns their ids once committed. Likes and spoken
    values are linked to the run's logged series in the same transaction
    (:mod:`runnotes.store.annotations`). With a ``key`` (:mod:`runnotes.store.ingest`), a batch
    already stored under it is not stored again: the ids of the first time are returned.

    Likes, notes, params — what a person or a script adds one at a time — are written by
    :mod:`runnotes.store.sql` (on a SQLite file without loading SQLAlchemy); a team client's
    keyed batch and values code logged (which go to the points) through a session."""
    if key is None and not any(is_logged(c.kind, c.source, c.liked, c.review) for c in captures):
        with sql.write(store) as tx:
            ids = sql.insert_captures(tx, run_id, captures)
            sql.annotate(tx, ids, final=sql.run_ended(tx, run_id))
            if ids:
                kinds = ("like" if c.liked else str(c.kind) for c in captures)
                sql.captures_added(tx, run_id, kinds)
        return ids
    from runnotes.store import ingest

    with store.write() as session:
        if key is not None:
            first = ingest.claim(session.connection(), key, run_id)
            if first is not None:
                return list(first.get("ids", []))
        rows = insert_captures(session, run_id, captures)
        ids = [row.id for row in rows if row.id is not None]
        if key is not None:
            ingest.answered(session.connection(), key, {"ids": ids})
        if rows:
            kinds = ("like" if r.liked else str(r.kind) for r in rows)
            events.queue(session, events.CapturesAdded.of(run_id, kinds))
    return ids


def store_logged(session: Session, rows: Sequence[Capture]) -> None:
    """Move the values code logged among just-flushed ``rows`` (a W&B-style summary, a restored
    export) into the narrow table, under the ids they were given: the series reads them there."""
    from runnotes.store.models import SeriesPoint
    from runnotes.store.points import name_ids

    logged = [r for r in rows if is_logged(r.kind, r.source, r.liked, r.review) and r.name]
    if not logged:
        return
    conn = session.connection()
    ids = name_ids(conn, {r.name for r in logged if r.name})
    conn.execute(
        SeriesPoint.__table__.insert(),
        [
            {
                "id": r.id,
                "run_id": r.run_id,
                "name_id": ids[r.name],
                "step": r.step,
                "value": r.value,
                "timestamp": r.timestamp,
                "source": POINT_SOURCES.index(r.source),
            }
            for r in logged
            if r.name
        ],
    )
    for r in logged:
        session.delete(r)
    session.flush()


def insert_captures(session: Session, run_id: int, captures: Sequence[NewCapture]) -> list[Capture]:
    """:func:`add_captures` inside the caller's transaction (a voice note's transcript and what
    it says commit together); the caller queues the event its change makes. The rows are
    inserted and linked by :mod:`runnotes.store.sql` on the session's connection."""
    from sqlmodel import col, select

    from runnotes.store.models import Capture

    session.flush()
    tx = sql.of(session.connection())
    ids = sql.insert_captures(tx, run_id, captures)
    if not ids:
        return []
    rows = list(session.exec(select(Capture).where(col(Capture.id).in_(ids)).order_by(Capture.id)))
    store_logged(session, rows)
    logged = {r.id for r in rows if is_logged(r.kind, r.source, r.liked, r.review)}
    annotated = [i for i in ids if i not in logged]
    if sql.annotate(tx, annotated, final=sql.run_ended(tx, run_id)):
        for row in rows:
            if row.id not in logged:
                session.expire(row)
    return rows


def nonfinite_text(value: float) -> str | None:
    """``"nan"``/``"inf"``/``"-inf"`` for the values SQLite cannot keep in a REAL column (NaN
    becomes NULL there), so the row still says what was logged; None for ordinary numbers."""
    return None if math.isfinite(value) else repr(value)


# One metric value on its way to the bulk insert, a plain tuple of the fields in this order:
# (run_id, kind, source, name, value, step, timestamp, review, text), ``text`` being "nan"/"inf"
# for a non-finite value (SQLite stores it as NULL) and else None. Not a model: the SDK makes
# hundreds of thousands a second and the insert hands them to ``executemany`` as they are. Not a
# named tuple either: the garbage collector stops tracking an exact tuple of plain values once it
# has seen it, while a named tuple stays tracked, so 100 000 buffered named tuples (the SDK's and
# ``watch``'s buffers) cost two full collections, a third of logging's time (2026-12-06,
# benchmarks/logging.py).
MetricValues = tuple[int, str, str, str, float | None, int | None, float, str, str | None]


def add_metric_rows(store: Store, rows: Sequence[MetricValues], *, key: str | None = None) -> None:
    """The fast path for many metric values: one ``executemany`` of plain tuples (SQLite) or one
    ``COPY`` (PostgreSQL).

    This skips the ORM on purpose: it is what lets the SDK log hundreds of thousands of values per
    second. With a ``key`` (a team server's batch, see :mod:`runnotes.store.ingest`) a batch
    already stored under it is not stored again.
    """
    if not rows:
        return
    from runnotes.store import ingest
    from runnotes.store.points import insert_points, interned

    ids = interned(store, {row[3] for row in rows})
    with store.write_conn() as conn:
        if key is not None:
            if ingest.claim(conn, key, rows[0][0]) is not None:  # the batch's run
                return  # stored by an earlier request with this key
            ingest.answered(conn, key, {"count": len(rows)})
        insert_points(conn, rows, ids)


def insert_metric_rows(conn: Connection, rows: Sequence[MetricValues]) -> None:
    """:func:`add_metric_rows` inside a transaction the caller holds (imports: all or nothing):
    into the narrow table of logged values (:mod:`runnotes.store.points`)."""
    from runnotes.store.points import insert_points

    insert_points(conn, rows)


# -- the process behind a run ----------------------------------------------------------------


def owner_alive(run: Run | sql.RunRow) -> bool | None:
    """Whether the process that owns a running run is still alive: None when nobody can tell
    here (no owner recorded — ``runnotes run start`` — or the run runs on another host)."""
    if run.pid is None or run.host != socket.gethostname():
        return None
    started = process_started(run.pid)
    if started is None:
        return False
    return run.pid_started is None or abs(started - run.pid_started) < 2.0  # else a reused pid


def shown_status(run: Run | sql.RunRow) -> str:
    """The status to show: ``crashed`` for a run still marked running whose process is gone."""
    return "crashed" if run.status == "running" and owner_alive(run) is False else run.status


def close_stale(store: Store) -> list[sql.RunRow]:
    """End, as ``crashed``, every run of this host still marked running whose process died;
    its end time is its last capture (when it was last heard of). Returns the runs it closed."""
    with sql.write(store) as tx:
        closed = [run for run in sql.running_with_owner(tx) if owner_alive(run) is False]
        for run in closed:
            sql.end_at_last_capture(tx, run.id, run.started_at, RunStatus.crashed.value)
    if closed:
        log.info("closed crashed runs: %s", ", ".join(str(r.id) for r in closed))
    return closed


def record_command(
    store: Store,
    run_id: int,
    context: RunContext | None = None,
    exit_code: int | None = None,
    *,
    owned: bool = False,
) -> None:
    """A command run inside an existing run (``watch`` recording into the active run): the run
    then says what was run — command, folder, git state — and how it exited, for "how to
    reproduce". Its owner (the process that ends it) stays the same, unless ``owned``: the
    context's process owns the run (``watch``'s own run, made by :func:`insert_run`)."""
    from runnotes.store.models import Run

    with store.write() as session:
        run = get_row(session, Run, run_id)
        if context is not None:
            pid, pid_started = run.pid, run.pid_started
            _apply_context(session, store, run, context)
            if not owned:
                run.pid, run.pid_started = pid, pid_started
        run.exit_code = exit_code
        session.add(run)


# -- the active run ------------------------------------------------------------------------
#
# ``active_run.json`` holds a stack of runs: ``{"db": URL, "stack": [{"run_id": 3, "by": "cli"},
# …]}``. A run started while another is active goes on top and the one below is active again
# once it ends (or its process dies); nothing replaces or clears another run's place.


@dataclass(frozen=True)
class Active:
    run_id: int
    by: str  # what started it: cli, sdk, watch, jupyter, follow


def _active_file(store: Store) -> Path:
    return store.settings.home / "active_run.json"


@contextmanager
def _active_stack(store: Store) -> Iterator[list[Active]]:
    """The stack, locked against other processes for a read-modify-write; saved on exit."""
    path = _active_file(store)
    private_dir(path.parent)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        stack = _read_stack(store, path)
        before = list(stack)
        yield stack
        if stack != before:
            _write_stack(store, path, stack)
    finally:
        os.close(fd)  # releases the lock


def _read_stack(store: Store, path: Path) -> list[Active]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("db") != store.settings.db_url:
        return []
    if "run_id" in data:  # the one-run file of earlier versions
        return [Active(int(data["run_id"]), "cli")]
    return [Active(int(e["run_id"]), str(e.get("by", "cli"))) for e in data.get("stack", [])]


def _write_stack(store: Store, path: Path, stack: list[Active]) -> None:
    if not stack:
        path.unlink(missing_ok=True)
        return
    data = {"db": store.settings.db_url, "stack": [e.__dict__ for e in stack]}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)


def _prune(store: Store, stack: list[Active]) -> None:
    """Drop runs that ended, were deleted or whose process died (closing those as crashed)."""
    if not stack:
        return
    with sql.read(store) as tx:
        found = sql.runs(tx, [e.run_id for e in stack])
    status = {run_id: shown_status(run) for run_id, run in found.items()}
    if "crashed" in status.values():
        close_stale(store)
    stack[:] = [e for e in stack if status.get(e.run_id) == "running"]


def push_active(store: Store, run_id: int, by: str) -> Active | None:
    """Make ``run_id`` the active run, on top of the one active now (returned: it is active
    again when this one ends)."""
    with _active_stack(store) as stack:
        _prune(store, stack)
        below = stack[-1] if stack else None
        stack[:] = [e for e in stack if e.run_id != run_id] + [Active(run_id, by)]
    return below


def remove_active(store: Store, run_id: int) -> Active | None:
    """Take an ended run off the stack (wherever it is); returns the run active afterwards."""
    with _active_stack(store) as stack:
        stack[:] = [e for e in stack if e.run_id != run_id]
        _prune(store, stack)
        return stack[-1] if stack else None


def active_entry(store: Store) -> Active | None:
    """The active run and what started it (None when no run is active)."""
    with _active_stack(store) as stack:
        _prune(store, stack)
        return stack[-1] if stack else None


def active_run_id(store: Store) -> int | None:
    """The active run's id: the newest run started here that still runs (None when none)."""
    entry = active_entry(store)
    return entry.run_id if entry else None


def run_name(store: Store, run_id: int) -> str:
    """The name of a run that exists (:func:`target_run_id`'s, say)."""
    with sql.read(store) as tx:
        return sql.runs(tx, [run_id])[run_id].name


def experiment_of(store: Store, run_id: int) -> int | None:
    """The experiment a run is in (None: no such run)."""
    with sql.read(store) as tx:
        return sql.experiment_of(tx, run_id)


def target_run_id(store: Store) -> int:
    """The run a capture should go to: the active one, else today's auto-created run."""
    run_id = active_run_id(store)
    if run_id is not None:
        return run_id
    with sql.write(store) as tx:
        return sql.todays_run(tx)
