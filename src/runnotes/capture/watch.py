"""``runnotes watch -- CMD…``: run a training command, pass its output through, log its metrics.

The command's stdout and stderr are copied byte for byte to ours (so progress bars still draw),
while each line — split on ``\\n`` and ``\\r``, decoded leniently — goes through the metric
parser. A line that names a step (``Epoch 3/10``) sets the step for the metric lines that follow.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from runnotes.capture.parse import parse_line
from runnotes.errors import RunnotesError
from runnotes.sdk import Run, start_run
from runnotes.store.db import Store
from runnotes.store.models import Source

_SPLIT = re.compile(rb"[\r\n]")


@dataclass
class WatchResult:
    run_id: int
    exit_code: int
    status: str
    counts: Counter[str] = field(default_factory=Counter)


class _LineLogger:
    """Turns the lines of one stream into metric values on the run."""

    def __init__(self, run: Run, counts: Counter[str], lock: threading.Lock) -> None:
        self.run, self.counts, self.lock = run, counts, lock
        self.step: int | None = None

    def feed(self, line: bytes) -> None:
        parsed = parse_line(line.decode("utf-8", errors="replace"))
        if parsed.step is not None and not parsed.values:
            self.step = parsed.step  # a header such as "Epoch 3/10"
            return
        step = parsed.step if parsed.step is not None else self.step
        with self.lock:
            for name, value in parsed.values.items():
                self.run.log_metric(name, value, step)
                self.counts[name] += 1


def _pump(stream: BinaryIO, sink: BinaryIO, logger: _LineLogger) -> None:
    pending = b""
    fd = stream.fileno()
    while chunk := os.read(fd, 65536):
        sink.write(chunk)
        sink.flush()
        pending += chunk
        *lines, pending = _SPLIT.split(pending)
        for line in lines:
            if line.strip():
                logger.feed(line)
    if pending.strip():
        logger.feed(pending)


def watch(
    command: list[str],
    *,
    name: str | None = None,
    experiment: str | None = None,
    project: str | None = None,
    tags: tuple[str, ...] = (),
    store: Store | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> WatchResult:
    if not command:
        raise RunnotesError("watch needs a command: runnotes watch -- python train.py")
    run = start_run(
        name or Path(command[0]).name,
        experiment=experiment,
        project=project,
        tags=tags,
        command=command,
        source=Source.watch,
        store=store,
    )
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        run.end("failed", 127)
        raise RunnotesError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from exc
    pumps = [
        threading.Thread(target=_pump, args=(src, dst, _LineLogger(run, counts, lock)), daemon=True)
        for src, dst in (
            (proc.stdout, stdout or sys.stdout.buffer),
            (proc.stderr, stderr or sys.stderr.buffer),
        )
    ]
    for pump in pumps:
        pump.start()
    interrupted = False
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            # The terminal sent SIGINT to the whole foreground group; the child got it too.
            interrupted = True
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
    for pump in pumps:
        pump.join()
    if code < 0:
        code = 128 - code
    status = "killed" if interrupted or code == 130 else ("ok" if code == 0 else "failed")
    run.end(status, code)
    return WatchResult(run_id=run.id, exit_code=code, status=status, counts=counts)
