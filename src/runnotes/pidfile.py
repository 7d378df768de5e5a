"""Processes runnotes cares about: the running agent (``$RUNNOTES_HOME/agent.pid``) and the
process that owns a run (its pid and start time, so a reused pid is never taken for it).

Light on purpose (no X11, no OCR): the CLI checks the agent before starting a second one, other
processes check it to hand work to the agent, and the store asks whether a run's owner is alive.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psutil

BACKGROUND_NICE = 10  # the priority of work nobody waits for (drafts' renders and speech)


def agent_pid_file(home: Path) -> Path:
    return home / "agent.pid"


def running_pid(pid_file: Path) -> int | None:
    """The pid in the file if that process is alive and is a runnotes agent (not a zombie, not
    a pid reused by another program)."""
    try:
        proc = psutil.Process(int(pid_file.read_text().strip()))
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        if not any("runnotes" in part for part in proc.cmdline()):
            return None
    except (OSError, ValueError, psutil.Error):
        return None
    return proc.pid


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (Unix seconds), None when there is no such process (or it
    is a zombie: dead, only not yet reaped). With the pid, it names one process for good."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except psutil.Error:
        return None


def low_priority(argv: list[str]) -> list[str]:
    """``argv`` run below normal priority (``nice``) where the system has it: a draft's render or
    spoken summary must not slow the captures and pages beside it (Piper takes every core)."""
    nice = shutil.which("nice")
    return [nice, "-n", str(BACKGROUND_NICE), *argv] if nice else argv
