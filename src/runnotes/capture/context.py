"""What a run ran on: git state, command line, working directory, Python, host, packages, and
the process that owns it.

Collected once when a run starts. Each piece is best effort: a folder that is not a git
repository, or a missing git binary, simply leaves those fields empty. The owner (pid and start
time) is what lets a run whose process died be told apart from one that still runs.
"""

from __future__ import annotations

import functools
import os
import platform
import shlex
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from runnotes.pidfile import process_started
from runnotes.store.runs import RunContext


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


@functools.cache
def installed_packages() -> dict[str, str]:
    """Read once per process: listing every distribution's metadata takes ~0.1 s."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[name.lower()] = dist.version
    return dict(sorted(found.items()))


def collect(
    command: list[str] | str | None = None, cwd: Path | None = None, *, owned: bool = True
) -> RunContext:
    """The context of a run started now; ``owned``: this process ends it (SDK, ``watch``, a
    kernel), so its pid is recorded, unlike ``runnotes run start``, which exits at once."""
    cwd = Path(cwd or os.getcwd())
    if command is None:
        command = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else None
    cmd = shlex.join(command) if isinstance(command, list) else command
    ctx = RunContext(
        command=cmd,
        cwd=str(cwd),
        host=socket.gethostname(),
        python_version=platform.python_version(),
        packages=installed_packages(),
    )
    if owned:
        ctx.pid = os.getpid()
        ctx.pid_started = process_started(ctx.pid)
    commit = _git(cwd, "rev-parse", "HEAD")
    if commit:
        ctx.git_commit = commit.strip()
        ctx.git_branch = (_git(cwd, "rev-parse", "--abbrev-ref", "HEAD") or "").strip() or None
        status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
        ctx.git_dirty = bool(status and status.strip())
        if ctx.git_dirty:
            ctx.git_diff = _git(cwd, "diff", "HEAD")
    return ctx
