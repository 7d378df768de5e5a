"""Draft paths come from names only through a slug, and stay inside the drafts folder; the store
folder and what runnotes writes in it are user-only (issue 16, item 3)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import runnotes
from conftest import run_cli
from runnotes.reports import drafts
from runnotes.store import Store
from runnotes.voice.audio import WavWriter

HOSTILE = ["../../escaped", "/tmp/runnotes-escaped", "..", "a/../../b", "x\x00y", " "]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _everything_inside(root: Path, outside: list[Path]) -> None:
    for path in outside:
        assert not path.exists(), f"a draft escaped to {path}"
    assert root.is_dir()


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_experiment_and_project_names_stay_in_the_drafts_folder(
    store: Store, home: Path, tmp_path: Path, name: str
) -> None:
    with runnotes.start_run("r", experiment=name, project=name, store=store) as run:
        run.like("val_acc", 0.5)
    run_id = run.id
    written = drafts.refresh_experiment(store, _experiment_of(store, run_id))
    root = (home / "drafts").resolve()
    assert written and all(p.resolve().is_relative_to(root) for p in written), written
    _everything_inside(root, [Path("/tmp/runnotes-escaped"), home.parent / "escaped"])
    for path in written:
        assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def _experiment_of(store: Store, run_id: int) -> int:
    from runnotes.store.models import Run

    with store.read() as session:
        return session.get(Run, run_id).experiment_id  # type: ignore[union-attr]


def test_hostile_names_over_the_cli(home: Path) -> None:
    for name in ("../../cli-escaped", "/tmp/runnotes-cli-escaped"):
        run_cli("run", "start", "r", "-e", name, "-p", name)
        run_cli("like", "val_acc=0.5")
        run_cli("run", "end")
        run_cli("drafts", "refresh", "-e", name)
    root = (home / "drafts").resolve()
    assert all(p.resolve().is_relative_to(root) for p in root.rglob("README.md"))
    assert len(list(root.rglob("README.md"))) == 2
    _everything_inside(root, [Path("/tmp/runnotes-cli-escaped"), home.parent / "cli-escaped"])


def test_hostile_names_over_http(store: Store, home: Path) -> None:
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    with TestClient(create_app(store)) as client:
        for name in ("../../http-escaped", "/tmp/runnotes-http-escaped"):
            run = client.post("/api/runs", json={"name": "r", "experiment": name, "project": name})
            assert client.post(f"/api/runs/{run.json()['id']}/end", json={}).status_code == 200
            drafts.refresh_experiment(store, _experiment_of(store, run.json()["id"]))
    root = (home / "drafts").resolve()
    assert len(list(root.rglob("README.md"))) == 2
    _everything_inside(root, [Path("/tmp/runnotes-http-escaped"), home.parent / "http-escaped"])


def test_safe_names_keep_their_folder_names() -> None:
    assert drafts.path_part("resnet-lr3e-4_v2.1") == "resnet-lr3e-4_v2.1"
    assert drafts.path_part("../../x") != drafts.path_part("x")
    assert drafts.path_part("a/b") != drafts.path_part("a-b")
    assert "/" not in drafts.path_part("/tmp/x") and not drafts.path_part("..").startswith(".")


def test_store_folder_and_its_files_are_user_only(home: Path, store: Store) -> None:
    assert _mode(home) == 0o700
    with runnotes.start_run("private", experiment="p", store=store) as run:
        run.like("val_acc", 0.5)
        assert _mode(home / "active_run.json") == 0o600
        writer = WavWriter.create(store)
        writer.close()
        assert _mode(writer.path) == 0o600 and _mode(writer.path.parent) == 0o700
    assert _mode(home / "runnotes.db") == 0o600
