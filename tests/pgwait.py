"""Waiting, in a test, until another PostgreSQL session waits for an advisory lock."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, text

WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory' "
    "AND datname = current_database()"
)


def until_one_waits(engine: Engine, done: Callable[[], bool], seconds: float, what: str) -> None:
    """Return once a session of this database waits for an advisory lock, or ``done()``.

    Each look is a transaction of its own: PostgreSQL shows a transaction one view of
    ``pg_stat_activity``, taken at its first look, so a probe that stays in one transaction
    never sees a wait that began after it (a test that did failed about one run in ten)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as probe:
        while not done():
            waiting = probe.execute(text(WAITING)).scalar()
            probe.rollback()
            if waiting:
                return
            assert time.monotonic() < deadline, f"{what} neither waited nor went on"
            time.sleep(0.02)
