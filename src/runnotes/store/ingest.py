"""Team-server ingestion: keyed batches, stored once however often they are sent, and COPY.

A client that sent a batch and lost the answer (its server worker was killed, the connection was
reset) cannot know whether the batch was committed. It sends it again with the same key
(``Idempotency-Key``); :func:`claim` records the key in the batch's own transaction, so a second
request with it finds the key and gets the first answer instead of storing the values twice.
Concurrent requests with one key serialise on its primary key: PostgreSQL makes the second
``INSERT … ON CONFLICT DO NOTHING`` wait for the first transaction, SQLite writers take turns.

:func:`copy_rows` is PostgreSQL's bulk path: one ``COPY … FROM STDIN`` instead of a statement per
row, several times faster for a batch of thousands of values.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from runnotes.errors import RunnotesError
from runnotes.store.db import upsert
from runnotes.store.models import IngestKey

KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")
KEEP_S = 7 * 86_400  # a client retries for seconds or minutes; a week is plenty
PRUNE_EVERY_S = 3_600.0
_pruned_at = 0.0  # when this process last pruned: only saves work, any process may prune
table = IngestKey.__table__


def checked_key(key: str | None) -> str | None:
    """``key`` when it is a usable idempotency key (8–64 letters, digits, ``_.:-``), None when
    absent; a RunnotesError otherwise."""
    if key is None:
        return None
    if not KEY.fullmatch(key):
        raise RunnotesError("Idempotency-Key must be 8 to 64 letters, digits or _.:-")
    return key


def claim(conn: Connection, key: str, run_id: int) -> Any | None:
    """Record ``key`` in the caller's transaction. None: it is new, the caller writes its batch
    (and :func:`answered` keeps the answer); else the answer the first request was given."""
    global _pruned_at
    now = time.time()
    inserted = conn.execute(
        upsert(conn.dialect.name, table)
        .values(key=key, run_id=run_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)  # a row only when inserted (rowcount is not reliable here)
    ).first()
    if inserted is None:
        answer = conn.execute(select(table.c.answer).where(table.c.key == key)).scalar()
        return json.loads(answer) if answer else {}
    if now - _pruned_at > PRUNE_EVERY_S:
        conn.execute(delete(table).where(table.c.created_at < now - KEEP_S))
        _pruned_at = now
    return None


def answered(conn: Connection, key: str, answer: Any) -> None:
    """Keep the answer to ``key``'s first request, for its retries."""
    conn.execute(update(table).where(table.c.key == key).values(answer=json.dumps(answer)))


def copy_rows(
    conn: Connection, table_name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Rows into a PostgreSQL table by ``COPY FROM STDIN`` in the caller's transaction."""
    cursor = conn.connection.cursor()
    try:
        with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
