"""The agent's pid file names a live runnotes process, never a zombie or a reused pid."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from runnotes.pidfile import process_started, running_pid


def _pid_file(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "agent.pid"
    path.write_text(content)
    return path


def test_running_pid_is_a_live_runnotes_process(tmp_path: Path) -> None:
    agent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "runnotes"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass", "runnotes"])
    gone.wait()
    try:
        assert running_pid(_pid_file(tmp_path, f"{agent.pid}\n")) == agent.pid
        assert process_started(agent.pid) is not None
        assert running_pid(_pid_file(tmp_path, str(other.pid))) is None  # a reused pid
        assert running_pid(_pid_file(tmp_path, str(gone.pid))) is None
        assert running_pid(_pid_file(tmp_path, "not a pid")) is None
        assert running_pid(tmp_path / "missing.pid") is None
    finally:
        for proc in (agent, other):
            proc.kill()
            proc.wait()


def test_a_zombie_is_not_running(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass", "runnotes"])
    deadline = time.monotonic() + 60
    while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:  # exited, not reaped
        assert time.monotonic() < deadline
        time.sleep(0.05)
    try:
        assert running_pid(_pid_file(tmp_path, str(child.pid))) is None
        assert process_started(child.pid) is None
    finally:
        child.wait()
