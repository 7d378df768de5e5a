"""Writing runs and captures, and knowing which run is active.

The active run is a small file in ``$RUNNOTES_HOME`` (not a table) so that every process of this
user on this machine — the CLI, the agent, a notebook — agrees on it, even with a shared server.
When nothing is active, captures go to a run named after the day, so nothing is ever dropped.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from runnotes.capture.context import RunContext
from runnotes.store.db import Store, get_row
from runnotes.store.media import private_dir
from runnotes.store.models import Capture, Experiment, MediaFile, Project, Review, Run, RunTag

DEFAULT_PROJECT = "default"
DEFAULT_EXPERIMENT = "default"
AUTO_EXPERIMENT = "unsorted"
Row = TypeVar("Row", Project, Experiment)


@dataclass
class NewCapture:
    """A capture not yet stored; ``run_id`` is filled in by :func:`add_captures`."""

    kind: str
    source: str
    name: str | None = None
    value: float | None = None
    text: str | None = None
    step: int | None = None
    origin: str | None = None
    review: str = Review.pending
    media_sha: str | None = None
    extra: dict[str, Any] | None = None
    timestamp: float = field(default_factory=time.time)


def ensure_experiment(session: Session, project: str | None, experiment: str | None) -> Experiment:
    project = project or DEFAULT_PROJECT
    experiment = experiment or DEFAULT_EXPERIMENT
    proj = _get_or_create(session, Project, name=project)
    return _get_or_create(session, Experiment, project_id=proj.id, name=experiment)


def _get_or_create(session: Session, model: type[Row], **key: Any) -> Row:
    """The row with these unique ``key`` values, inserted if missing.

    ``INSERT … ON CONFLICT DO NOTHING`` then a read: safe when many clients of a team server
    create the same project at once (PostgreSQL waits for the other insert and reads its row;
    a plain check-then-insert answered a unique violation there)."""
    query = select(model).filter_by(**key)
    row = session.exec(query).first()
    if row is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(model)
            .values(**key, description="", created_at=time.time())
            .on_conflict_do_nothing()
        )
        row = session.exec(query).one()
    return row


def register_media(
    session: Session,
    store: Store,
    data: bytes,
    mime: str,
    suffix: str = "",
    original_name: str | None = None,
) -> str:
    """Write bytes to the media folder and record them; returns the sha256 used as the id."""
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


def _apply_context(session: Session, store: Store, run: Run, ctx: RunContext) -> None:
    run.command, run.cwd, run.host = ctx.command, ctx.cwd, ctx.host
    run.python_version = ctx.python_version
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
    return "run-" + datetime.fromtimestamp(started).strftime("%Y%m%d-%H%M%S")


def end_run(store: Store, run_id: int, status: str = "ok", exit_code: int | None = None) -> Run:
    with store.write() as session:
        run = get_row(session, Run, run_id)
        run.status, run.exit_code, run.ended_at = status, exit_code, time.time()
        session.add(run)
        session.flush()
        session.expunge(run)
    return run


def add_tags(store: Store, run_id: int, tags: Iterable[str]) -> None:
    with store.write() as session:
        for tag in tags:
            if session.get(RunTag, (run_id, tag)) is None:
                session.add(RunTag(run_id=run_id, tag=tag))


def add_captures(store: Store, run_id: int, captures: Sequence[NewCapture]) -> list[int]:
    """Store captures in one transaction; returns their ids once committed."""
    rows = [Capture(run_id=run_id, **c.__dict__) for c in captures]
    with store.write() as session:
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    return [i for i in ids if i is not None]


INT64 = (-(2**63), 2**63 - 1)  # the integers SQLite and PostgreSQL BIGINT columns hold


def nonfinite_text(value: float) -> str | None:
    """``"nan"``/``"inf"``/``"-inf"`` for the values SQLite cannot keep in a REAL column (NaN
    becomes NULL there), so the row still says what was logged; None for ordinary numbers."""
    return None if math.isfinite(value) else repr(value)


_METRIC_COLUMNS = (
    "run_id",
    "kind",
    "source",
    "name",
    "value",
    "step",
    "timestamp",
    "review",
    "text",
)


def add_metric_rows(store: Store, rows: Sequence[tuple[Any, ...]]) -> None:
    """The fast path for many metric values: one ``executemany`` of plain tuples.

    Each row is ``(run_id, kind, source, name, value, step, timestamp, review)``, optionally
    followed by ``text`` (the SDK puts ``"nan"``/``"inf"`` there: SQLite stores a NaN value as
    NULL). This skips the ORM on purpose: it is what lets the SDK log hundreds of thousands of
    values per second.
    """
    if not rows:
        return
    with store.write_conn() as conn:
        insert_metric_rows(conn, rows)


def insert_metric_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """:func:`add_metric_rows` inside a transaction the caller holds (imports: all or nothing)."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = _METRIC_COLUMNS[: len(rows[0])]
    sql = f"INSERT INTO capture ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, list(rows))


# -- the active run ------------------------------------------------------------------------


def _active_file(store: Store) -> Path:
    return store.settings.home / "active_run.json"


def set_active_run(store: Store, run_id: int | None) -> None:
    path = _active_file(store)
    if run_id is None:
        path.unlink(missing_ok=True)
        return
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"run_id": run_id, "db": store.settings.db_url}))
    os.replace(tmp, path)


def active_run_id(store: Store) -> int | None:
    """The run made active by ``runnotes run start`` (if it is still running in this store)."""
    try:
        data = json.loads(_active_file(store).read_text())
    except (OSError, ValueError):
        return None
    if data.get("db") != store.settings.db_url:
        return None
    with store.read() as session:
        run = session.get(Run, data.get("run_id"))
        return run.id if run is not None and run.status == "running" else None


def target_run_id(store: Store) -> int:
    """The run a capture should go to: the active one, else today's auto-created run."""
    run_id = active_run_id(store)
    if run_id is not None:
        return run_id
    name = "auto-" + datetime.now().strftime("%Y-%m-%d")
    with store.write() as session:
        exp = ensure_experiment(session, DEFAULT_PROJECT, AUTO_EXPERIMENT)
        run = session.exec(select(Run).where(Run.experiment_id == exp.id, Run.name == name)).first()
        if run is None:
            run = Run(experiment_id=exp.id, name=name, started_at=time.time())
            session.add(run)
            session.flush()
        return run.id  # type: ignore[return-value]
