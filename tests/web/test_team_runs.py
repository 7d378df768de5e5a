"""Ending runs in team mode: on the server (as locally: by id or name, else the current run),
never a local one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

TOKEN = "team-token-456"
SCRIPT = """
    import runnotes
    from runnotes.errors import RunnotesError
    from runnotes.sdk import end_run
    run = runnotes.start_run("remote-end", experiment="t")
    try:
        end_run("someone-else")
    except RunnotesError as exc:
        print("refused:", exc)
    ended = end_run()
    print(ended.run.id, ended.run.status)
"""


@pytest.mark.slow
def test_end_run_in_team_mode_ends_the_server_run(tmp_path: Path, serve, home: Path) -> None:
    server = serve("--token", TOKEN, log_dir=tmp_path, token=TOKEN)
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {
        **os.environ,
        "RUNNOTES_SERVER": server.url,
        "RUNNOTES_TOKEN": TOKEN,
        "RUNNOTES_HOME": str(tmp_path / "laptop"),
    }
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    refused, ended = done.stdout.splitlines()
    assert refused.startswith("refused: server") and "no run 'someone-else'" in refused
    run_id, status = ended.split()
    assert status == "ok" and not (tmp_path / "laptop" / "runnotes.db").exists()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    detail = httpx.get(f"{server.url}/api/runs/{run_id}", headers=auth).json()
    assert (detail["name"], detail["status"]) == ("remote-end", "ok")
