"""Import an MLflow store of N runs × M metrics × S steps (default 1 000 × 20 × 100) into runnotes.

The MLflow store is generated once with ``MlflowClient.log_batch`` (the fastest way MLflow writes)
and kept in a cache folder, because writing 2 million values through MLflow takes minutes. Prints
the generation rate (the peer writing), MLflow's own read time, runnotes' write time, the total
import time, runs/s and the ratios.

    .venv/bin/python benchmarks/import.py [--runs 1000] [--metrics 20] [--steps 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "runnotes-bench-mlflow"
    )
    args = parser.parse_args()
    values = args.runs * args.metrics * args.steps

    folder = args.cache / f"{args.runs}x{args.metrics}x{args.steps}"
    db = folder / "mlflow.db"
    uri = f"sqlite:///{db}"
    timing_file = folder / "generation-seconds.txt"
    if not timing_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        print(
            f"generating {args.runs} MLflow runs × {args.metrics} metrics × {args.steps} steps "
            f"({values:,} values) with MlflowClient.log_batch into {db} …",
            flush=True,
        )
        timing_file.write_text(
            str(generate(uri, args.runs, args.metrics, args.steps, folder / "artifacts"))
        )
    generation = float(timing_file.read_text())

    from runnotes.config import load_settings
    from runnotes.interop.bulk import write_runs
    from runnotes.interop.mlflow import read_mlflow
    from runnotes.store import open_store

    with tempfile.TemporaryDirectory() as home:
        store = open_store(load_settings(home, f"sqlite:///{home}/runnotes.db"))
        started = time.perf_counter()
        runs = read_mlflow(uri)
        read = time.perf_counter() - started
        result = write_runs(store, runs)
        total = time.perf_counter() - started
        again_start = time.perf_counter()
        write_runs(store, runs)
        rewrite = time.perf_counter() - again_start
        store.close()
    assert result.values == values, (result.values, values)
    write = total - read

    print(
        f"MLflow store: {args.runs} runs × {args.metrics} metrics × {args.steps} steps "
        f"= {values:,} values"
    )
    print(
        f"peer, MLflow log_batch writing it:  {generation:8.1f} s  "
        f"{values / generation:10,.0f} values/s"
    )
    print(f"import, reading via MlflowClient:   {read:8.1f} s  {values / read:10,.0f} values/s")
    print(f"import, writing to runnotes:        {write:8.1f} s  {values / write:10,.0f} values/s")
    print(f"import total:                       {total:8.1f} s  {args.runs / total:10,.1f} runs/s")
    print(f"re-import (update in place, write): {rewrite:8.1f} s")
    print(
        f"ratio: import total / MLflow writing the same data = {total / generation:.2f}; "
        f"runnotes' share of the import = {write / total:.0%}"
    )


if __name__ == "__main__":
    main()
