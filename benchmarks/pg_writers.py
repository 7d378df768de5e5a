"""PostgreSQL: logged-value batches with the run's series lock (``sql.lock_series``) vs without.

    .venv/bin/python benchmarks/pg_writers.py [--batches 20] [--batch 10000] [--rounds 3]
        [--pg postgresql+psycopg://...]

Two threads each store ``--batches`` batches of ``--batch`` values through ``add_metric_rows``
(the SDK's and the team server's path: one ``COPY`` a batch), first into one run (the writers take
turns: the case the lock serializes), then each into its own run; every case once with the lock and
once with it made a no-op, interleaved, ``--rounds`` times, keeping the best. Prints values/s and
the ratio with/without.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py shadows the standard library's ``logging``: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from runnotes.store import Store, sql  # noqa: E402
from runnotes.store.runs import add_metric_rows, create_run  # noqa: E402

PG = os.environ.get("RUNNOTES_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:55432/postgres")
LOCK = sql.lock_series


def _review():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_review", HERE / "review.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _rate(store: Store, same_run: bool, batches: int, batch: int, locked: bool) -> float:
    """Values per second two writer threads store."""
    sql.lock_series = LOCK if locked else (lambda tx, run_ids: None)  # type: ignore[assignment]
    runs = [create_run(store, "w").id for _ in range(1 if same_run else 2)]

    def write(run_id: int, offset: int) -> None:
        for b in range(batches):
            first = (b * 2 + offset) * batch
            rows = [
                (run_id, "metric", "sdk", "loss", 1.0 / (s + 1), s, 0.0, "approved", None)
                for s in range(first, first + batch)
            ]
            add_metric_rows(store, rows)

    writers = [threading.Thread(target=write, args=(runs[i % len(runs)], i)) for i in range(2)]
    start = time.perf_counter()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    return 2 * batches * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    os.environ["RUNNOTES_DRAFTS_AUTO"] = "0"
    with _review().pg_store(args.pg) as store:
        for same_run, label in ((True, "one run"), (False, "a run each")):
            best = {True: 0.0, False: 0.0}
            for _ in range(args.rounds):
                for locked in (True, False):
                    rate = _rate(store, same_run, args.batches, args.batch, locked)
                    best[locked] = max(best[locked], rate)
            ratio = best[True] / best[False]
            print(
                f"2 writers, {label:10}  with the lock {best[True]:9.0f} values/s   "
                f"without {best[False]:9.0f} values/s   ratio {ratio:.2f}"
            )


if __name__ == "__main__":
    main()
