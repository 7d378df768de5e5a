"""Archive, delete, restore (CLI, page, API) and run names that more than one run has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.errors import NotFound
from runnotes.store import Store
from runnotes.store.lifecycle import change_runs
from runnotes.store.queries import RunFilter, list_runs
from runnotes.store.runs import create_run, end_run


def _listed(*args: str) -> list[str]:
    return [r["name"] for r in json.loads(run_cli("runs", "list", "--json", *args).stdout)]


def test_archive_delete_restore_and_ambiguous_names_in_the_cli(home: Path) -> None:
    for name in ("a", "b", "b"):
        run_cli("run", "start", name)
        run_cli("run", "end")
    # A name two runs share is an error that names both, wherever a RUN is taken.
    for args in (["runs", "show", "b"], ["like", "x=1", "--run", "b"], ["runs", "archive", "b"]):
        done = run_cli(*args, check=False)
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("runnotes: error: 2 runs are named 'b', give an id: 3 (ok,")
        assert "; 2 (ok," in done.stderr
    assert run_cli("runs", "show", "a").returncode == 0  # a unique name still works

    assert run_cli("runs", "archive", "a").stdout.strip() == "archived run 1 (a)"
    assert run_cli("runs", "delete", "2").stdout.strip() == "deleted run 2 (b)"
    assert _listed() == ["b"]
    assert _listed("--show", "archived") == ["a"]
    assert _listed("--show", "deleted") == ["b"]
    assert _listed("--show", "all") == ["b", "b", "a"]
    assert "ok, archived" in run_cli("runs", "show", "1").stdout
    run_cli("runs", "restore", "1", "2")
    assert _listed() == ["b", "b", "a"]
    done = run_cli("runs", "list", "--show", "gone", check=False)
    assert done.stderr.strip() == (
        "runnotes: error: show must be one of active, archived, deleted, kept, all, not 'gone'"
    )


def test_one_bad_reference_changes_nothing(store: Store) -> None:
    run = create_run(store, "kept")
    end_run(store, run.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="no run 'missing'"):
        change_runs(store, [run.id, "missing"], "delete")  # type: ignore[list-item]
    assert [r.name for r in list_runs(store)] == ["kept"]


def test_archive_and_restore_on_the_page_and_the_api(store: Store) -> None:
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    first, second = (create_run(store, name, experiment="e") for name in ("first", "second"))
    with TestClient(create_app(store)) as client:
        csrf = client.app.state.guard.csrf_token()
        assert 'value="archive"' in client.get(f"/runs/{first.id}").text
        answer = client.post(
            f"/runs/{first.id}/lifecycle", data={"action": "archive", "csrf": csrf}
        )
        assert answer.status_code == 200 and 'value="restore"' in answer.text  # redirected back
        assert "running, archived" in answer.text
        assert client.post(f"/api/runs/{second.id}/delete").json()["action"] == "delete"
        names = [r["name"] for r in client.get("/api/runs").json()["runs"]]
        assert names == []
        shown = client.get("/api/runs", params={"show": "all"}).json()["runs"]
        assert [(r["name"], bool(r["archived_at"]), bool(r["deleted_at"])) for r in shown] == [
            ("second", False, True),
            ("first", True, False),
        ]
        page = client.get("/runs", params={"show": "archived"}).text
        assert f'href="/runs/{first.id}"' in page and f'href="/runs/{second.id}"' not in page
        assert client.post(f"/api/runs/{second.id}/restore").status_code == 200
        assert client.post("/api/runs/999/restore").status_code == 404
        forged = client.post(f"/runs/{first.id}/lifecycle", data={"action": "delete", "csrf": "x"})
        assert forged.status_code == 400
    assert [r.name for r in list_runs(store, RunFilter())] == ["second"]


def test_export_keeps_archived_runs_and_named_deleted_ones(home: Path) -> None:
    for name in ("kept", "archived", "deleted"):
        run_cli("run", "start", name)
        run_cli("run", "end")
    run_cli("runs", "archive", "archived")
    run_cli("runs", "delete", "deleted")

    def exported(*args: str) -> list[str]:
        lines = run_cli("export", "--format", "jsonl", *args).stdout.splitlines()
        return [json.loads(line)["run"]["name"] for line in lines]

    assert exported() == ["kept", "archived"]
    assert exported("--run", "deleted") == ["deleted"]
