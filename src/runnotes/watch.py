"""``runnotes watch -- CMD…``: run a training command, pass its output through, log what it prints.

The command's stdout and stderr are copied byte for byte to ours (so progress bars still draw),
while each line — split on ``\\n`` and ``\\r``, decoded leniently — goes through the parser
(:mod:`runnotes.capture.parse`): the command line's options and the config lines it prints become
parameters, metric lines metric values. A line that names a step (``Epoch 3/10``) sets the step
for the metric lines that follow; a progress bar's values are one batch's, kept apart as
``NAME/batch`` (step: batches so far) so ``NAME`` holds the per-epoch values.

Which run: inside a run a person started (``runnotes run start``, ``%runnotes start``) the command
is recorded into it, and the run stays open; otherwise (or with ``new_run``, a name, an
experiment or a project) the command gets a run of its own, owned by this process, which ends
with the command's exit status. The command itself reaches its run through ``RUNNOTES_RUN_ID``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from runnotes.capture.context import collect
from runnotes.capture.parse import parse_args, parse_line
from runnotes.errors import RunnotesError
from runnotes.sdk import ENV_RUN_ID, Run, get_store, local_run, start_run
from runnotes.store.db import Store
from runnotes.store.models import Run as RunRow
from runnotes.store.models import Source
from runnotes.store.runs import active_entry, add_tags, record_command

_SPLIT = re.compile(rb"[\r\n]")
JOINABLE = ("cli", "jupyter")  # active runs a person started: `watch` records into them
OUTPUT_LOG_BYTES = 4 << 20  # the output kept as the run's output.log: its last 4 MiB


@dataclass
class WatchResult:
    run_id: int
    exit_code: int
    status: str
    run_name: str = ""
    joined: bool = False  # recorded into the active run, which stays open
    params: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


class _LineLogger:
    """Turns the lines of the command's output (both streams, so an ``Epoch N`` line on stdout
    gives the step to the bar on stderr) into parameters and metric values on the run."""

    def __init__(self, run: Run, counts: Counter[str], params: dict[str, str]) -> None:
        self.run, self.counts, self.params = run, counts, params
        self.lock = threading.Lock()
        self.step: int | None = None  # the step (epoch) the last header named
        self.started = False  # a metric or a step was seen: a dict is metrics from now on
        self.bar: tuple[int, int | None] = (-1, None)  # the last progress-bar update
        self.batches = 0  # batches counted in the bars before this one
        self.output = bytearray()

    def keep(self, chunk: bytes) -> None:
        with self.lock:
            self.output += chunk
            if len(self.output) > 2 * OUTPUT_LOG_BYTES:
                del self.output[:-OUTPUT_LOG_BYTES]

    def feed(self, line: bytes) -> None:
        with self.lock:
            parsed = parse_line(line.decode("utf-8", errors="replace"), at_start=not self.started)
            if parsed.params:
                self.run.log_params(parsed.params)
                self.params.update(parsed.params)
            metrics = parsed.metrics
            self.started = self.started or bool(metrics) or parsed.step is not None
            if parsed.batch and parsed.progress is not None:
                # A bar's own step comes from its count. The epoch in its description ("Epoch 3:
                # 45%|…") is not taken for other lines: the bar is often on the other stream,
                # read by another thread, so the order between them is not known.
                self._batch(parsed.progress, metrics)
            elif parsed.step is not None and not metrics:
                self.step = parsed.step  # a header such as "Epoch 3/10"
            else:
                step = parsed.step if parsed.step is not None else self.step
                self._log(metrics, step)

    def _batch(self, progress: tuple[int, int | None], metrics: dict[str, float]) -> None:
        count, total = progress
        last, last_total = self.bar
        if count == last:
            return  # the same update drawn again (tqdm redraws its last state on close)
        if count < last:
            self.batches += last_total or last  # a new bar: its batches follow the last one's
        self.bar = progress
        self._log({f"{name}/batch": value for name, value in metrics.items()}, self.batches + count)

    def _log(self, metrics: dict[str, float], step: int | None) -> None:
        for name, value in metrics.items():
            self.run.log_metric(name, value, step)
            self.counts[name] += 1


def _pump(stream: BinaryIO, sink: BinaryIO, logger: _LineLogger) -> None:
    pending = b""
    fd = stream.fileno()
    while chunk := os.read(fd, 65536):
        sink.write(chunk)
        sink.flush()
        logger.keep(chunk)
        pending += chunk
        *lines, pending = _SPLIT.split(pending)
        for line in lines:
            if line.strip():
                logger.feed(line)
    if pending.strip():
        logger.feed(pending)


def default_name(command: list[str]) -> str:
    """A run's name from its command: the script (``train`` for ``python train.py``), the
    module (``-m pkg.train``), else the program."""
    for i, arg in enumerate(command):
        if arg == "-m" and i + 1 < len(command):
            return command[i + 1].rsplit(".", 1)[-1]
        if arg.endswith(".py") and not arg.startswith("-"):
            return Path(arg).stem
    return Path(command[0]).name


def _child_env(store: Store, run_id: int) -> dict[str, str]:
    """The command's environment: its SDK calls go to this run, in this store."""
    env = dict(os.environ)
    env.update(
        {
            ENV_RUN_ID: str(run_id),
            "RUNNOTES_HOME": str(store.settings.home),
            "RUNNOTES_DB": store.settings.db_url,
            "RUNNOTES_MEDIA": str(store.settings.media_dir),
        }
    )
    env.pop("RUNNOTES_SERVER", None)  # the run lives in this store, not on a team server
    return env


def _open_run(
    store: Store,
    command: list[str],
    *,
    name: str | None,
    new_run: bool,
    experiment: str | None,
    project: str | None,
    tags: tuple[str, ...],
) -> tuple[Run, bool]:
    """The run to record into, and whether it is the active one (joined, left open)."""
    active = active_entry(store)
    if (
        active is not None
        and active.by in JOINABLE
        and not (new_run or name or experiment or project)
    ):
        with store.read() as session:
            row = session.get(RunRow, active.run_id)
            run = local_run(store, active.run_id, row.name if row else "", source=Source.watch)
        if tags:
            add_tags(store, run.id, tags)
        record_command(store, run.id, collect(command, owned=False))
        return run, True
    run = start_run(
        name or default_name(command),
        experiment=experiment,
        project=project,
        tags=tags,
        command=command,
        source=Source.watch,
        store=store,
    )
    return run, False


def watch(
    command: list[str],
    *,
    name: str | None = None,
    new_run: bool = False,
    experiment: str | None = None,
    project: str | None = None,
    tags: tuple[str, ...] = (),
    data: tuple[Path, ...] = (),
    store: Store | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> WatchResult:
    """Run ``command`` into a run: its params from the command line, its metrics from its
    output, and a fingerprint of each ``data`` file (a change since the experiment's previous
    run is flagged). A command that cannot start is refused before any run is made."""
    if not command:
        raise RunnotesError("watch needs a command: runnotes watch -- python train.py")
    _check_runnable(command[0])
    for path in data:
        if not Path(path).is_file():
            raise RunnotesError(f"--data {path}: no such file; no run was recorded")
    store = store or get_store()
    run, joined = _open_run(
        store,
        command,
        name=name,
        new_run=new_run,
        experiment=experiment,
        project=project,
        tags=tags,
    )
    params = parse_args(command)
    if params:
        run.log_params(params)
    for path in data:  # fingerprinted as the command starts: the data it is about to read
        run.dataset(path)
    counts: Counter[str] = Counter()
    logger = _LineLogger(run, counts, dict(params))
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(store, run.id),
        )
    except OSError as exc:
        _finish(store, run, joined, 127, "failed")
        raise RunnotesError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from exc
    pumps = [
        threading.Thread(target=_pump, args=(src, dst, logger), daemon=True)
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
    run.attach(
        "output.log",
        bytes(logger.output[-OUTPUT_LOG_BYTES:]),
        mime="text/plain",
        text=" ".join(command),
        extra={"exit_code": code, "truncated": len(logger.output) > OUTPUT_LOG_BYTES},
    )
    _finish(store, run, joined, code, status)
    return WatchResult(
        run_id=run.id,
        exit_code=code,
        status=status,
        run_name=run.name,
        joined=joined,
        params=logger.params,
        counts=counts,
    )


def _check_runnable(program: str) -> None:
    """Refuse, before a run is made for it, a program that cannot start."""
    if shutil.which(program) is not None:
        return
    if "/" not in program:
        why = "no such command (not on PATH)"
    else:
        why = "not executable" if Path(program).is_file() else "no such file"
    raise RunnotesError(f"cannot run {program!r}: {why}; no run was recorded")


def _finish(store: Store, run: Run, joined: bool, code: int, status: str) -> None:
    """A run of its own ends with the command; the active run it joined only records the exit."""
    if joined:
        run.end()  # flushes; the run is not this handle's to end
        record_command(store, run.id, exit_code=code)
    else:
        run.end(status, code)
