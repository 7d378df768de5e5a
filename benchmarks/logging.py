"""Metric logging throughput: runnotes' SDK against MLflow, side by side in one process.

    .venv/bin/python benchmarks/logging.py [--values 100000] [--per-call-values 2000] [--full]

Each contender gets a fresh SQLite-backed store in a temporary folder and logs the same values
(10 metrics × N/10 steps). MLflow's one-call-at-a-time ``log_metric`` runs at a few hundred values
per second, so by default it logs a sample (``--per-call-values``) and its rate is reported from
that; ``--full`` makes it log all of them (several minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's ``logging``: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402

METRICS = 10


def values(n: int) -> list[tuple[str, float, int]]:
    return [(f"metric_{i % METRICS}", 1.0 / (i + 1), i // METRICS) for i in range(n)]


def bench_runnotes(root: Path, data: list[tuple[str, float, int]]) -> float:
    from runnotes.config import load_settings
    from runnotes.sdk import get_store, start_run

    store = get_store(load_settings(root / "runnotes"))
    run = start_run("bench", experiment="logging", store=store)
    start = time.perf_counter()
    for key, value, step in data:
        run.log_metric(key, value, step)
    run.flush()  # every value committed
    elapsed = time.perf_counter() - start
    run.end()
    return elapsed


def bench_bare_executemany(root: Path, data: list[tuple[str, float, int]]) -> float:
    """The floor: the same rows handed to one ``executemany`` into the same table (names
    already interned, ids chosen by SQLite), on a store opened as the SDK opens it."""
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.points import name_ids
    from runnotes.store.runs import create_run

    store = open_store(load_settings(root / "runnotes"))
    run = create_run(store, "bench", experiment="logging")
    with store.write_conn() as conn:
        ids = name_ids(conn, {key for key, _, _ in data})
    now = time.time()
    start = time.perf_counter()
    rows = [(run.id, ids[k], s, v, now, 0) for k, v, s in data]
    with store.write_conn() as conn:
        conn.exec_driver_sql(
            "INSERT INTO series_point (run_id, name_id, step, value, timestamp, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def _mlflow(root: Path):  # type: ignore[no-untyped-def]
    import mlflow
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    exp = client.create_experiment(f"logging-{time.time_ns()}")
    return mlflow, client, client.create_run(exp).info.run_id


def bench_mlflow_per_call(root: Path, data: list[tuple[str, float, int]]) -> float:
    _, client, run_id = _mlflow(root)
    start = time.perf_counter()
    for key, value, step in data:
        client.log_metric(run_id, key, value, step=step)
    return time.perf_counter() - start


def bench_mlflow_batch(root: Path, data: list[tuple[str, float, int]]) -> float:
    from mlflow.entities import Metric

    _, client, run_id = _mlflow(root)
    start = time.perf_counter()
    now = int(time.time() * 1000)
    for i in range(0, len(data), 1000):  # MLflow accepts at most 1 000 metrics per batch
        chunk = [Metric(k, v, now, s) for k, v, s in data[i : i + 1000]]
        client.log_batch(run_id, metrics=chunk)
    return time.perf_counter() - start


def measure(name: str, fn: Callable[[Path, list], float], data: list, rounds: int) -> float:
    """Best of ``rounds`` (each in a fresh store): the figure least disturbed by other load."""
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(fn(Path(tmp), data))
    elapsed = min(times)
    rate = len(data) / elapsed
    print(
        f"{name:<28} {len(data):>8} values  {elapsed:8.2f} s  {rate:>10,.0f} values/s"
        f"  (best of {rounds})"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--per-call-values", type=int, default=2_000)
    parser.add_argument("--full", action="store_true", help="MLflow per call logs every value")
    parser.add_argument("--rounds", type=int, default=3, help="repeat each, keep the best")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ["RUNNOTES_DRAFTS_AUTO"] = "false"  # measure logging, not the README drafts
    data = values(args.values)
    per_call = data if args.full else data[: args.per_call_values]

    print(f"logging {args.values:,} metric values into fresh SQLite stores (2-core machine)")
    ours = measure("runnotes SDK (log_metric)", bench_runnotes, data, args.rounds)
    bare = measure("bare executemany, same table", bench_bare_executemany, data, args.rounds)
    batch = measure("MLflow log_batch", bench_mlflow_batch, data, args.rounds)
    single = measure("MLflow log_metric per call", bench_mlflow_per_call, per_call, 1)
    best = max(batch, single)
    print(f"\nrunnotes / MLflow log_batch:          {ours / batch:6.1f}×  (target ≥ 25×)")
    print(f"runnotes / MLflow log_metric per call: {ours / single:6.1f}×")
    print(f"runnotes / faster MLflow path:         {ours / best:6.1f}×")
    print(f"runnotes / bare executemany:           {ours / bare:6.1%}  (target ≥ 60 %)")


if __name__ == "__main__":
    main()
