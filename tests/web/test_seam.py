"""One seam for where runs live (issue 27): the same capture script through every shell — CLI,
SDK, ``watch``, a framework hook, the Jupyter magics, the agent's worker — leaves the same runs in
a local store and on a team server; and a configured server that cannot be reached makes every
shell fail in one line, with no local store file made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from runnotes.config import load_settings
from runnotes.store.db import open_store
from runnotes.store.queries import RunFilter, list_runs, run_detail
from web.seed import free_port

pytestmark = pytest.mark.slow
TOKEN = "seam-token"
EXPERIMENT = "seam"
ERROR = "cannot reach the runnotes server at"

# Every Python shell below prints this line, and exits 1, when a RunnotesError stops it.
FAIL = """
import sys
from runnotes.errors import RunnotesError
def fail(exc):
    print(f"runnotes: error: {exc}", file=sys.stderr)
    sys.exit(1)
"""

SDK = (
    FAIL
    + """
import runnotes
try:
    with runnotes.start_run("sdk", experiment="seam") as run:
        run.log_params({"lr": 0.001, "batch": 32})
        for loss in (0.9, 0.5, 0.3):
            run.log_metric("loss", loss)
        run.like("val_acc", 0.91)
        run.note("warmup helped")
except RunnotesError as exc:
    fail(exc)
"""
)

# What `watch` runs: it prints its values; its like and note go through the SDK in the child.
TRAIN = (
    FAIL
    + """
import runnotes
for loss in (0.9, 0.5, 0.3):
    print(f"loss={loss}", flush=True)
try:
    runnotes.like("val_acc", 0.91)
    runnotes.note("warmup helped")
except RunnotesError as exc:
    fail(exc)
"""
)

HOOK = (
    FAIL
    + """
import numpy as np
import xgboost as xgb
import runnotes
from runnotes.integrations.xgboost import RunnotesCallback
x = np.arange(40, dtype=float).reshape(20, 2)
data = xgb.DMatrix(x, label=x[:, 0] * 0.5)
try:
    with runnotes.start_run("hook", experiment="seam"):
        xgb.train({"eta": 0.3, "max_depth": 2, "nthread": 1, "seed": 0}, data, 3,
                  evals=[(data, "train")], verbose_eval=False, callbacks=[RunnotesCallback()])
        runnotes.like("val_acc", 0.91)
        runnotes.note("warmup helped")
except RunnotesError as exc:
    fail(exc)
"""
)

JUPYTER = (
    FAIL
    + """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "runnotes")
cells = [
    "%runnotes start jupyter -e seam",
    "import runnotes; runnotes.log_params({'lr': 0.001, 'batch': 32})",
    "for loss in (0.9, 0.5, 0.3): runnotes.log_metric('loss', loss)",
    "%like val_acc=0.91",
    "%note warmup helped",
    "%runnotes end",
]
import contextlib, io
for cell in cells:  # a notebook run top to bottom, stopped at the first cell that fails
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        ok = shell.run_cell(cell).success
    sys.stderr.write(said.getvalue())
    if not ok or "runnotes: error:" in said.getvalue():
        sys.exit(1)
"""
)

AGENT = (
    FAIL
    + """
import time
from runnotes.agent import Agent, AgentConfig, Press, Snap, build_like, commit
from runnotes.backend import open_backend
from runnotes.capture import overlay
from runnotes.capture.window import WindowInfo
from runnotes.config import load_settings

try:
    settings = load_settings()
    backend = open_backend(settings)
    backend.start_run("agent", experiment="seam", project=None, tags=(), context=None,
                      active_by="cli")  # `runnotes run start agent -e seam`, as a person would
    press = Press(at=time.time(), t0=time.monotonic(), pointer=(5, 5))
    snap = Snap(press, WindowInfo("train.py", "XTerm", 42), "val_acc=0.91", "selection", None)
    commit(backend, build_like(snap, None, None))
    overlay.ask_note = lambda: "warmup helped"
    store = None if settings.server_url else backend.local_store()
    said = []
    Agent(store, AgentConfig(ocr=False, a11y=False, notify=False), said.append,
          backend=backend)._note()
    if not said[-1].startswith("noted"):
        raise RunnotesError(said[-1])
    backend.end_run(None, None)
except RunnotesError as exc:
    fail(exc)
"""
)

PY_SHELLS = {"sdk": SDK, "hook": HOOK, "jupyter": JUPYTER, "agent": AGENT}
Done = subprocess.CompletedProcess[str]


def _env(home: Path, server: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNOTES_")}
    env["RUNNOTES_HOME"] = str(home)
    env["RUNNOTES_LISTEN_ENGINE"] = "espeak-ng"
    env["RUNNOTES_DRAFTS_AUTO"] = "false"
    if server:
        env |= {"RUNNOTES_SERVER": server, "RUNNOTES_TOKEN": TOKEN}
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "runnotes", *args]


def _every_shell(work: Path) -> list[list[str]]:
    """The capture script through each shell: the commands, run in this order in ``work``."""
    (work / "train.py").write_text(TRAIN)
    for name, source in PY_SHELLS.items():
        (work / f"{name}.py").write_text(textwrap.dedent(source))
    return [
        _cli("run", "start", "cli", "-e", EXPERIMENT),
        _cli("like", "val_acc=0.91"),
        _cli("note", "warmup", "helped"),
        _cli("run", "end"),
        _cli("watch", "--name", "watch", "-e", EXPERIMENT, "--", sys.executable, "train.py")
        + ["--lr", "0.001", "--batch", "32"],
        *([sys.executable, f"{name}.py"] for name in PY_SHELLS),
    ]


def _in_order(commands: list[list[str]], env: dict[str, str], cwd: Path) -> list[Done]:
    """Run the commands one after another (each shell sees the active run the one before left)."""
    return [
        subprocess.run(
            args, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False
        )
        for args in commands
    ]


def _side_by_side(*jobs: tuple[list[list[str]], dict[str, str], Path]) -> list[list[Done]]:
    """Independent sequences at once (separate stores): most of their time is start-up."""
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: _in_order(*job), jobs))


def _listed(text: str) -> list[tuple[Any, ...]]:
    """What ``runs list --json`` says of each run, ids and times aside."""
    keys = ("name", "experiment", "status", "tags", "params", "metrics", "marks")
    return [tuple(str(run[k]) for k in keys) for run in json.loads(text)]


def _runs(home: Path) -> dict[str, dict[str, Any]]:
    """What a reader compares of each run of the experiment, ids and times aside."""
    store = open_store(load_settings(home))
    try:
        found = {}
        for summary in list_runs(store, RunFilter(experiment=EXPERIMENT, show="all")):
            detail = run_detail(store, summary.id)
            caps = detail.captures
            metrics: dict[str, list[tuple[int | None, float | None]]] = {}
            for c in caps:
                if c.kind == "metric" and not c.liked:
                    metrics.setdefault(c.name or "", []).append((c.step, c.value))
            found[summary.name] = {
                "status": summary.status,
                "params": {c.name: c.text for c in caps if c.kind == "param" and not c.liked},
                "metrics": {k: sorted(v, key=lambda p: p[0] or 0) for k, v in metrics.items()},
                "likes": sorted((c.name, c.value) for c in caps if c.liked and c.value),
                "notes": sorted(c.text for c in caps if c.kind == "note"),
            }
        return found
    finally:
        store.close()


def test_every_shell_leaves_the_same_runs_locally_and_on_a_team_server(
    tmp_path: Path, serve, home: Path
) -> None:
    local_home, laptop, server_home = tmp_path / "local", tmp_path / "laptop", tmp_path / "srv"
    for folder in (local_home, laptop):
        folder.mkdir()
    server = serve("--token", TOKEN, env=_env(server_home, None), log_dir=tmp_path, token=TOKEN)
    listed = _cli("runs", "list", "-e", EXPERIMENT, "--json")  # a read, through the same seam
    done = _side_by_side(
        ([*_every_shell(local_home), listed], _env(local_home, None), local_home),
        ([*_every_shell(laptop), listed], _env(laptop, server.url), laptop),
    )
    for step in done[0] + done[1]:
        assert step.returncode == 0, (step.args, step.stderr[-2000:])
    lists = [_listed(steps[-1].stdout) for steps in done]
    assert lists[0] == lists[1] and len(lists[0]) == len(PY_SHELLS) + 2

    assert not (laptop / "runnotes.db").exists()  # the team user's runs are on the server only
    local, team = _runs(local_home), _runs(server_home)
    shells = {"cli", "watch", *PY_SHELLS}
    assert set(local) == shells and local == team
    for name, run in local.items():
        assert run["status"] == "ok", name
        assert run["likes"] == [("val_acc", 0.91)], name
        assert any("warmup helped" in n for n in run["notes"]), name
    for name in ("sdk", "jupyter", "watch"):
        assert local[name]["metrics"]["loss"] == [(0, 0.9), (1, 0.5), (2, 0.3)], name
        assert (local[name]["params"]["lr"], local[name]["params"]["batch"]) == ("0.001", "32")
    assert len(local["hook"]["metrics"]["train-rmse"]) == 3


def test_an_unreachable_server_is_one_line_in_every_shell_and_nothing_is_written_here(
    tmp_path: Path,
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = _env(home, url)
    shells = [[args] for args in _every_shell(work)]  # nothing is stored: each on its own, at once
    for [step] in _side_by_side(*((commands, env, work) for commands in shells)):
        lines = step.stderr.strip().splitlines()
        assert step.returncode == 1, (step.args, step.stderr[-2000:])
        assert len(lines) == 1 and lines[0].startswith(f"runnotes: error: {ERROR} {url}"), (
            step.args,
            lines,
        )
    assert not (home / "runnotes.db").exists()
    assert not home.exists() or not any(home.rglob("*.db"))
