"""Bulk review of many spoken metric values of one run, per trigger that moves ``series_version``.

    .venv/bin/python benchmarks/review.py [--values 20000] [--pg postgresql+psycopg://...]

Stores ``--values`` pending metric captures (spoken values) in one run and times one
``set_reviews`` approving them all (what ``POST /api/review`` does), on SQLite and on PostgreSQL
(``--pg``, default ``RUNNOTES_TEST_PG``; ``--pg ''`` skips it), each with the trigger of migration
0022 (PostgreSQL: once per statement) beside the one before it (0020: once per updated row).
Checks the run's ``series_version`` moved, and prints each time with the ratio per-row/now.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py shadows the standard library's ``logging``: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from runnotes.config import load_settings  # noqa: E402
from runnotes.store import Store, open_store  # noqa: E402
from runnotes.store.db import MIGRATIONS  # noqa: E402
from runnotes.store.review import set_reviews  # noqa: E402
from runnotes.store.runs import create_run  # noqa: E402

PG = os.environ.get("RUNNOTES_TEST_PG", "")
PER_ROW = "0020_points_unchecked"  # the last revision with the trigger per row on both backends
SPOKEN = (
    "INSERT INTO capture (run_id, kind, source, name, value, step, timestamp, review, liked) "
    "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) "
    "SELECT :run, 'metric', 'voice', 'loss', i * 0.001, i, 0, 'pending', false FROM g"
)


def _timed(store: Store, values: int, per_row: bool) -> float:
    """Seconds one ``set_reviews`` of ``values`` spoken values takes (trigger per row or now)."""
    if per_row:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, PER_ROW)
    run = create_run(store, "spoken")
    with store.write_conn() as conn:
        conn.execute(text(SPOKEN), {"n": values, "run": run.id})
        ids = list(conn.execute(text("SELECT id FROM capture WHERE run_id = :r"), {"r": run.id}))
    start = time.perf_counter()
    set_reviews(store, [i for (i,) in ids], "approved")
    took = time.perf_counter() - start
    with store.read() as session:
        version = session.execute(text(f"SELECT series_version FROM run WHERE id = {run.id}"))
        assert version.scalar_one() > 0, "the review did not move series_version"
    return took


def _sqlite(values: int, per_row: bool) -> float:
    with tempfile.TemporaryDirectory() as home:
        store = open_store(load_settings(home=Path(home)))
        try:
            return _timed(store, values, per_row)
        finally:
            store.close()


@contextmanager
def pg_store(server: str) -> Iterator[Store]:
    """A store in a new database on the PostgreSQL server ``server``, dropped on the way out."""
    name = f"rn_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        with tempfile.TemporaryDirectory() as home:
            url = server.rsplit("/", 1)[0] + "/" + name
            store = open_store(load_settings(home=Path(home), db_url=url))
            try:
                yield store
            finally:
                store.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _postgres(server: str, values: int, per_row: bool) -> float:
    with pg_store(server) as store:
        return _timed(store, values, per_row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=20_000)
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    os.environ["RUNNOTES_DRAFTS_AUTO"] = "0"  # the review alone: no draft refreshes after it
    print(f"{args.values} spoken metric values of one run approved at once (set_reviews)")
    backends = [("sqlite", lambda per_row: _sqlite(args.values, per_row))]
    if args.pg:
        backends.append(("postgresql", lambda per_row: _postgres(args.pg, args.values, per_row)))
    for backend, timed in backends:
        now = timed(False)
        before = timed(True)
        print(
            f"{backend:10}  per row (0020): {before:8.2f} s   now (0022): {now:8.2f} s"
            f"   ratio {before / now:6.1f}x"
        )


if __name__ == "__main__":
    main()
