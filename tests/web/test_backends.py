"""One run handle, two backends: the same SDK calls through the local store and through a team
server leave the same run behind (issue 15: a backend protocol for local vs remote runs)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from runnotes.backend import Backend
from runnotes.backend.local import LocalBackend
from runnotes.backend.remote import Client, RemoteBackend
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.sdk import Run, local_run
from runnotes.store import Store
from runnotes.store.db import open_store
from runnotes.store.queries import run_detail
from runnotes.store.runs import create_run
from runnotes.web.app import create_app
from web.seed import served


def _members(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }


@pytest.mark.parametrize("backend", [LocalBackend, RemoteBackend])
def test_each_backend_has_the_protocol_s_methods_and_signatures(backend: type) -> None:
    assert _members(backend) == _members(Backend)


def _script(run: Run, data: Path) -> None:
    """What a training script does with its run."""
    run.log_params({"lr": 3e-4, "optimizer": "adam"})
    for step in range(30):
        run.log_metrics({"loss": 1 / (step + 1), "val_acc": 0.5 + step / 100}, step=step)
    run.dataset(data)
    run.like("val_acc", 0.79)
    run.note("adam beats sgd here")
    run.attach("log.txt", b"epoch 1 done\n", mime="text/plain")
    run.set_goal("find the best optimizer")
    run.end("ok", 0)


def _shape(store: Store, run_id: int) -> tuple[str, list[tuple], int]:
    """What a reader sees of a run, ids and times aside."""
    detail = run_detail(store, run_id)
    captures = sorted(
        (c.kind, c.name, c.value, c.step, c.text, c.review, c.liked, c.media_sha)
        for c in detail.captures
        if c.kind != "metric" or c.liked
    )
    metrics = sum(1 for c in detail.captures if c.kind == "metric" and not c.liked)
    return detail.run.status, captures, metrics


def test_the_same_calls_leave_the_same_run_locally_and_on_a_team_server(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n1,0\n2,1\n")
    local = create_run(store, "here", experiment="optimizers")
    _script(local_run(store, local.id, local.name, owns_run=True), data)

    monkeypatch.setenv("RUNNOTES_HOME", str(tmp_path / "server"))
    server_store = open_store(load_settings())
    try:
        with served(create_app(server_store)) as url:
            client = Client(url)
            answer = client.post("/api/runs", {"name": "there", "experiment": "optimizers"})
            _script(Run(RemoteBackend(client), answer["id"], answer["name"], owns_run=True), data)
        assert _shape(server_store, answer["id"]) == _shape(store, local.id)
    finally:
        server_store.close()


def test_a_team_run_has_no_local_store_and_says_so_in_one_line() -> None:
    run = Run(RemoteBackend(Client("http://127.0.0.1:9")), 1, "r")
    with pytest.raises(
        RunnotesError, match="^team mode: runs live on the team server at http://127.0.0.1:9;"
    ):
        run.store  # noqa: B018 - the property is what is tested
