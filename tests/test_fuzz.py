"""Random text, numbers and names through the SDK, the CLI and the API, then every page and
both reports rendered from what was stored: no 500, no traceback (issue 16, acceptance). Random
paths in the settings and ``-o``: a one-line error or success, and no mode, owner or content of a
path runnotes did not create changed (issue 30).

Bounded on purpose (a few dozen examples, ``deadline=None``): it is a net for whole classes of
input, not a search that runs until it finds something."""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from urllib.parse import quote

import docx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from typer.testing import CliRunner

import runnotes
from bystanders import new_area, run_main, snapshot, unchanged, unprivileged, warm
from runnotes.cli import app
from runnotes.errors import RunnotesError
from runnotes.reports import write_progress, write_readme
from runnotes.store import Store
from runnotes.store.models import Experiment, Project, Run
from runnotes.web.app import create_app

pytestmark = pytest.mark.slow
EXAMPLES = 20

texts = st.text(max_size=40)  # any Unicode but lone surrogates: NUL, controls, RTL marks, ..
names = st.one_of(texts, st.sampled_from(["../../x", "/tmp/x", "..", "a = b", "x' OR 1=1 --"]))
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1e300, -1e300, 5e-324, 3.2e18, 2**63, -(2**63) - 1]),
)
steps = st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70))
values = st.one_of(numbers, texts)
PAGES = ("/", "/runs", "/review", "/report", "/drafts", "/api/runs", "/api/projects", "/api/review")


def _sdk(store: Store, name: str, experiment: str, key: str, number, step, text: str) -> None:  # type: ignore[no-untyped-def]
    """Every SDK call either stores or says why in a RunnotesError."""
    with runnotes.start_run(name, experiment=experiment, project=experiment, store=store) as run:
        for call in (
            lambda: run.log_metric(key, number, step),
            lambda: run.log_params({key: number, text: text}),
            lambda: run.like(key, number, step=step),
            lambda: run.like(text, text),
            lambda: run.note(text),
        ):
            with contextlib.suppress(RunnotesError):
                call()


def _cli(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args, catch_exceptions=True)
    acceptable = (SystemExit, RunnotesError, DBAPIError)
    assert result.exception is None or isinstance(result.exception, acceptable), (
        args,
        repr(result.exception),
    )


def _api(client: TestClient, name: str, experiment: str, key: str, value, step, text: str) -> None:  # type: ignore[no-untyped-def]
    created = client.post("/api/runs", json={"name": name, "experiment": experiment})
    assert created.status_code < 500, created.text
    run_id = created.json().get("id", 1)
    number = value if isinstance(value, float) and math.isfinite(value) else str(value)
    bodies = [
        (f"/api/runs/{run_id}/captures", {"captures": [{"kind": "note", "text": text}]}),
        (
            f"/api/runs/{run_id}/captures",
            {"captures": [{"kind": "metric", "name": key, "value": number, "step": step}]},
        ),
        (f"/api/runs/{run_id}/metrics", {"rows": [[key, number, step, 1.0]]}),
        (f"/api/runs/{run_id}/tags", {"tags": [text or "t"]}),
        (f"/api/runs/{run_id}/end", {"status": text}),
    ]
    for path, body in bodies:
        answer = client.post(path, json=body)
        assert answer.status_code < 500, (path, body, answer.text[:300])
    for path, params in (
        ("/runs", {"where": text}),
        ("/runs", {"q": text}),
        (f"/runs/{quote(name, safe='')}", {}),
    ):
        answer = client.get(path, params=params, headers={"accept": "text/html"})
        assert answer.status_code < 500, (path, params, answer.text[:300])


def test_fuzz_sdk_cli_api_then_render_everything(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNOTES_DRAFTS_AUTO", "false")  # the reports are rendered below
    runner = CliRunner()
    with TestClient(create_app(store)) as client:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(names, names, texts, numbers, steps, values, texts)
        def one(name, experiment, key, number, step, value, text) -> None:  # type: ignore[no-untyped-def]
            _sdk(store, name, experiment, key, number, step, text)
            _cli(runner, ["like", f"{key}={value}"])
            _cli(runner, ["note", text or "-"])
            _cli(runner, ["runs", "list", "--where", text])
            _cli(runner, ["runs", "show", name or "-"])
            _api(client, name, experiment, key, value, step, text)
            for path in PAGES:
                assert client.get(path, headers={"accept": "text/html"}).status_code == 200, path

        one()
        with store.read() as session:
            run_ids = session.exec(select(Run.id)).all()
            experiments = session.exec(select(Experiment.name, Project.name).join(Project)).all()
        for run_id in run_ids:
            assert client.get(f"/runs/{run_id}").status_code == 200
            assert client.get(f"/api/runs/{run_id}").status_code == 200
        compare = "&".join(f"run={i}" for i in run_ids[:8])
        assert client.get(f"/compare?{compare}").status_code == 200
    for i, (experiment, project) in enumerate(experiments):
        write_readme(store, experiment, tmp_path / f"readme-{i}" / "README.md", project=project)
    write_progress(store, tmp_path / "progress.md", since=0, until=1e12)
    write_progress(store, tmp_path / "progress.docx", since=0, until=1e12)
    assert docx.Document(str(tmp_path / "progress.docx")).paragraphs


PATH_SETTINGS = ("RUNNOTES_HOME", "RUNNOTES_MEDIA", "RUNNOTES_DRAFTS_DIR", "-o")
PATH_TARGETS = (
    *("notes.txt", "link-notes", "notes.txt/sub", "fifo", "socket", "null", "link-devnull"),
    *("shared", "link-shared", "readonly", "others", "link-others", "mine/new/deep"),
    "/dev/null",
)
PATH_COMMANDS = (["note", "hi"], ["runs", "list"], ["doctor"], ["drafts", "refresh"])


def test_fuzz_paths_in_settings_and_output(tmp_path: Path) -> None:
    """Each example points one setting (or a report's ``-o``) at a bystander, as this user or an
    unprivileged one, and runs a command through the real ``main()``."""
    warm(tmp_path)
    actors = [None] + ([unprivileged()] if unprivileged() else [])
    with contextlib.ExitStack() as stack:
        areas = [stack.enter_context(new_area(actor)) for actor in actors]
        initial = [snapshot(area) for area in areas]
        rewritten: set[str] = set()
        for area, actor in zip(areas, actors, strict=True):  # an experiment to report on
            env = {
                "RUNNOTES_HOME": str(area.mine / "home"),
                "RUNNOTES_DRAFTS_AUTO": "false",
                "RUNNOTES_LISTEN_DRAFTS": "false",
            }
            for args in (["run", "start", "r", "-e", "e"], ["like", "a=1"], ["run", "end"]):
                assert run_main(args, env, area.mine, area, actor).code == 0

        @settings(max_examples=EXAMPLES + 10, deadline=None)
        @given(
            st.sampled_from(range(len(areas))),
            st.sampled_from(PATH_SETTINGS),
            st.sampled_from(PATH_TARGETS),
            st.sampled_from(PATH_COMMANDS),
        )
        def one(which: int, setting: str, target: str, command: list[str]) -> None:
            area, actor = areas[which], actors[which]
            path = target if target.startswith("/") else str(area.root / target)
            env = {
                "HOME": str(area.mine),
                "RUNNOTES_HOME": str(area.mine / "home"),
                "RUNNOTES_DRAFTS_AUTO": "false",
                "RUNNOTES_LISTEN_DRAFTS": "false",
            }
            if setting == "-o":  # an existing file named by -o is the report's: new content
                command = ["report", "readme", "-e", "e", "-o", path]
                rewritten.add(os.path.realpath(path))
            else:
                env[setting] = path
            store = area.mine / "home"
            before = snapshot(area, but=store)
            done = run_main(command, env, area.mine, area, actor)
            assert "Traceback" not in done.err, (setting, path, command, done.err)
            findings = command == ["doctor"] and done.code == 1 and not done.err  # exit 1: damage
            if done.code != 0 and not findings:
                done.one_line_error()
                assert snapshot(area, but=store) == before, (setting, path, command)
            unchanged(initial[which], snapshot(area), frozenset(rewritten))

        one()
