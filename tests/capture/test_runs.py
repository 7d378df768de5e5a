"""Which run is active, and runs whose process died: real processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.store import Store
from runnotes.store.models import Run
from runnotes.store.queries import list_runs, run_detail

# A training job that logs a value, says which run it logs to, then trains "forever".
DOOMED = """
    import time
    import runnotes
    run = runnotes.start_run("doomed", experiment="e")
    run.log_metric("loss", 0.5, 0)
    run.flush()
    print(run.id, flush=True)
    time.sleep(600)
"""
# The same as a script printing metric lines, for `watch`.
LONG = """
    import time
    for step in range(10000):
        print(f"step {step} loss={1 / (step + 1):.4f}", flush=True)
        time.sleep(0.05)
"""


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "job.py"
    path.write_text(textwrap.dedent(body))
    return path


def _current(**env: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("run", "current", "--json", env=env).stdout)  # type: ignore[no-any-return]


def _stored_status(store: Store, run_id: int) -> str:
    with store.read() as session:
        return session.get(Run, run_id).status  # type: ignore[union-attr]


def _kill_watch(tmp_path: Path, *args: str) -> int:
    """Start `runnotes watch … -- python job.py`, let it log, SIGKILL it and its command."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runnotes",
            "watch",
            *args,
            "--",
            sys.executable,
            str(tmp_path / "job.py"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    for _ in range(5):
        proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30)


def test_sigkilled_process_leaves_a_crashed_run_not_a_running_one(
    store: Store, tmp_path: Path
) -> None:
    outer = run_cli("run", "start", "outer").stdout
    assert "started run 1 (outer)" in outer
    proc = subprocess.Popen(
        [sys.executable, str(_script(tmp_path, DOOMED))], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    doomed = int(proc.stdout.readline())
    assert _current()["run_id"] == doomed  # started on top of the active run, which stays open
    assert "no stale runs" in run_cli("runs", "close-stale").stdout  # alive: left alone

    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    listed = {r["name"]: r["status"] for r in json.loads(run_cli("runs", "list", "--json").stdout)}
    assert listed == {"doomed": "crashed", "outer": "running"}  # shown as such at once
    closed = json.loads(run_cli("runs", "close-stale", "--json").stdout)
    assert [r["id"] for r in closed] == [doomed]
    assert _stored_status(store, doomed) == "crashed"
    detail = run_detail(store, doomed)
    assert detail.run.ended_at == max(c.timestamp for c in detail.captures)  # last heard of
    assert json.loads(run_cli("runs", "close-stale", "--json").stdout) == []
    assert _current() == {"run_id": 1, "closed": []}  # the run below is active again
    ended = run_cli("run", "end").stdout
    assert "ended run 1 (outer): ok" in ended


def test_run_end_names_a_run_left_open(store: Store, tmp_path: Path) -> None:
    run_cli("run", "start", "first")
    started = run_cli("run", "start", "second").stdout
    assert "run 1 (first) is still open: it is active again when run 2 ends" in started
    assert (
        "ended run 1 (first): failed" in run_cli("run", "end", "first", "--status", "failed").stdout
    )
    assert _current()["run_id"] == 2  # ending a run below does not touch the active one
    done = run_cli("run", "end", "first", check=False)
    assert done.returncode == 1 and "run 1 (first) has already ended: failed" in done.stderr
    assert "ended run 2 (second): ok" in run_cli("run", "end").stdout
    assert _current()["run_id"] is None


@pytest.mark.slow
def test_sigkilled_watch_leaves_no_running_active_run(store: Store, tmp_path: Path) -> None:
    _script(tmp_path, LONG)
    assert _kill_watch(tmp_path, "--name", "w") == -signal.SIGKILL
    (run,) = list_runs(store)
    assert (run.name, run.status) == ("w", "crashed")
    current = _current()
    assert current == {"run_id": None, "closed": [run.id]}  # not active, and closed for good
    assert _stored_status(store, run.id) == "crashed"
    run_cli("like", "acc=0.5")  # goes to today's run, not to the dead one
    assert list_runs(store)[0].name.startswith("auto-")
    assert "acc" not in run_detail(store, run.id).summary.metrics


@pytest.mark.slow
def test_sigkilled_watch_inside_a_run_leaves_that_run_open(store: Store, tmp_path: Path) -> None:
    _script(tmp_path, LONG)
    run_cli("run", "start", "mine")
    _kill_watch(tmp_path)
    assert _current()["run_id"] == 1  # the run is the user's: still running, still active
    assert [r.name for r in list_runs(store)] == ["mine"]
    assert run_detail(store, 1).run.command.endswith("job.py")  # what watch ran in it
    assert "ended run 1 (mine): ok" in run_cli("run", "end").stdout


@pytest.mark.slow
def test_watch_new_run_inside_a_run_keeps_the_active_run(store: Store, tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import runnotes
        runnotes.log_param("from_sdk", 1)
        print("loss=0.5")
        """,
    )
    run_cli("run", "start", "outer")
    done = run_cli("watch", "--new-run", "--", sys.executable, str(script), "--lr", "0.1")
    assert "run 2 (job) ok" in done.stderr
    job = run_detail(store, "job").summary
    assert job.params == {"from_sdk": "1", "lr": "0.1"} and job.metrics == {"loss": 0.5}
    assert _current()["run_id"] == 1  # never replaced, never cleared
    assert run_detail(store, "outer").summary.params == {}
