"""Team mode under load and hostile input (issue 16, items 1 and 4): NaN in a metric batch,
16 clients creating the same project at once, and a server error that must not cost the next
valid capture."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from runnotes.backend.remote import Client
from runnotes.store import Store
from runnotes.web.app import create_app
from web.seed import served

pytestmark = pytest.mark.slow

DIVERGING = textwrap.dedent("""
    import math, runnotes
    with runnotes.start_run("diverged", experiment="team-nan") as run:
        for step in range(100):
            loss = math.nan if step % 3 == 1 else (math.inf if step % 3 == 2 else 1 / (step + 1))
            run.log_metrics({"loss": loss, "grad_norm": -math.inf, "acc": step / 100}, step=step)
        run.like("val_loss", float("nan"))
    print(run.id)
""")


def _server_env(backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    return {"RUNNOTES_DB": request.getfixturevalue("pg_url")} if backend == "postgres" else {}


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_and_inf_in_a_team_batch_are_stored(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve, home: Path
) -> None:
    server = serve(env=_server_env(backend, request), log_dir=tmp_path)
    script = tmp_path / "diverging.py"
    script.write_text(DIVERGING)
    env = {**os.environ, "RUNNOTES_SERVER": server.url, "RUNNOTES_HOME": str(tmp_path / "laptop")}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    detail = httpx.get(f"{server.url}/api/runs/{int(done.stdout.split()[-1])}").json()
    assert detail["status"] == "ok"
    metrics = [
        {**value, "name": name}
        for name, url in detail["series"].items()
        for value in httpx.get(f"{server.url}{url}?limit=10000").json()["values"]
    ]
    assert len(metrics) == 301  # 3 × 100 logged + the like: nothing lost
    losses = {c["step"]: c for c in metrics if c["name"] == "loss"}
    assert losses[1]["text"] == "nan" and losses[2]["value"] == "Infinity"
    assert losses[3]["value"] == 0.25
    assert {c["text"] for c in metrics if c["name"] == "grad_norm"} == {"-inf"}
    assert "run" in httpx.get(f"{server.url}/runs/{detail['id']}").text  # the page renders


@pytest.mark.postgres
def test_16_clients_creating_the_same_project_at_once(
    tmp_path: Path, serve, pg_url: str, home: Path
) -> None:
    server = serve(env={"RUNNOTES_DB": pg_url}, log_dir=tmp_path)
    clients = [Client(server.url) for _ in range(16)]
    errors: list[str] = []
    for round_ in range(3):  # three fresh projects, each created by 16 clients at once
        barrier = threading.Barrier(len(clients))

        def start(i: int, client: Client, round_: int = round_, barrier=barrier) -> None:
            barrier.wait()
            try:
                client.post(
                    "/api/runs",
                    {"name": f"r{round_}-{i}", "project": f"p{round_}", "experiment": "e"},
                )
            except Exception as exc:  # noqa: BLE001 - counted below
                errors.append(str(exc))

        threads = [threading.Thread(target=start, args=(i, c)) for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    listed = httpx.get(f"{server.url}/api/runs", params={"limit": 100}).json()["runs"]
    assert len(listed) == 48
    assert {(r["project"], r["experiment"]) for r in listed} == {(f"p{i}", "e") for i in range(3)}


@pytest.fixture
def live_app(store: Store):  # type: ignore[no-untyped-def]
    """The real app under uvicorn (in a thread), plus a route that fails like a bug would."""
    app = create_app(store)

    @app.post("/api/boom")
    def boom() -> None:
        raise ZeroDivisionError("a bug in a handler")

    with served(app) as url:
        yield url


def test_a_500_keeps_the_connection_and_the_next_capture_is_stored(live_app: str) -> None:
    with httpx.Client(base_url=live_app) as http:
        run = http.post("/api/runs", json={"name": "after-a-bug"}).json()
        failed = http.post("/api/boom")
        assert failed.status_code == 500
        assert failed.json()["detail"] == "internal error: ZeroDivisionError: a bug in a handler"
        for body in ("not json", '{"captures": "nope"}'):  # refused bodies, same connection
            bad = http.post(
                f"/api/runs/{run['id']}/captures",
                content=body,
                headers={"content-type": "text/plain"},
            )
            assert 400 <= bad.status_code < 500
        stored = http.post(
            f"/api/runs/{run['id']}/captures",
            json={"captures": [{"kind": "note", "text": "still here", "review": "approved"}]},
        )
        assert stored.status_code == 200
        timeline = http.get(f"/api/runs/{run['id']}/captures").json()["items"]
    assert [c["text"] for c in timeline] == ["still here"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_team_input_is_a_4xx_and_the_next_capture_is_stored(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve, home: Path
) -> None:
    server = serve(env=_server_env(backend, request), log_dir=tmp_path)
    client = Client(server.url)
    run = client.post("/api/runs", {"name": "hostile"})
    captures = f"/api/runs/{run['id']}/captures"
    hostile = [
        ("/api/runs", {"name": "x" * 1_000_000}),
        ("/api/runs", {"name": "nul\x00name"}),
        (captures, {"captures": [{"kind": "note", "text": "a\x00b"}]}),
        (captures, {"captures": [{"kind": "metric", "name": "x", "value": 1, "step": 2**63}]}),
        (captures, {"captures": [{"kind": "note", "text": "far", "timestamp": 1e300}]}),
        (f"/api/runs/{run['id']}/metrics", {"rows": [["loss", 1.0, 2**64, 1.0]]}),
        (f"/api/runs/{run['id']}/dataset-change", {"fingerprint": {}}),
    ]
    for path, body in hostile:
        answer = client.http.post(path, json=body)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])
        assert "\n" not in answer.json()["detail"]
    ids = client.post(
        captures, {"captures": [{"kind": "note", "text": "fine", "review": "approved"}]}
    )
    assert len(ids["ids"]) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_team_servers_new_store_folder_is_user_only(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve, home: Path
) -> None:
    server_home = tmp_path / "server-home"
    env = {**_server_env(backend, request), "RUNNOTES_HOME": str(server_home)}
    server = serve(env=env, log_dir=tmp_path)
    Client(server.url).post("/api/runs", {"name": "r"})
    assert stat.S_IMODE(server_home.stat().st_mode) == 0o700
    assert all(
        stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in server_home.rglob("*") if p.is_file()
    )
