"""Processes runnotes cares about: the running agent (``$RUNNOTES_HOME/agent.pid``) and the
process that owns a run (its pid and start time, so a reused pid is never taken for it).

Light on purpose (no X11, no OCR): the CLI checks the agent before starting a second one, other
processes check it to hand work to the agent, and the store asks whether a run's owner is alive.
"""

from __future__ import annotations

import os
from pathlib import Path


def agent_pid_file(home: Path) -> Path:
    return home / "agent.pid"


def running_pid(pid_file: Path) -> int | None:
    """The pid in the file if that process is alive and is a runnotes agent (not a reused pid)."""
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
        proc = Path(f"/proc/{pid}")
        if proc.exists():  # Linux: also rule out a zombie, or a pid reused by another program
            if proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return None
            if b"runnotes" not in proc.joinpath("cmdline").read_bytes():
                return None
    except (OSError, ValueError, IndexError):
        return None
    return pid


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (Unix seconds), None when there is no such process (or it
    is a zombie: dead, only not yet reaped). With the pid, it names one process for good."""
    import psutil  # here: a capture to a run already open never asks, nor loads psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except psutil.Error:
        return None
