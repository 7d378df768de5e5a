"""What ``runnotes doctor`` reads from the store: the database's own check, the media files the
store registered, and the runs still marked running."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from runnotes.store.db import Store
from runnotes.store.models import MediaFile, Run, RunStatus


def quick_check(store: Store) -> tuple[str, list[str]]:
    """``(what was checked, problems)``: SQLite's ``PRAGMA quick_check`` (``["ok"]`` when
    sound), else one round trip to the server; damage bad enough that the check itself cannot
    read on is the one problem."""
    try:
        with store.engine.connect() as conn:
            if not store.is_sqlite:
                conn.execute(text("SELECT 1"))
                return f"{store.engine.dialect.name} answers", ["ok"]
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    except DBAPIError as exc:
        rows = [str(exc.orig).splitlines()[0] if exc.orig else str(exc)]
    return "PRAGMA quick_check", rows


def media_sizes(session: Session) -> list[tuple[str, int]]:
    """``(sha256, size)`` of every registered media file."""
    return [(sha, size) for sha, size in session.exec(select(MediaFile.sha256, MediaFile.size))]


def running_runs(session: Session) -> list[Run]:
    return list(session.exec(select(Run).where(col(Run.status) == RunStatus.running)).all())
