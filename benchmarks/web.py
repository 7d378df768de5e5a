"""Review page latency over HTTP against a real ``runnotes serve`` on a large store.

    .venv/bin/python benchmarks/web.py [--runs 10000] [--captures 200000] [--requests 200]
                                       [--big-runs 5] [--big-steps 100000]

Builds a SQLite store with bulk inserts (10 000 runs, 200 000 captures: params, metric curves,
notes, tags), plus ``--big-runs`` runs of 10 metrics × ``--big-steps`` steps (1 000 000 values
each by default, one ``executemany`` in one transaction), starts ``runnotes serve`` on a free
loopback port and times, with one keep-alive client, the runs list (first page), a filtered page
(``metrics.val_acc > 0.9 and params.lr < 0.01``, the same filter syntax as the CLI), a run page,
and their JSON twins; the filtered list with its exact count (``count=1``); and the million-value
run's page and JSON, one of its metrics downsampled, and the compare page of the big runs.
Prints p50/p95 per page, the first (uncached) request, the ratio to its target (50 ms for the
10 000-run pages, 100 ms for the million-value pages) and the size of the big run's JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py shadows the standard library's ``logging``: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402

TARGET_P95_MS = 50.0
BIG_TARGET_P95_MS = 100.0
BIG_METRICS = 10
WHERE = "metrics.val_acc > 0.9 and params.lr < 0.01"


def build_store(home: Path, runs: int, captures: int) -> list[int]:
    """Runs and captures through the store's bulk paths; returns the run ids."""
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.runs import add_metric_rows, create_run

    store = open_store(load_settings(home))
    rng = random.Random(7)
    first = create_run(store, "run-0", experiment="sweep", project="bench")
    per_run = max(4, captures // runs)
    steps = (per_run - 4) // 2  # 2 params, a note, a screenshot-style pending note, 2 curves
    now = time.time() - runs * 60
    with store.write_conn() as conn:
        conn.exec_driver_sql(
            "INSERT INTO run (experiment_id, name, status, started_at, ended_at, description) "
            "VALUES (?, ?, ?, ?, ?, '')",
            [
                (
                    first.experiment_id,
                    f"run-{i}",
                    rng.choice(("ok", "ok", "failed")),
                    now + i * 60,
                    now + i * 60 + rng.uniform(30, 3000),
                )
                for i in range(1, runs)
            ],
        )
        ids = [row[0] for row in conn.exec_driver_sql("SELECT id FROM run ORDER BY id")]
        conn.exec_driver_sql(
            "INSERT INTO runtag (run_id, tag) VALUES (?, ?)",
            [(i, "best") for i in ids if i % 10 == 0],
        )
        lrs = {i: rng.choice((0.1, 0.03, 0.01, 0.003, 0.001)) for i in ids}
        conn.exec_driver_sql(
            "INSERT INTO capture (run_id, kind, source, name, value, text, timestamp, review) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row
                for i in ids
                for row in (
                    (i, "param", "sdk", "lr", lrs[i], str(lrs[i]), now, "approved"),
                    (i, "param", "sdk", "batch_size", 64.0, "64", now, "approved"),
                    (
                        i,
                        "note",
                        "cli",
                        None,
                        None,
                        f"run {i}: tried lr {lrs[i]} because of plateau",
                        now,
                        "approved",
                    ),
                    (i, "note", "hotkey", None, None, "val_acc 0.93 at epoch 7", now, "pending"),
                )
            ],
        )
    rows = []
    for i in ids:
        top = rng.uniform(0.6, 0.97)
        for step in range(steps):
            acc = top * (step + 1) / steps
            rows.append((i, "metric", "sdk", "val_acc", acc, step, now, "approved", None))
            rows.append((i, "metric", "sdk", "loss", 1.0 / (step + 1), step, now, "approved", None))
    add_metric_rows(store, rows)
    with store.read() as session:
        total = session.connection().exec_driver_sql("SELECT count(*) FROM capture").scalar()
    store.close()
    print(f"store: {len(ids)} runs, {total} captures")
    return ids


def add_big_runs(home: Path, runs: int, steps: int) -> list[int]:
    """Runs of ``BIG_METRICS`` metrics × ``steps`` steps, as the SDK stores them (approved)."""
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.runs import add_metric_rows, create_run
    from runnotes.store.series import store_charts

    store = open_store(load_settings(home))
    rng = random.Random(11)
    ids = []
    for r in range(runs):
        run = create_run(store, f"long-{r}", experiment="long", project="bench")
        ids.append(run.id)
        now = time.time()
        rows = [
            (
                run.id,
                "metric",
                "sdk",
                f"m{m}",
                rng.gauss(1.0 / (step + 1), 0.01),
                step,
                now,
                "approved",
                None,
            )
            for step in range(steps)
            for m in range(BIG_METRICS)
        ]
        add_metric_rows(store, rows)  # the SDK's bulk path
        with store.write_conn() as conn:
            conn.exec_driver_sql(
                "INSERT INTO capture (run_id, kind, source, name, value, text, timestamp, review) "
                "VALUES (?, 'param', 'sdk', 'lr', ?, ?, ?, 'approved')",
                (run.id, 0.001 * (r + 1), str(0.001 * (r + 1)), now),
            )
    start = time.perf_counter()
    with store.read() as session:  # what the run's end does (runnotes.services.runs.finish_run)
        store_charts(session, ids)
    drawn = time.perf_counter() - start
    store.close()
    print(
        f"big runs: {runs} × {BIG_METRICS} metrics × {steps} steps; charts stored at their end "
        f"in {drawn:.1f} s (the page's first view is in the fresh server process below)"
    )
    return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``runnotes serve`` on the store in ``home`` (a free loopback port), once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNOTES_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "runnotes", "serve", "--port", str(port)],
        env={**env, "RUNNOTES_HOME": str(home)},
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(base + "/api/projects", timeout=60)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, base


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): what a request costs the server, which a
    loaded machine inflates far less than wall-clock latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    client: httpx.Client, url: str, n: int, pid: int
) -> tuple[float, float, list[float], float]:
    """The first request's time and server CPU milliseconds (the first view in this server
    process: stored charts are read, others computed), ``n`` more, and the server's CPU
    milliseconds per request over those ``n``."""
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    client.get(url).raise_for_status()
    first = (time.perf_counter() - start) * 1000
    first_cpu = (cpu_seconds(pid) - cpu) * 1000
    for _ in range(4):
        client.get(url).raise_for_status()
    times = []
    cpu = cpu_seconds(pid)
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return first, first_cpu, times, (cpu_seconds(pid) - cpu) * 1000 / n


def live_refresh(client: httpx.Client, home: Path, run_id: int, steps: int, n: int) -> None:
    """A training still running: 100 new steps of every metric (one flush), then the page
    reloaded. New values only append, so the server adds them to the cached buckets."""
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.runs import add_metric_rows

    store = open_store(load_settings(home))
    times = []
    try:
        for i in range(n):
            first = steps + i * 100
            add_metric_rows(
                store,
                [
                    (run_id, "metric", "sdk", f"m{m}", 1 / (1 + step), step, 0, "approved", None)
                    for step in range(first, first + 100)
                    for m in range(BIG_METRICS)
                ],
            )
            start = time.perf_counter()
            client.get(f"/runs/{run_id}").raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        store.close()
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
    print(
        f"1M-value run page right after 1 000 new values (a live run), {n} times: "
        f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--captures", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--big-runs", type=int, default=5)
    parser.add_argument("--big-steps", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="runnotes-web-bench-") as tmp:
        home = Path(tmp) / "home"
        start = time.perf_counter()
        ids = build_store(home, args.runs, args.captures)
        big = add_big_runs(home, args.big_runs, args.big_steps) if args.big_runs else []
        print(f"built in {time.perf_counter() - start:.1f} s")
        server, base = start_server(home)
        try:
            with httpx.Client(base_url=base, timeout=900) as client:
                middle = ids[len(ids) // 2]
                pages = [
                    ("runs list, first page (HTML)", "/runs", TARGET_P95_MS),
                    ("runs list, filtered page (HTML)", f"/runs?where={WHERE}", TARGET_P95_MS),
                    ("run page (HTML)", f"/runs/{middle}", TARGET_P95_MS),
                    ("runs list, first page (JSON)", "/api/runs", TARGET_P95_MS),
                    ("runs list, filtered (JSON)", f"/api/runs?where={WHERE}", TARGET_P95_MS),
                    ("filtered + exact count (JSON)", f"/api/runs?where={WHERE}&count=1", 0.0),
                    ("run detail (JSON)", f"/api/runs/{middle}", TARGET_P95_MS),
                ]
                if big:
                    compare = "&".join(f"run={i}" for i in big)
                    pages += [
                        ("1M-value run page (HTML)", f"/runs/{big[0]}", BIG_TARGET_P95_MS),
                        ("1M-value run (JSON)", f"/api/runs/{big[0]}", BIG_TARGET_P95_MS),
                        (
                            "1M run, one metric, 1000 pts (JSON)",
                            f"/api/runs/{big[0]}/metrics/m0?points=1000",
                            BIG_TARGET_P95_MS,
                        ),
                        (
                            "1M run, one metric, keyset page (JSON)",
                            f"/api/runs/{big[0]}/metrics/m0?limit=1000&after=500000",
                            BIG_TARGET_P95_MS,
                        ),
                        (
                            f"compare {len(big)} × 1M (HTML)",
                            f"/compare?{compare}",
                            BIG_TARGET_P95_MS,
                        ),
                        (
                            f"compare {len(big)} × 1M (JSON)",
                            f"/api/compare?{compare}",
                            BIG_TARGET_P95_MS,
                        ),
                    ]
                print(
                    f"\n{'page':38} {'first ms':>9} {'(cpu)':>6} {'p50 ms':>8} {'p95 ms':>8}"
                    f" {'p95/target':>11} {'cpu ms/req':>11}"
                )
                for label, url, target in pages:
                    first, first_cpu, times, cpu = timed(client, url, args.requests, server.pid)
                    p50 = statistics.median(times)
                    p95 = statistics.quantiles(times, n=20)[-1]
                    ratio = f"{p95 / target:10.2f}x" if target else "         —"
                    print(
                        f"{label:38} {first:9.1f} {first_cpu:6.0f} {p50:8.1f} {p95:8.1f} {ratio}"
                        f" {cpu:11.1f}"
                    )
                total = client.get("/api/runs", params={"where": WHERE, "count": 1}).json()["total"]
                print(
                    f"\nfilter matches {total} of {len(ids)} runs; target p95 ≤ "
                    f"{TARGET_P95_MS:.0f} ms on 2 cores ({BIG_TARGET_P95_MS:.0f} ms for the "
                    "million-value pages)"
                )
                if big:
                    size = len(client.get(f"/api/runs/{big[0]}").content)
                    print(f"1M-value run JSON: {size:,} bytes (target < 1 MB)")
                    live_refresh(client, home, big[0], args.big_steps, args.requests // 10)
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
