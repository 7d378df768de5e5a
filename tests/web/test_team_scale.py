"""The team server at scale (issue 28, item 3): several worker processes with nothing that must
live in one, and batches stored exactly once however often a client has to send them."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

import runnotes
from runnotes.backend.remote import Client, RemoteBackend
from runnotes.cli.serve import HEALTHCHECK_S
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.store import Store
from runnotes.store.db import open_store
from runnotes.store.models import Kind, Review
from runnotes.store.runs import NewCapture, add_metric_rows, create_run
from runnotes.web.app import create_app
from web.seed import served


class AnswerLost(httpx.BaseTransport):
    """Sends each request on, then loses the answer of the first ``lose`` ones whose path ends
    with one of ``paths``: the server committed, the client saw a reset (a killed worker)."""

    def __init__(self, lose: int, paths: tuple[str, ...]) -> None:
        self.inner, self.lose, self.paths, self.sent = httpx.HTTPTransport(), lose, paths, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith(self.paths) and self.lose > 0:
            response.read()
            self.lose -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        self.sent += 1
        return response


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def either(request: pytest.FixtureRequest, home: Path) -> Iterator[Store]:
    """A store on SQLite, then on PostgreSQL."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgres" else None
    opened = open_store(load_settings(home, url))
    yield opened
    opened.close()


@pytest.fixture
def live(either: Store) -> Iterator[str]:
    with served(create_app(either)) as url:
        yield url


def _counts(store: Store, run_id: int) -> tuple[int, int, int]:
    """(metric values, distinct (name, step) of them, likes) stored for ``run_id``: the values
    in the narrow table of logged points, the likes in the capture table."""
    with store.engine.connect() as conn:
        values, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT name_id || ':' || step) "
                "FROM series_point WHERE run_id = :r"
            ),
            {"r": run_id},
        ).one()
        likes = conn.execute(
            text("SELECT count(*) FROM capture WHERE run_id = :r AND kind = 'metric' AND liked"),
            {"r": run_id},
        ).scalar_one()
    return int(values), int(distinct), int(likes)


def test_a_batch_whose_answer_was_lost_is_stored_once(either: Store, live: str) -> None:
    store = either
    transport = AnswerLost(lose=2, paths=("/metrics", "/captures"))
    backend = RemoteBackend(Client(live, transport=transport))
    run_id = Client(live).post("/api/runs", {"name": "lossy"})["id"]
    now = time.time()
    rows = [
        (run_id, "metric", "sdk", "loss", 1 / (s + 1), s, now + s, "approved", None)
        for s in range(500)
    ]
    backend.write_metrics(run_id, rows)  # the answer is lost once: retried with its key
    like = NewCapture(
        kind=Kind.metric, name="val_acc", value=0.9, liked=True, review=Review.approved
    )
    ids = backend.add_captures(run_id, [like])  # likewise
    assert transport.lose == 0
    assert _counts(store, run_id) == (500, 500, 1)
    backend.write_metrics(run_id, rows)  # the SDK resending the same batch later: a repeat
    assert _counts(store, run_id) == (500, 500, 1)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM capture WHERE liked")).scalars().all() == ids


def test_a_repeated_key_answers_as_the_first_time_and_a_bad_key_is_refused(live: str) -> None:
    with httpx.Client(base_url=live) as http:
        run_id = http.post("/api/runs", json={"name": "keys"}).json()["id"]
        body = {"captures": [{"kind": "note", "text": "once", "review": "approved"}]}
        headers = {"Idempotency-Key": "note-0001-abcdef"}
        first = http.post(f"/api/runs/{run_id}/captures", json=body, headers=headers).json()
        again = http.post(f"/api/runs/{run_id}/captures", json=body, headers=headers).json()
        assert first == again
        bad = http.post(
            f"/api/runs/{run_id}/captures", json=body, headers={"Idempotency-Key": "a b"}
        )
        assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["detail"]
        items = http.get(f"/api/runs/{run_id}/captures").json()["items"]
    assert [i["text"] for i in items] == ["once"]


def test_one_key_sent_by_many_at_once_is_stored_once(either: Store) -> None:
    run_id = create_run(either, "racing").id
    now = time.time()
    rows = [(run_id, "metric", "sdk", "m", s / 7, s, now, "approved", None) for s in range(300)]
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait(30)
        add_metric_rows(either, rows, key="same-key-for-all")

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert _counts(either, run_id) == (300, 300, 0)


def _workers(parent: int) -> set[int]:
    """The worker processes of a ``serve --workers`` parent (multiprocessing children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z" and b"resource_tracker" not in cmdline:
            found.add(int(entry.name))
    return found


CLIENTS = 16
BATCHES = 12
BATCH = 400  # values per flush: 16 × 12 × 400 = 76 800 values


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_killed_under_16_clients_loses_and_duplicates_nothing(
    tmp_path: Path,
    serve,
    pg_url: str,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="runnotes.backend.remote")  # its retries
    server = serve("--workers", "2", env={"RUNNOTES_DB": pg_url}, log_dir=tmp_path)
    monkeypatch.setenv("RUNNOTES_SERVER", server.url)
    monkeypatch.setenv("RUNNOTES_HOME", str(tmp_path / "laptop"))
    deadline = time.monotonic() + 30
    while len(_workers(server.process.pid)) < 2:
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.2)
    acked: dict[int, tuple[int, int]] = {}  # run id → (values, likes) acknowledged
    errors: list[str] = []
    halfway = threading.Barrier(CLIENTS + 1)
    # the kill waits for the first flush after the barrier to be answered: the other clients'
    # flushes, sent at the same moment, are then in flight (killed at once, before any was
    # sent, it could cut none: a server that answers fast left nothing to retry)
    first_answered = threading.Event()

    def client(index: int) -> None:
        run = runnotes.start_run(f"client-{index}", experiment="kill")
        for batch in range(BATCHES):
            if batch == BATCHES // 3:
                halfway.wait(60)  # the worker is killed now, with every client in mid-run
            for step in range(batch * BATCH // 4, (batch + 1) * BATCH // 4):
                run.log_metrics({f"m{k}": step / (k + 1) for k in range(4)}, step=step)
            for attempt in range(60):  # a training script's flush timer retries the same way
                try:
                    run.flush()
                    if batch == BATCHES // 3:
                        first_answered.set()
                    break
                except RunnotesError as exc:
                    if attempt == 59:
                        errors.append(str(exc))
                    time.sleep(0.5)
            else:
                return
            run.like("val_acc", batch / BATCHES, step=batch)
            acked[run.id] = ((batch + 1) * BATCH, batch + 1)  # (values, likes) stored so far
        run.end()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    halfway.wait(120)
    assert first_answered.wait(60), "no flush was answered after the barrier"
    before = _workers(server.process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    for thread in threads:
        thread.join(120)
    assert not errors and len(acked) == CLIENTS
    retried = [r for r in caplog.records if r.getMessage().endswith("retrying")]
    assert retried  # the kill cut requests in flight: their clients sent them again
    # uvicorn's supervisor pings the live workers before it replaces a dead one, waiting up to
    # the server's health-check time for each answer (a busy worker's can take that long)
    deadline = time.monotonic() + HEALTHCHECK_S + 30
    while victim in (now := _workers(server.process.pid)) or len(now) < 2:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.2)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT run_id, p.n, p.d, coalesce(l.n, 0) FROM (SELECT run_id, count(*) AS n, "
                    "count(DISTINCT name_id || ':' || step) AS d FROM series_point "
                    "GROUP BY run_id) p LEFT JOIN (SELECT run_id, count(*) AS n FROM capture "
                    "WHERE kind = 'metric' AND liked GROUP BY run_id) l USING (run_id)"
                )
            ).all()
    finally:
        engine.dispose()
    stored = {run_id: (values, likes) for run_id, values, _, likes in rows}
    assert stored == acked  # every acknowledged value and like, once
    assert all(values == distinct for _, values, distinct, _ in rows)  # no step stored twice


def test_guesses_spread_over_workers_are_counted_together(either: Store) -> None:
    from fastapi.testclient import TestClient

    from runnotes.web.security import FREE_GUESSES
    from runnotes.web.worker import ServeSpec, build

    spec = ServeSpec.make(either.settings, "127.0.0.1", "right")
    workers = [
        TestClient(build(spec, either), base_url="http://127.0.0.1", client=("10.0.0.9", 1))
        for _ in range(2)
    ]
    assert len({w.app.state.guard.csrf_token() for w in workers}) == 1  # forms work on either
    for guess in range(FREE_GUESSES):
        wrong = {"Authorization": f"Bearer guess-{guess}"}
        assert workers[guess % 2].get("/api/runs", headers=wrong).status_code == 401
    for worker in workers:  # the next try waits, whichever worker it reaches
        answer = worker.get("/api/runs", headers={"Authorization": "Bearer right"})
        assert answer.status_code == 429


def test_a_server_takes_as_many_requests_at_once_as_it_has_store_connections(
    store: Store,
) -> None:
    """With Starlette's 40 threads and 15 pooled connections, 64 clients made requests wait
    30 s for a connection and answer 500 (the team benchmark, 2026-12-06): one thread per
    connection makes a burst queue instead."""
    from anyio.to_thread import current_default_thread_limiter
    from fastapi.testclient import TestClient

    from runnotes.store.db import POOL_CONNECTIONS

    with TestClient(create_app(store)) as client:  # the app's lifespan has run
        tokens = client.portal.call(lambda: current_default_thread_limiter().total_tokens)  # type: ignore[union-attr]
    assert tokens == POOL_CONNECTIONS
    assert store.engine.pool.size() + store.engine.pool._max_overflow == POOL_CONNECTIONS  # type: ignore[attr-defined]
