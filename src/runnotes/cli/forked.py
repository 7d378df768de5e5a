"""``runnotes watch``'s reader forked from the command line itself, not a second Python start-up.

A reader started as ``python -m runnotes.watch SPOOL`` pays a whole interpreter start-up before
it loads the parser and the store, while ``watch`` waits for its ``ready``; for a short command
that was a third of watch's fixed cost. So the command line forks its reader first — before any
database driver is loaded (a connection is not shared across a fork: :data:`DRIVERS`) and
before any thread starts (a fork copies a lock a thread holds, held for good) — the child loads
its modules while ``watch`` opens the run and starts the command, and ``watch`` hands it the
spool once it exists. The child is the same reader as the spawned one
(:func:`runnotes.watch.reader.main`): in a session of its own, its stdout a pipe to ``watch``
(``ready``, then what it stored), its messages in ``<token>.log``, nothing of watch's own
output held open (a ``watch … | tee`` ends with watch). A spool whose forked reader dies is
taken up as any other (:func:`runnotes.watch.reader.spawn`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# A process that has loaded a database driver or the team server's client may hold a connection,
# which a fork would share: SQLite's locks belong to the process, so a child that opens the same
# file after the fork fails ("locking protocol"). The command line forks before loading them.
DRIVERS = ("sqlite3", "psycopg", "httpx")
_MAX_FD = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536


class ForkedReader:
    """The parent's side: hands the child its spool, then reads its report as from a
    :class:`subprocess.Popen` (``stdout``, ``pid``, ``returncode``, ``communicate``)."""

    def __init__(self, pid: int, control: int, report: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdout: IO[bytes] | None = os.fdopen(report, "rb", buffering=0)
        self._control: int | None = control
        self._out = bytearray()

    def hand(self, spool: Path, env: dict[str, str]) -> None:
        """The spool to read and the settings to reach the store (``watch``'s backend's)."""
        message = json.dumps({"spool": str(spool), "env": env}).encode()
        try:
            os.write(self._control, message)  # type: ignore[arg-type]
        finally:
            self.close()

    def close(self) -> None:
        """No spool (watch refused the command, or failed): the child ends with nothing read."""
        if self._control is not None:
            os.close(self._control)
            self._control = None

    def __enter__(self) -> ForkedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def communicate(self, timeout: float | None = None) -> tuple[bytes, None]:
        """Its whole report once it has ended; :class:`subprocess.TimeoutExpired` after
        ``timeout`` (what was read so far is kept for the next call, as ``Popen``'s does)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.stdout is not None and not self.stdout.closed:
            fd = self.stdout.fileno()
            while True:
                left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                if not select.select([fd], [], [], left)[0]:
                    raise subprocess.TimeoutExpired("reader", timeout or 0.0)
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                self._out += chunk
        _, status = os.waitpid(self.pid, 0)  # its report is complete: it is ending
        self.returncode = os.waitstatus_to_exitcode(status)
        return bytes(self._out), None


@contextlib.contextmanager
def forked() -> Iterator[ForkedReader | None]:
    """A reader forked now, waiting for its spool (None where a fork is not safe: another
    thread runs, or a database driver is loaded; ``watch`` then spawns one). A reader handed no
    spool by the end of the block ends with nothing read."""
    loaded = any(name in sys.modules for name in DRIVERS)
    if threading.active_count() > 1 or loaded or not hasattr(os, "fork"):
        yield None
        return
    control_r, control_w = os.pipe()
    report_r, report_w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()  # else the child writes what is buffered a second time
    pid = os.fork()
    if pid == 0:
        try:
            os.close(control_w)
            os.close(report_r)
            code = _child(control_r, report_w)
        except BaseException:  # noqa: BLE001 - never back into watch's own code
            code = 1
        os._exit(code)
    os.close(control_r)
    os.close(report_w)
    with ForkedReader(pid, control_w, report_r) as reader:
        yield reader


def _child(control: int, report: int) -> int:
    """The reader's side: leaves watch's session and output, waits for its spool, reads it."""
    os.setsid()  # Ctrl-C and a closed terminal stop the command and watch, not this reading
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(report, 1)
    os.dup2(devnull, 2)
    for fd in (devnull, report):
        os.close(fd)
    # Nothing else of watch's (or of whoever runs it: a pipe waiting for its end) stays open.
    os.closerange(3, control)
    os.closerange(control + 1, _MAX_FD)
    chunks = []
    while chunk := os.read(control, 1 << 16):
        chunks.append(chunk)
    os.close(control)
    if not chunks:
        return 0  # watch made no spool
    handed = json.loads(b"".join(chunks))
    spool = Path(handed["spool"])
    os.environ.update(handed["env"])
    log = os.open(spool.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    os.close(log)
    # Its own stdout and stderr, whatever streams and log handlers watch's caller had put in
    # their place (a test harness's): the report pipe and the log file.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - for the process
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    for name in (None, "runnotes"):
        logging.getLogger(name).handlers.clear()
    from runnotes.watch.reader import main  # its modules load here, while the command runs

    code = main(["runnotes.watch", str(spool)])
    from runnotes.events import exiting

    exiting()  # what a spawned reader's exit runs (os._exit runs none)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code
