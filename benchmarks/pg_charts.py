"""PostgreSQL: chart views read in one REPEATABLE READ snapshot (``Store.read(snapshot=True)``)
vs READ COMMITTED.

    .venv/bin/python benchmarks/pg_charts.py [--runs 3] [--metrics 5] [--steps 40000]
        [--rounds 15] [--pg postgresql+psycopg://...]

What a run or compare page asks of the store (``curves(max_points=300)`` and ``best_values`` of
``--runs`` runs of ``--metrics`` × ``--steps`` values), three ways: the first view (no chart in
``series_chart`` nor in the process: drawn from the values), a new process's first view (drawn
from ``series_chart``), and a warm view (the process's cache). Each with the snapshot and with
it made a plain read, interleaved, ``--rounds`` times; prints best and median and the ratio of
the bests.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py shadows the standard library's ``logging``: keep this folder off the path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

from runnotes.services.metrics import best_values, curves  # noqa: E402
from runnotes.store import Store, db  # noqa: E402
from runnotes.store import series as series_store  # noqa: E402
from runnotes.store.runs import add_metric_rows, create_run  # noqa: E402

SNAPSHOT = db.Store.read
VIEWS = ("first view", "from series_chart", "warm")


def _plain(self: Store, *, snapshot: bool = False):  # type: ignore[no-untyped-def]
    return SNAPSHOT(self)  # READ COMMITTED, as before


def _view(store: Store, run_ids: list[int]) -> float:
    start = time.perf_counter()
    curves(store, run_ids, max_points=300)
    best_values(store, run_ids)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    sys.path.insert(0, str(HERE))  # stdlib logging is loaded by now: pg_writers, then out again
    from pg_writers import PG, _review  # noqa: PLC0415

    sys.path.pop(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--metrics", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    with _review().pg_store(args.pg) as store:
        run_ids = []
        for r in range(args.runs):
            run_id = create_run(store, f"r{r}").id
            run_ids.append(run_id)
            rows = [
                (run_id, "metric", "sdk", f"m{m}", math.sin(s / 50) + m, s, 0.0, "approved", None)
                for m in range(args.metrics)
                for s in range(args.steps)
            ]
            add_metric_rows(store, rows)
        times: dict[str, dict[str, list[float]]] = {
            mode: {view: [] for view in VIEWS} for mode in ("snapshot", "read committed")
        }
        for _ in range(args.rounds):
            for mode, found in times.items():
                db.Store.read = SNAPSHOT if mode == "snapshot" else _plain  # type: ignore[method-assign]
                series_store._cache.clear()
                with store.write_conn() as conn:
                    conn.execute(text("DELETE FROM series_chart"))
                found["first view"].append(_view(store, run_ids))
                series_store._cache.clear()
                found["from series_chart"].append(_view(store, run_ids))
                found["warm"].append(_view(store, run_ids))
        db.Store.read = SNAPSHOT  # type: ignore[method-assign]
    print(f"{'ms (best / median)':22}" + "".join(f"{view:>24}" for view in VIEWS))
    for mode, found in times.items():
        cells = (f"{min(t):.1f} / {statistics.median(t):.1f}" for t in found.values())
        print(f"{mode:22}" + "".join(f"{cell:>24}" for cell in cells))
    ratios = (min(times["snapshot"][v]) / min(times["read committed"][v]) for v in VIEWS)
    print(f"{'ratio of the bests':22}" + "".join(f"{r:>24.3f}" for r in ratios))


if __name__ == "__main__":
    main()
