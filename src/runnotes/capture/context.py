"""What a run ran on: git state, command line, working directory, Python, host, packages, and
the process that owns it.

Collected once when a run starts. Each piece is best effort: a folder that is not a git
repository, or a missing git binary, simply leaves those fields empty. The owner (pid and start
time) is what lets a run whose process died be told apart from one that still runs.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import platform
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from runnotes.capture.packages import installed, owners
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


def _script(command: list[str] | str | None, cwd: Path) -> Path | None:
    """The Python file a command runs: ``python train.py``, ``python -m pkg.train``,
    ``./train.py``, or a script the SDK runs in (``train.py --lr 3e-4``)."""
    words = shlex.split(command) if isinstance(command, str) else list(command or [])
    for i, word in enumerate(words):
        if word == "-m" and i + 1 < len(words):
            try:
                spec = importlib.util.find_spec(words[i + 1])
            except (ImportError, ValueError):
                return None
            return Path(spec.origin) if spec and spec.origin else None
        if word.endswith(".py"):
            path = (cwd / word).resolve()
            return path if path.is_file() else None
    return None


def _top_imports(path: Path) -> set[str]:
    """Top-level module names a Python file imports (anywhere in it, not relative imports)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def script_imports(command: list[str] | str | None, cwd: Path) -> list[str] | None:
    """The installed distributions a command's script imports, itself or through the modules
    beside it (``import utils`` → ``utils.py``), sorted; None when the command runs no Python
    file this can read. What "how to reproduce" lists instead of every installed framework."""
    script = _script(command, cwd)
    if script is None:
        return None
    modules = _top_imports(script)
    for name in sorted(modules):
        sibling = script.parent / f"{name}.py"
        if sibling.is_file() and sibling != script:
            modules |= _top_imports(sibling)
    return sorted({dist.lower() for names in owners(modules).values() for dist in names})


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
        packages=installed(),
        imports=script_imports(command, cwd),
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
