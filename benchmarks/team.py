"""Team server under load: runnotes' server against MLflow's tracking server, same PostgreSQL.

    .venv/bin/python benchmarks/team.py [--quick] [--clients 4,16,64] [--seconds 20]
        [--workers 2] [--pg postgresql+psycopg://postgres@127.0.0.1:55432/postgres]

Each side gets its own new database on the same PostgreSQL server and its own server processes
(``mlflow server --backend-store-uri … --workers W`` and ``runnotes serve --workers W``). For
each number of clients, both sides in turn get that many client threads in this process, each
with its own run, for the same number of seconds. A client logs metric values in batches as its
peer's client does (MLflow: ``MlflowClient.log_batch`` of 1 000 metrics, the most one call takes;
runnotes: the SDK against the server, ``run.log_metric`` then ``run.flush()`` every
``--batch`` values) and, after every batch, a like and a note (MLflow: a single ``log_metric``
and the run's note tag ``mlflow.note.content``). Printed per side and number of clients:
values/s (acknowledged values over the wall time), p95 latency of each kind of call, errors, and,
after the run, the values found in the database against those acknowledged: lost (acknowledged,
not stored) and, for runnotes, duplicated (one step of one metric stored twice).
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py is named like the standard library's module: keep its folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import functools  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import httpx  # noqa: E402
import psycopg  # noqa: E402

PG = os.environ.get("RUNNOTES_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:55432/postgres")
METRICS = 10  # metric names per run, logged for each step
MLFLOW_BATCH = 1_000  # MLflow's limit of metrics per log_batch
WARM_UP_S = 10.0


@dataclass
class Tally:
    """What one side's clients did: acknowledged values, call latencies, errors."""

    acked: int = 0
    errors: list[str] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ready: threading.Barrier | None = None  # every client set up: the clock starts
    until: float = 0.0
    finished: float = 0.0  # when the last client's last logging call answered

    def done(self) -> None:
        with self.lock:
            self.finished = max(self.finished, time.perf_counter())

    def go(self) -> float:
        """Wait for the other clients; the time this load ends."""
        assert self.ready is not None
        self.ready.wait()
        return self.until

    def timed(self, kind: str, call: Callable[[], object]) -> bool:
        start = time.perf_counter()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - an error is a result here
            with self.lock:
                self.errors.append(f"{kind}: {type(exc).__name__}: {str(exc)[:160]}")
            return False
        with self.lock:
            self.latency.setdefault(kind, []).append(time.perf_counter() - start)
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def new_database(admin: str, name: str) -> str:
    with psycopg.connect(pg_dsn(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(pg_dsn(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"server at {url} did not start: {log.read_text()[-2000:]}")


def start(command: list[str], env: dict[str, str], probe: str, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers stop with it
    )
    wait_up(probe, process, log)
    return process


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def values_for(step: int) -> list[tuple[str, float]]:
    return [(f"metric_{m}", 1.0 / (step + m + 1)) for m in range(METRICS)]


# -- MLflow ------------------------------------------------------------------------------------


def mlflow_client(url: str, experiment: str, index: int, tally: Tally) -> None:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(url)
    run_id = client.create_run(experiment, run_name=f"client-{index}").info.run_id
    with tally.lock:
        tally.runs.append(run_id)
    step, batches = 0, 0
    until = tally.go()
    while time.monotonic() < until:
        now = int(time.time() * 1000)
        metrics = []
        while len(metrics) < MLFLOW_BATCH:
            metrics += [Metric(k, v, now, step) for k, v in values_for(step)]
            step += 1
        if tally.timed("batch", functools.partial(client.log_batch, run_id, metrics=metrics)):
            with tally.lock:
                tally.acked += len(metrics)
        batches += 1
        like = functools.partial(client.log_metric, run_id, "val_acc", 0.9, step=step)
        tally.timed("like", like)
        note = functools.partial(client.set_tag, run_id, "mlflow.note.content", f"{batches}")
        tally.timed("note", note)
    tally.done()
    client.set_terminated(run_id)


def mlflow_stored(db_url: str, runs: list[str]) -> tuple[int, int, int]:
    """(metric values stored for ``runs``, duplicates, likes): MLflow's key makes duplicates 0."""
    with psycopg.connect(pg_dsn(db_url)) as conn:
        values, likes = conn.execute(
            "SELECT count(*) FILTER (WHERE key LIKE 'metric_%%'), "
            "count(*) FILTER (WHERE key = 'val_acc') FROM metrics WHERE run_uuid = ANY(%s)",
            (runs,),
        ).fetchone()  # type: ignore[misc]
    return int(values), 0, int(likes)


# -- runnotes ----------------------------------------------------------------------------------


def runnotes_client(batch: int, experiment: str, index: int, tally: Tally) -> None:
    import runnotes

    run = runnotes.start_run(f"client-{index}", experiment=experiment)
    with tally.lock:
        tally.runs.append(str(run.id))
    step, batches, logged, acked = 0, 0, 0, 0
    until = tally.go()
    while time.monotonic() < until:
        while logged < (batches + 1) * batch:
            for key, value in values_for(step):
                run.log_metric(key, value, step)
            step += 1
            logged += METRICS
        if tally.timed("batch", run.flush):  # returned: every value logged so far is stored
            with tally.lock:
                tally.acked += logged - acked
            acked = logged
        batches += 1
        tally.timed("like", functools.partial(run.like, "val_acc", 0.9, step=step))
        tally.timed("note", functools.partial(run.note, f"note {batches}: lr looks fine"))
    tally.done()
    run.end()


def runnotes_stored(db_url: str, runs: list[str]) -> tuple[int, int, int]:
    """(metric values the SDK logged stored for ``runs``, values stored twice, likes)."""
    ids = [int(r) for r in runs]
    with psycopg.connect(pg_dsn(db_url)) as conn:
        logged = (  # the SDK's values live in the narrow table of logged points
            "FROM series_point p JOIN series_name n ON n.id = p.name_id "
            "WHERE p.run_id = ANY(%s) AND n.name LIKE 'metric_%%'"
        )
        count, distinct, likes = conn.execute(
            f"SELECT (SELECT count(*) {logged}), "
            f"(SELECT count(DISTINCT (p.run_id, p.name_id, p.step)) {logged}), "
            "(SELECT count(*) FROM capture WHERE run_id = ANY(%s) AND kind = 'metric' AND liked)",
            (ids, ids, ids),
        ).fetchone()  # type: ignore[misc]
    return int(count), int(count) - int(distinct), int(likes)


# -- the load ----------------------------------------------------------------------------------


def load(clients: int, seconds: float, client: Callable[[int, Tally], None]) -> tuple[Tally, float]:
    """Start ``clients`` threads; once each has made its run, let them log for ``seconds``.
    Returns the tally and the wall time from that start to the last client's last answer."""
    tally = Tally()

    def start_clock() -> None:  # run once, when every client has arrived, before any goes on
        tally.until = time.monotonic() + seconds

    tally.ready = threading.Barrier(clients + 1, action=start_clock)
    threads = [
        threading.Thread(target=client, args=(i, tally), daemon=True) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    tally.ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return tally, tally.finished - started


def p95(samples: list[float]) -> str:
    if not samples:
        return "-"
    if len(samples) < 2:
        return f"{samples[0] * 1000:.0f}"
    return f"{statistics.quantiles(samples, n=20)[-1] * 1000:.0f}"


def report(
    side: str, clients: int, tally: Tally, wall: float, stored: tuple[int, int, int]
) -> float:
    rate = tally.acked / wall
    liked = len(tally.latency.get("like", []))  # likes acknowledged
    lost = max(0, tally.acked - stored[0]) + max(0, liked - stored[2])
    print(
        f"{side:8} {clients:>3} clients: {rate:>10,.0f} values/s  "
        f"p95 ms batch {p95(tally.latency.get('batch', [])):>5} "
        f"like {p95(tally.latency.get('like', [])):>5} "
        f"note {p95(tally.latency.get('note', [])):>5}  "
        f"calls {sum(map(len, tally.latency.values())):>5}  errors {len(tally.errors)}  "
        f"acknowledged {tally.acked:,} values + {liked} likes, stored {stored[0]:,} + "
        f"{stored[2]}: lost {lost}, duplicated {stored[1]}",
        flush=True,
    )
    for error in tally.errors[:3]:
        print(f"    {error}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 and 16 clients, 8 s each")
    parser.add_argument("--clients", default="4,16,64")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes, each side")
    parser.add_argument("--batch", type=int, default=10_000, help="runnotes values per flush")
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    levels = [4, 16] if args.quick else [int(c) for c in args.clients.split(",")]
    seconds = 8.0 if args.quick else args.seconds
    tag = uuid.uuid4().hex[:8]
    root = Path(tempfile.mkdtemp(prefix="team-bench-"))
    names = {"mlflow": f"bench_mlflow_{tag}", "runnotes": f"bench_runnotes_{tag}"}
    urls = {side: new_database(args.pg, name) for side, name in names.items()}
    servers = []
    try:
        mlflow_port, runnotes_port = free_port(), free_port()
        mlflow_url = f"http://127.0.0.1:{mlflow_port}"
        runnotes_url = f"http://127.0.0.1:{runnotes_port}"
        bin_dir = Path(sys.executable).parent
        servers.append(
            start(
                [str(bin_dir / "mlflow"), "server", "--backend-store-uri", urls["mlflow"]]
                + ["--default-artifact-root", str(root / "artifacts"), "--port"]
                + [str(mlflow_port), "--workers", str(args.workers)],
                {},
                f"{mlflow_url}/health",
                root / "mlflow.log",
            )
        )
        servers.append(
            start(
                [sys.executable, "-m", "runnotes", "serve", "--port", str(runnotes_port)]
                + ["--workers", str(args.workers)],
                {"RUNNOTES_DB": urls["runnotes"], "RUNNOTES_HOME": str(root / "server")},
                f"{runnotes_url}/api/projects",
                root / "runnotes.log",
            )
        )
        os.environ.update(
            MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT="true",
            RUNNOTES_SERVER=runnotes_url,
            RUNNOTES_HOME=str(root / "client"),
            RUNNOTES_DRAFTS_AUTO="false",
        )
        from mlflow.tracking import MlflowClient

        print(
            f"team server load, {args.workers} server processes each, {seconds:.0f} s per "
            f"level; batches: MLflow {MLFLOW_BATCH}, runnotes {args.batch} values; "
            f"load {Path('/proc/loadavg').read_text().split()[:3]}",
            flush=True,
        )
        warm = MlflowClient(mlflow_url).create_experiment("warm-up")
        # Not counted: each server's workers answer their first requests slowly (imports,
        # connections, caches); both sides get the same few seconds before the clock starts.
        load(2 * args.workers, WARM_UP_S, functools.partial(mlflow_client, mlflow_url, warm))
        load(2 * args.workers, WARM_UP_S, functools.partial(runnotes_client, args.batch, "warm-up"))
        for clients in levels:
            experiment = MlflowClient(mlflow_url).create_experiment(f"load-{clients}")
            tally, wall = load(
                clients, seconds, functools.partial(mlflow_client, mlflow_url, experiment)
            )
            peer = report("mlflow", clients, tally, wall, mlflow_stored(urls["mlflow"], tally.runs))
            tally, wall = load(
                clients,
                seconds,
                functools.partial(runnotes_client, args.batch, f"load-{clients}"),
            )
            ours = report(
                "runnotes", clients, tally, wall, runnotes_stored(urls["runnotes"], tally.runs)
            )
            print(f"         {clients:>3} clients: runnotes / MLflow = {ours / peer:.1f}×")
        print(f"load after: {Path('/proc/loadavg').read_text().split()[:3]}")
    finally:
        for server in servers:
            stop(server)
        for name in names.values():
            drop_database(args.pg, name)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
