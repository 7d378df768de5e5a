"""The SDK is a facade over :mod:`runnotes.sdk.run` (issue 27): what a process holds open lives in
one object there, and whether its runs are ended at exit does not depend on what was imported, or
registered with ``atexit``, before them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runnotes import sdk
from runnotes.sdk import run as run_module

SCRIPT = """
    import atexit
    import runnotes.sdk as sdk
    from runnotes.store.queries import run_detail

    def after_exit():  # registered after the SDK was imported, before the run started
        detail = run_detail(sdk.get_store(), "left-open")
        values = [c.value for c in detail.captures if c.kind == "metric"]
        print(detail.run.status, values)

    atexit.register(after_exit)
    run = sdk.start_run("left-open")
    for value in (0.5, 0.25):
        run.log_metric("loss", value)
    # no end: the exit handler ends the run and stores its buffered values
"""


@pytest.mark.slow  # a Python child process
def test_runs_left_open_are_ended_before_exit_handlers_registered_earlier(
    home: Path, tmp_path: Path
) -> None:
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(SCRIPT))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "ok [0.5, 0.25]"


def test_the_facade_holds_no_run_state_of_its_own() -> None:
    assert sdk.Run is run_module.Run
    held = {
        name
        for name, value in vars(sdk).items()
        if not name.startswith("__") and isinstance(value, list | dict | set)
    }
    assert held == set()  # the open runs live in run_module.OPEN
    assert sdk.innermost() is run_module.OPEN.innermost()
