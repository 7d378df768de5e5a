"""The second attack round (issue 31) against the API and the writers, on SQLite and PostgreSQL:
statuses are an enum in every writer, an ended run's end is final, hostile values answer 4xx
(never 500), and bulk review stays under PostgreSQL's parameter limit."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

import runnotes
from conftest import run_cli
from runnotes.errors import RunnotesError
from runnotes.interop.export import import_jsonl, jsonl_records, select_runs
from runnotes.services.runs import finish_run
from runnotes.store import Store
from runnotes.store.models import Capture, Run
from runnotes.web.app import create_app
from runnotes.web.security import FREE_GUESSES, Guard, Throttle
from web.seed import seed

HOSTILE_STATUS = "ok | <img src=https://attacker.example/p.png>"


@pytest.fixture
def api(any_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(any_store), raise_server_exceptions=False) as client:
        yield client


def _row(store: Store, run_id: int) -> Run:
    with store.read() as session:
        row = session.get(Run, run_id)
        assert row is not None
        session.expunge(row)
        return row


def _started(api: TestClient) -> int:
    return int(api.post("/api/runs", json={"name": "r", "experiment": "e"}).json()["id"])


# -- 1 and 4: statuses are an enum; an end is final ------------------------------------------------


def test_sdk_refuses_a_free_text_status(store: Store) -> None:
    run = runnotes.start_run("r", experiment="e", store=store)
    with pytest.raises(RunnotesError, match="status must be one of ok, failed, killed"):
        run.end(status=HOSTILE_STATUS)
    assert _row(store, run.id).status == "running"
    run.end("ok")
    assert _row(store, run.id).status == "ok"


def test_team_end_refuses_a_free_text_status(api: TestClient, any_store: Store) -> None:
    run_id = _started(api)
    answer = api.post(f"/api/runs/{run_id}/end", json={"status": HOSTILE_STATUS})
    assert answer.status_code == 400, answer.text
    assert _row(any_store, run_id).status == "running"


def test_team_end_of_an_ended_run_is_refused(api: TestClient, any_store: Store) -> None:
    run_id = _started(api)
    assert api.post(f"/api/runs/{run_id}/end", json={"status": "ok", "exit_code": 0}).is_success
    before = _row(any_store, run_id)
    again = api.post(f"/api/runs/{run_id}/end", json={"status": "failed", "exit_code": 137})
    assert again.status_code == 409 and "has already ended: ok" in again.json()["detail"]
    retried = api.post(f"/api/runs/{run_id}/end", json={"status": "ok", "exit_code": 0})
    assert retried.is_success  # the same end sent twice (a retried request) changes nothing
    after = _row(any_store, run_id)
    assert (after.status, after.exit_code, after.ended_at) == ("ok", 0, before.ended_at)


def test_sdk_end_after_run_end_keeps_the_first_end(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    run = runnotes.start_run("r", experiment="e", store=store)
    finish_run(store, run.id, "killed", None)  # what `runnotes run end` in another terminal does
    ended_at = _row(store, run.id).ended_at
    with caplog.at_level(logging.WARNING):
        run.end("ok")
    row = _row(store, run.id)
    assert (row.status, row.ended_at) == ("killed", ended_at)
    assert "has already ended: killed" in caplog.text


def test_import_refuses_a_free_text_status_and_keeps_an_end(store: Store, tmp_path) -> None:
    run = runnotes.start_run("r", experiment="e", store=store)
    run.end("ok")
    record = next(jsonl_records(store, select_runs(store)))
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps({**record, "run": {**record["run"], "status": HOSTILE_STATUS}}))
    with pytest.raises(RunnotesError, match="unknown status"):
        import_jsonl(store, path)
    path.write_text(json.dumps(record))
    (copy,) = import_jsonl(store, path).run_ids
    ended_at = _row(store, copy).ended_at
    later = {**record["run"], "status": "failed", "ended_at": ended_at + 60}
    path.write_text(json.dumps({**record, "run": later}))  # the same run again, ended otherwise
    assert import_jsonl(store, path).run_ids == [copy]
    row = _row(store, copy)
    assert (row.status, row.ended_at) == ("ok", ended_at)


# -- 5: every field is checked before the database: 4xx, never 500 --------------------------------

BIG = 2**70
NUL = "a\x00b"
MEGA = "t" * (1 << 20)
# One valid body per JSON or form route that takes one; the sweep makes each field hostile in turn
# (a route added without a body here fails test_every_route_has_a_sample).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/runs"): {
        "name": "n",
        "experiment": "e",
        "project": "p",
        "tags": ["t"],
        "context": {"command": "python x.py", "cwd": "/w"},
    },
    ("POST", "/api/runs/{run_id}/captures"): {
        "captures": [
            {
                "kind": "note",
                "text": "x",
                "name": "n",
                "step": 1,
                "timestamp": 1.0,
                "parent_id": 1,
                "extra": {"rows": 1},
                "value": 1.0,
            }
        ]
    },
    ("POST", "/api/runs/{run_id}/metrics"): {"rows": [["loss", 1.0, 1, 1.0]]},
    ("POST", "/api/runs/{run_id}/end"): {"status": "ok", "exit_code": 0},
    ("POST", "/api/runs/{run_id}/dataset-change"): {"fingerprint": {"path": "/d/x.csv"}},
    ("POST", "/api/runs/{run_id}/goal"): {"text": "goal"},
    ("POST", "/api/runs/{run_id}/tags"): {"tags": ["t"]},
    ("POST", "/api/captures/{capture_id}/review"): {"review": "approved"},
    ("POST", "/api/captures/{capture_id}"): {"name": "n", "text": "t", "value": 1.0},
    ("POST", "/api/review"): {"ids": [1], "review": "approved"},
    ("POST", "/api/runs/target"): {"ref": "1"},
    ("POST", "/api/runs/end"): {"ref": "1", "status": "ok"},
    ("POST", "/api/runs/{run_id}/command"): {"context": {"command": "python x.py"}, "exit_code": 0},
    ("POST", "/api/likes/check"): {"run_id": 1, "name": "val_acc", "value": "0.9"},
}


def _hostile(value: Any) -> list[Any]:
    """Hostile stand-ins for one value of this type."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [BIG, -BIG, NUL]
    if isinstance(value, str):
        return [NUL, MEGA, BIG]
    return [None]


def _variants(body: Any) -> Iterator[Any]:
    """``body`` with one leaf made hostile, or one unknown key added, at a time."""
    if isinstance(body, dict):
        yield {**body, "zz_unknown\x00": NUL}
        for key, value in body.items():
            for bad in _variants(value):
                yield {**body, key: bad}
    elif isinstance(body, list):
        for i, value in enumerate(body):
            for bad in _variants(value):
                yield [*body[:i], bad, *body[i + 1 :]]
    else:
        yield from _hostile(body)


def _routes(app: Any) -> list[Any]:
    """Every route of the app (FastAPI >= 0.16x keeps included routers as one entry each)."""
    from fastapi.routing import APIRoute

    found, todo = [], list(app.routes)
    while todo:
        route = todo.pop()
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "include_context"):
            todo += route.include_context.included_router.routes
    assert len(found) > 30
    return found


def test_every_route_has_a_sample(api: TestClient) -> None:
    json_posts = {
        (m, r.path)
        for r in _routes(api.app)
        for m in r.methods
        if r.path.startswith("/api/") and r.dependant.body_params and m == "POST"
    }
    json_posts -= {("POST", "/api/media")}  # a file upload: its fields are a name and a type
    assert json_posts <= BODIES.keys(), json_posts - BODIES.keys()


def _filled(path: str, values: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), path)


@pytest.mark.slow
def test_hostile_fields_answer_4xx(api: TestClient, any_store: Store) -> None:
    """Every path and query parameter of every GET and API route, every field of every JSON
    body: one hostile value at a time (2**70, NUL, 1 MB, unknown keys). No 500."""
    seeded = seed(any_store)
    ids = {"run_id": seeded.tuned, "capture_id": seeded.pending_metric, "ref": seeded.tuned}
    failures = []

    def call(method: str, path: str, **kwargs: Any) -> None:
        answer = api.request(method, path, **kwargs)
        if answer.status_code >= 500:
            failures.append(f"{method} {path} {str(kwargs)[:160]}: {answer.status_code}")

    for route in _routes(api.app):
        methods = route.methods & {"GET", "POST"}
        path_names = [p.name for p in route.dependant.path_params]
        good_path = {n: ids.get(n, "loss") for n in path_names}
        for method in methods:
            body = BODIES.get((method, route.path))
            if method == "POST" and body is None:
                continue  # forms and actions: the page tests cover them
            url = _filled(route.path, good_path)
            for name in path_names:
                for bad in (BIG, NUL.replace("\x00", "%00")):
                    call(method, _filled(route.path, {**good_path, name: bad}), json=body)
            for param in route.dependant.query_params:
                for bad in (BIG, -BIG, NUL, MEGA[:20000], "99999999999999999999999999"):
                    call(method, url, params={param.alias: bad}, json=body)
            if body is not None:
                for bad in _variants(body):
                    call(method, url, json=bad)
    assert not failures, "\n".join(failures)


# -- 6: bulk review under PostgreSQL's parameter limit ---------------------------------------------


@pytest.mark.slow
def test_bulk_review_of_100000_captures(api: TestClient, any_store: Store) -> None:
    run = runnotes.start_run("r", experiment="e", store=any_store)
    # Notes, inserted in bulk (fast). Reviewing metric values instead bumps the run's
    # series_version once per row (trigger of migration 0008): quadratic on PostgreSQL.
    note = {"run_id": run.id, "kind": "note", "source": "sdk", "name": "n", "value": 1.0}
    rows = [{**note, "step": i, "timestamp": 1.0, "review": "pending"} for i in range(100_000)]
    with any_store.write_conn() as conn:
        conn.execute(Capture.__table__.insert(), rows)  # type: ignore[attr-defined]
    run.end("ok")
    with any_store.read() as session:
        ids = list(session.exec(select(Capture.id).where(Capture.run_id == run.id)))
    answer = api.post("/api/review", json={"ids": ids, "review": "approved"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 100_000 and answer.json()["pending"] == 0
    missing = api.post("/api/review", json={"ids": [*ids, 10**9], "review": "rejected"})
    assert missing.status_code == 400 and "no capture with id 1000000000" in missing.text
    with any_store.read() as session:
        rejected = session.exec(select(func.count()).where(Capture.review == "rejected")).one()
    assert rejected == 0  # all or nothing


# -- 10: guessing the token is slow; the token stays off the command line --------------------------


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_tokens_slow_the_client_down(store: Store) -> None:
    clock = Clock()
    app = create_app(store, Guard(token="right", throttle=Throttle(clock=clock)))
    guesser = TestClient(app, client=("10.0.0.1", 1), follow_redirects=False)
    other = TestClient(app, client=("10.0.0.2", 1), follow_redirects=False)
    for guess in range(FREE_GUESSES):
        assert guesser.post("/login", data={"token": f"g{guess}"}).status_code == 401
    slowed = guesser.post("/login", data={"token": "right"})  # not even compared now
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    bearer = guesser.get("/api/runs", headers={"Authorization": "Bearer right"})
    assert bearer.status_code == 429  # the API's header is the same door
    assert other.post("/login", data={"token": "right"}).status_code == 303  # per client
    clock.now += 1.5
    assert guesser.get("/api/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guesser.post("/login", data={"token": "right"}).headers["retry-after"] == "2"
    clock.now += 2.5
    assert guesser.post("/login", data={"token": "right"}).status_code == 303
    assert guesser.get("/api/runs", headers={"Authorization": "Bearer right"}).is_success


def test_token_on_the_command_line_warns_and_a_token_file_is_read(tmp_path) -> None:
    shown = run_cli("serve", "--host", "0.0.0.0", "--port", "0", "--token", "T", check=False)
    assert "warning: --token on the command line is visible" in shown.stderr
    hidden = run_cli(
        "serve", "--host", "0.0.0.0", "--port", "0", check=False, env={"RUNNOTES_TOKEN": "T"}
    )
    assert "warning" not in hidden.stderr and "--port must be between" in hidden.stderr
    secret = tmp_path / "token"
    secret.write_text("from-a-file\n")
    filed = run_cli(
        "serve", "--host", "0.0.0.0", "--port", "0", "--token-file", str(secret), check=False
    )
    assert "needs a token" not in filed.stderr and "--port must be between" in filed.stderr
    missing = run_cli("serve", "--token-file", str(tmp_path / "nope"), check=False)
    assert missing.stderr.startswith("runnotes: error: cannot read the token file")
