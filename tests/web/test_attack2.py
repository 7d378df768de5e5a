"""The second attack round (issue 31) against the API and the writers, on SQLite and PostgreSQL:
statuses are an enum in every writer, an ended run's end is final, hostile values answer 4xx
(never 500), and bulk review stays under PostgreSQL's parameter limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import runnotes
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.interop.export import import_jsonl, jsonl_records, select_runs
from runnotes.services.runs import finish_run
from runnotes.store import Store, open_store
from runnotes.store.models import Run
from runnotes.web.app import create_app

HOSTILE_STATUS = "ok | <img src=https://attacker.example/p.png>"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, store: Store) -> Iterator[Store]:
    """The test's SQLite store, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield store
        return
    pg = open_store(load_settings(db_url=request.getfixturevalue("pg_url")))
    try:
        yield pg
    finally:
        pg.close()


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
