"""Wrong tokens per client, in the database: the login throttle every worker shares.

A team server with several worker processes (or several servers on one PostgreSQL) must slow a
guesser down whichever worker the guesses reach; a count kept in one process would give each
worker its own free guesses. Times are wall-clock seconds, comparable between processes.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from runnotes.store.db import Store, upsert
from runnotes.store.models import LoginFailure

FORGET_S = 86_400.0  # a client silent for a day starts afresh
table = LoginFailure.__table__


def failures(store: Store, client: str) -> tuple[int, float]:
    """(wrong tokens in a row, time of the last) for ``client``; (0, 0.0) when none."""
    with store.engine.connect() as conn:
        row = conn.execute(select(table.c.count, table.c.last).where(table.c.client == client))
        found = row.first()
    return (int(found[0]), float(found[1])) if found else (0, 0.0)


def failed(store: Store, client: str, now: float) -> None:
    """Count one more wrong token for ``client`` (and forget clients silent for a day)."""
    counted = upsert(store.engine.dialect.name, table).values(client=client, count=1, last=now)
    counted = counted.on_conflict_do_update(
        index_elements=["client"], set_={"count": table.c.count + 1, "last": now}
    )
    with store.write_conn() as conn:
        conn.execute(counted)
        conn.execute(delete(table).where(table.c.last < now - FORGET_S))


def succeeded(store: Store, client: str) -> None:
    with store.write_conn() as conn:
        conn.execute(delete(table).where(table.c.client == client))
