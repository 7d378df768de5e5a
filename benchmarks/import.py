"""Import an MLflow store of N runs × M metrics × S steps (default 1 000 × 20 × 100) into runnotes.

The MLflow stores are generated once with ``MlflowClient.log_batch`` (the fastest way MLflow writes)
and kept in a cache folder, because writing 2 million values through MLflow takes minutes. The
import reads the SQLite tracking database with SQL (what ``runnotes import mlflow`` does for a
database URI); the client path (``MlflowClient``, one ``get_metric_history`` call per metric per
run, what folders and servers use) is timed on a sample store of ``--client-runs`` runs (default
100; the full 1 000 take ~8 minutes) and scaled to N runs. Prints the generation rate (the peer
writing), read and write times, runs/s, the re-import, and the SQL / client ratio.

    .venv/bin/python benchmarks/import.py [--runs 1000] [--metrics 20] [--steps 100]
                                          [--client-runs 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder is sys.path[0], and benchmarks/logging.py would shadow the
# standard library's logging module that MLflow imports.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)


def generate(uri: str, runs: int, metrics: int, steps: int, artifacts: Path) -> float:
    """Fill an MLflow store; returns seconds spent in MLflow's client calls."""
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    started = time.perf_counter()
    exp = client.create_experiment("bench", artifact_location=artifacts.as_uri())
    base = 1_700_000_000_000
    for r in range(runs):
        run = client.create_run(
            exp,
            run_name=f"run-{r}",
            start_time=base + r * 1000,
            tags={"mlflow.note.content": f"run {r}", "seed": str(r)},
        )
        rid = run.info.run_id
        values = [
            Metric(f"m{m}", (r + m + s) / 1000, base + r * 1000 + s, s)
            for m in range(metrics)
            for s in range(steps)
        ]
        params = [Param("lr", str(1e-3 / (r + 1))), Param("batch", "64")]
        for start in range(0, len(values), 1000):
            client.log_batch(
                rid, metrics=values[start : start + 1000], params=params if start == 0 else []
            )
        client.set_terminated(rid, "FINISHED", base + r * 1000 + steps)
        if r and r % 100 == 0:
            print(f"  generated {r} runs ({time.perf_counter() - started:.0f} s)", flush=True)
    return time.perf_counter() - started


def cached_store(cache: Path, runs: int, metrics: int, steps: int) -> tuple[str, float]:
    """The tracking URI of a generated store (made on first use) and its generation seconds."""
    folder = cache / f"{runs}x{metrics}x{steps}"
    db = folder / "mlflow.db"
    timing_file = folder / "generation-seconds.txt"
    if not timing_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        print(
            f"generating {runs} MLflow runs × {metrics} metrics × {steps} steps "
            f"({runs * metrics * steps:,} values) with MlflowClient.log_batch into {db} …",
            flush=True,
        )
        timing_file.write_text(
            str(generate(f"sqlite:///{db}", runs, metrics, steps, folder / "artifacts"))
        )
    return f"sqlite:///{db}", float(timing_file.read_text())


def timed_read(uri: str, use_client: bool) -> tuple[list[Any], float]:
    from runnotes.interop.mlflow import read_mlflow

    started = time.perf_counter()
    runs = read_mlflow(uri, use_client=use_client)
    return runs, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--client-runs", type=int, default=100)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "runnotes-bench-mlflow"
    )
    args = parser.parse_args()
    values = args.runs * args.metrics * args.steps
    uri, generation = cached_store(args.cache, args.runs, args.metrics, args.steps)
    sample_runs = min(args.client_runs, args.runs)
    sample_uri, _ = cached_store(args.cache, sample_runs, args.metrics, args.steps)

    from runnotes.config import load_settings
    from runnotes.interop.bulk import write_runs
    from runnotes.store import open_store

    with tempfile.TemporaryDirectory() as home:
        store = open_store(load_settings(home, f"sqlite:///{home}/runnotes.db"))
        runs, read = timed_read(uri, use_client=False)
        started = time.perf_counter()
        result = write_runs(store, runs)
        write = time.perf_counter() - started
        before = _captures(store)
        again_start = time.perf_counter()
        again = write_runs(store, timed_read(uri, use_client=False)[0])
        reimport = time.perf_counter() - again_start
        assert (again.created, again.updated, _captures(store)) == (0, args.runs, before)
        store.close()
    assert result.values == values, (result.values, values)
    total = read + write
    sample_sql = timed_read(sample_uri, use_client=False)[1]
    sample_runs_read, sample_client = timed_read(sample_uri, use_client=True)
    client_read = sample_client * args.runs / sample_runs
    client_total = client_read + write

    scaled = "" if sample_runs == args.runs else f", scaled from {sample_runs} runs"
    print(
        f"MLflow store: {args.runs} runs × {args.metrics} metrics × {args.steps} steps "
        f"= {values:,} values (SQLite)"
    )
    print(
        f"peer, MLflow log_batch writing it:   {generation:8.1f} s  "
        f"{values / generation:10,.0f} values/s"
    )
    print(f"import, reading it with SQL:         {read:8.1f} s  {values / read:10,.0f} values/s")
    print(f"import, writing to runnotes:         {write:8.1f} s  {values / write:10,.0f} values/s")
    print(f"import total:                        {total:8.1f} s  {args.runs / total:10,.1f} runs/s")
    print(f"re-import (read + update in place):  {reimport:8.1f} s  (same runs, same captures)")
    print(
        f"client path, reading via MlflowClient: {client_read:6.1f} s{scaled} "
        f"({sample_client:.1f} s vs SQL {sample_sql:.1f} s on the sample: "
        f"{sample_client / sample_sql:.0f}× slower)"
    )
    print(
        f"ratio: client-path import / SQL import = {client_total / total:.1f}× "
        f"({client_total:.0f} s vs {total:.1f} s); "
        f"SQL import / MLflow writing the same data = {total / generation:.3f}"
    )


def _captures(store: Any) -> int:
    with store.read() as session:
        return int(session.connection().exec_driver_sql("SELECT count(*) FROM capture").scalar())


if __name__ == "__main__":
    main()
