"""Where the running agent says it is: ``$RUNNOTES_HOME/agent.pid``.

Light on purpose (no X11, no OCR): the CLI checks it before starting a second agent, and other
processes check it to hand work (draft refreshes) to the agent instead of doing it themselves.
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
