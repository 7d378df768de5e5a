"""The experiment page (the runs as a tree) with 500 runs, over HTTP against ``runnotes serve``.

    .venv/bin/python benchmarks/tree.py [--runs 500] [--requests 100]

Builds the store of ``benchmarks/web.py`` (params, notes, two 10-step curves per run) with all
runs in one experiment, links them as a sweep does (each run a fork of a random earlier one, a
third of them continuing the run before; every 25th run on a changed data file), then times the
tree page as it opens (long linear chains collapsed above 40 runs), with every run shown, and
filtered by a metric. Prints first/p50/p95 and the ratio to the target (p95 ≤ 100 ms). The
server keeps a built tree while nothing it shows changes (``services/tree.py``): the first
request builds it, the others are served from it; ``--live`` also times the page while a run of
the experiment logs a value before each request (the tree is built again every time).
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
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402

TARGET_P95_MS = 100.0


def _web():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_web", HERE / "web.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def link_runs(home: Path, ids: list[int]) -> None:
    """Lineage and data fingerprints as a sweep leaves them."""
    from runnotes.config import load_settings
    from runnotes.store import open_store

    rng = random.Random(11)
    store = open_store(load_settings(home))
    links, data = [], []
    rows = 1500
    for n, run_id in enumerate(ids):
        if n % 25 == 0:
            rows += 100
        sha = f"{rows:064x}"
        data.append((run_id, "dataset", "sdk", "train.csv", rows, "approved", sha))
        if n:
            parent = ids[n - 1] if rng.random() < 0.33 else rng.choice(ids[:n])
            links.append((parent, "fork", "start", run_id))
    with store.write_conn() as conn:
        conn.exec_driver_sql(  # web.py's first run is made last: it started first
            "UPDATE run SET started_at = (SELECT min(started_at) - 60 FROM run) WHERE id = ?",
            (ids[0],),
        )
        conn.exec_driver_sql(
            "UPDATE run SET parent_id = ?, link_how = ?, link_source = ? WHERE id = ?", links
        )
        conn.exec_driver_sql(
            "INSERT INTO capture (run_id, kind, source, name, value, timestamp, review, extra) "
            "VALUES (?, ?, ?, ?, ?, 0, ?, json_object('sha256', ?, 'rows', ?))",
            [(*row, row[4]) for row in data],
        )
    store.close()


def live(client: httpx.Client, home: Path, run_id: int, url: str, n: int, pid: int) -> None:
    """The page while a run of the experiment logs: a new value before each request, so the
    server builds the tree again every time (what a refresh during training costs)."""
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.runs import add_metric_rows

    cpu_seconds = _web().cpu_seconds
    store = open_store(load_settings(home))
    times, cpu = [], 0.0
    for step in range(n):
        add_metric_rows(
            store,
            [(run_id, "metric", "sdk", "val_acc", 0.5, 1000 + step, 0.0, "approved", None)],
        )
        before = cpu_seconds(pid)
        start = time.perf_counter()
        client.get(url).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
        cpu += cpu_seconds(pid) - before
    store.close()
    p95 = statistics.quantiles(times, n=20)[-1]
    label = "tree, a run logging (rebuilt each view)"
    print(
        f"{label:40} {'':5} {'':9} {statistics.median(times):8.1f} "
        f"{p95:8.1f} {p95 / TARGET_P95_MS:10.2f}x {cpu * 1000 / n:14.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--live", action="store_true", help="also time it while a run logs")
    args = parser.parse_args()
    web = _web()
    with tempfile.TemporaryDirectory(prefix="runnotes-tree-bench-") as tmp:
        home = Path(tmp) / "home"
        ids = web.build_store(home, args.runs, args.runs * 24)
        link_runs(home, ids)
        port = web.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNOTES_")}
        server = subprocess.Popen(
            [sys.executable, "-m", "runnotes", "serve", "--port", str(port)],
            env={**env, "RUNNOTES_HOME": str(home), "RUNNOTES_DRAFTS_AUTO": "false"},
            stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=900) as client:
                for _ in range(300):
                    try:
                        client.get("/api/projects")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                pages = [
                    ("tree, as it opens (chains collapsed)", "/experiments/1"),
                    ("tree, every run shown", "/experiments/1?collapse=no"),
                    ("tree, filtered val_acc > 0.9", "/experiments/1?where=metrics.val_acc>0.9"),
                    ("home page (cards)", "/"),
                ]
                print(
                    f"{'page':40} {'rows':>5} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} "
                    f"{'p95/target':>11} {'server cpu ms':>14}"
                )
                for label, url in pages:
                    first, _, times, cpu = web.timed(client, url, args.requests, server.pid)
                    rows = client.get(url).text.count('<li class="tree-row')
                    p95 = statistics.quantiles(times, n=20)[-1]
                    print(
                        f"{label:40} {rows:5} {first:9.1f} {statistics.median(times):8.1f} "
                        f"{p95:8.1f} {p95 / TARGET_P95_MS:10.2f}x {cpu:14.1f}"
                    )
                if args.live:
                    live(client, home, ids[-1], pages[0][1], args.requests, server.pid)
        finally:
            server.terminate()
            server.wait(10)
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
