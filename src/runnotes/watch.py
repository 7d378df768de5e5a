"""``runnotes watch -- CMD…``: run a training command, pass its output through, log what it prints.

The command's stdout and stderr are copied byte for byte to ours (so progress bars still draw) by
threads that do nothing else, so the command never waits for the reading; a thread of its own
splits the output into lines (on ``\\n`` and ``\\r``; long and binary lines are output only,
:mod:`runnotes.capture.lines`) and reads each one with the parser
(:mod:`runnotes.capture.parse`): the command line's options and the config lines it prints become
parameters, metric lines metric values. A line that names a step (``Epoch 3/10``) sets the step
for the metric lines that follow; a progress bar's values are one batch's, kept apart as
``NAME/batch`` (step: batches so far) so ``NAME`` holds the per-epoch values.

Which run: inside a run a person started (``runnotes run start``, ``%runnotes start``) the command
is recorded into it, and the run stays open; otherwise (or with ``new_run``, a name, an
experiment or a project) the command gets a run of its own, owned by this process, which ends
with the command's exit status. The command itself reaches its run through ``RUNNOTES_RUN_ID``.
SIGTERM and SIGHUP are passed on to the command (see :func:`watch`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
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
from runnotes.capture.lines import Backlog, Splitter, as_text
from runnotes.capture.parse import LineReader, parse_args
from runnotes.errors import RunnotesError
from runnotes.sdk import ENV_RUN_ID, Backend, Run, backend_for, start_run
from runnotes.services.runs import status_of
from runnotes.store.lineage import check_parent, set_link
from runnotes.store.models import Source

log = logging.getLogger(__name__)
JOINABLE = ("cli", "jupyter")  # active runs a person started: `watch` records into them
OUTPUT_LOG_BYTES = 4 << 20  # the output kept as the run's output.log: its last 4 MiB
FORWARDED = (signal.SIGTERM, signal.SIGHUP)  # passed on to the command
GRACE_S = 10.0  # what the command gets to end after SIGTERM/SIGHUP before it is killed
PIPE_BYTES = 1 << 20  # the command's pipes: what it can write before a pump must read
READ_ON_S = 1.0  # reading still going on this long after the command: watch says why it waits
SWITCH_S = 0.001  # Python's thread switch interval while watching (its default: 5 ms)


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
    gives the step to the bar on stderr) into parameters and metric values on the run. It runs
    in one thread of its own, never in the ones that drain the command's pipes."""

    def __init__(self, run: Run, counts: Counter[str], params: dict[str, str]) -> None:
        self.run, self.counts, self.params = run, counts, params
        self.reader = LineReader()
        self.step: int | None = None  # the step (epoch) the last header named
        self.bar: tuple[int, int | None] = (-1, None)  # the last progress-bar update
        self.batches = 0  # batches counted in the bars before this one

    def feed(self, line: bytes) -> None:
        text = as_text(line)
        if text is None:
            return  # binary output: passed through, not read
        parsed = self.reader.read(text)
        if parsed.params:
            self.run.log_params(parsed.params)
            self.params.update(parsed.params)
        metrics = parsed.metrics
        if parsed.batch and parsed.progress is not None:
            # A bar's own step comes from its count. The epoch in its description ("Epoch 3:
            # 45%|…") is not taken for other lines: the bar is often on the other stream,
            # so the order between them is not known.
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


class _Output:
    """The command's output as the run keeps it (output.log): its last bytes, bounded."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data = bytearray()
        self.total = 0

    def keep(self, chunk: bytes) -> None:
        with self.lock:
            self.total += len(chunk)
            self.data += chunk
            if len(self.data) > 2 * OUTPUT_LOG_BYTES:
                del self.data[:-OUTPUT_LOG_BYTES]

    def tail(self) -> bytes:
        with self.lock:
            return bytes(self.data[-OUTPUT_LOG_BYTES:])


def _pump(stream: BinaryIO, sink: BinaryIO, index: int, output: _Output, backlog: Backlog) -> None:
    """Moves bytes and nothing else: from the command's pipe to ours, to the kept output and to
    the line reader, so the command never waits for any reading of its output. It reads all the
    pipe holds at once (up to its 1 MiB): each read costs a turn of Python's interpreter lock,
    which the line reader holds in between, so fewer turns drain a flood sooner."""
    fd = stream.fileno()
    writing = True
    try:
        while chunk := os.read(fd, PIPE_BYTES):
            if writing:
                try:
                    sink.write(chunk)
                    sink.flush()
                except (OSError, ValueError):
                    writing = False  # our own output went away (a closed terminal): drain on
            output.keep(chunk)
            backlog.put(index, chunk)
    finally:
        backlog.put(index, None)  # the reader ends with the streams, whatever ended them


def _widen(pipe: BinaryIO | None) -> None:
    """A 1 MiB pipe (Linux's limit for any user) instead of 64 KiB: the command writes on while
    a pump waits for its turn on a busy machine."""
    # Not Linux, or a lower limit: the default pipe works, only narrower.
    with contextlib.suppress(OSError, AttributeError, ValueError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[union-attr]


def _read_lines(backlog: Backlog, logger: _LineLogger) -> None:
    """The reading side: splits each stream's chunks into lines and logs what they report,
    until every stream has ended or the reading is stopped (:meth:`Backlog.close`)."""
    splitters = [Splitter() for _ in range(backlog.streams)]
    open_streams = backlog.streams
    while open_streams and (taken := backlog.take()) is not None:
        index, chunk, gap = taken
        splitter = splitters[index]
        if gap:
            splitter.skip()
        lines = splitter.finish() if chunk is None else splitter.feed(chunk)
        open_streams -= chunk is None
        for i, line in enumerate(lines):
            if backlog.closed:  # stopped: the rest of this piece is not read either
                backlog.unread(sum(len(rest) + 1 for rest in lines[i:]))
                return
            try:
                logger.feed(line)
            except Exception:  # a line must never stop the reading of the next ones
                log.exception("watch: could not read a line of output")


def _finish_reading(
    reader: threading.Thread, backlog: Backlog, signalled: bool, grace: float
) -> None:
    """After the command: the reader finishes what the command printed faster than it could
    be read (saying so when that takes a while). Ctrl-C, or a command stopped by a signal and
    ``grace`` seconds of reading, stop it: what is left is not read (``backlog.skipped``)."""
    reader.join(grace if signalled else READ_ON_S)
    if reader.is_alive() and not signalled:
        log.warning(
            "watch: the command has ended; reading the %.1f MB of output it printed faster "
            "than it could be read (Ctrl-C stops this: those values are then not stored)",
            backlog.waiting / 2**20,
        )
        with contextlib.suppress(KeyboardInterrupt):
            reader.join()
    backlog.close()  # stops a reader still going; frees the file
    reader.join()


def default_name(command: list[str]) -> str:
    """A run's name from its command: the script (``train`` for ``python train.py``), the
    module (``-m pkg.train``), else the program."""
    for i, arg in enumerate(command):
        if arg == "-m" and i + 1 < len(command):
            return command[i + 1].rsplit(".", 1)[-1]
        if arg.endswith(".py") and not arg.startswith("-"):
            return Path(arg).stem
    return Path(command[0]).name


def _child_env(backend: Backend, run_id: int) -> dict[str, str]:
    """The command's environment: its SDK calls go to this run, where it lives (this store, or
    the team server), whatever settings the command would find on its own."""
    return {**os.environ, **backend.environment(), ENV_RUN_ID: str(run_id)}


def _open_run(
    backend: Backend,
    command: list[str],
    *,
    name: str | None,
    new_run: bool,
    experiment: str | None,
    project: str | None,
    tags: tuple[str, ...],
    lineage: Lineage,
) -> tuple[Run, bool]:
    """The run to record into, and whether it is the active one (joined, left open)."""
    active = backend.active()
    if (
        active is not None
        and active.by in JOINABLE
        and not (new_run or name or experiment or project)
    ):
        ref = backend.run_ref(active.run_id)
        run = Run(backend, ref.id, ref.name, source=Source.watch)
        backend.add_tags(run.id, tags)
        backend.record_command(run.id, collect(command, owned=False), None)
        if lineage.parent is not None:
            store = backend.local_store()
            set_link(store, run.id, lineage.parent, lineage.how, step=lineage.step, source="start")
        return run, True
    run = start_run(
        name or default_name(command),
        experiment=experiment,
        project=project,
        tags=tags,
        command=command,
        source=Source.watch,
        backend=backend,
        parent=lineage.parent,
        how=lineage.how,
        step=lineage.step,
    )
    return run, False


@dataclass(frozen=True)
class Lineage:
    """The run a watched command's run came from, and how (``--from``, ``--how``, ``--step``)."""

    parent: str | None = None
    how: str = "fork"
    step: int | None = None


def watch(
    command: list[str],
    *,
    name: str | None = None,
    new_run: bool = False,
    experiment: str | None = None,
    project: str | None = None,
    tags: tuple[str, ...] = (),
    data: tuple[Path, ...] = (),
    backend: Backend | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
    grace: float = GRACE_S,
    lineage: Lineage = Lineage(),
) -> WatchResult:
    """Runs ``command`` and records it: its params from the command line, its metrics from its
    output, and a fingerprint of each ``data`` file (a change since the experiment's previous
    run is flagged). A command that cannot start is refused before any run is made. SIGTERM
    and SIGHUP (``timeout``, SLURM, Kubernetes, a closed terminal) are passed on to the command,
    which gets ``grace`` seconds to end before it is killed; the run then ends ``killed`` with
    the command's exit code."""
    if not command:
        raise RunnotesError("watch needs a command: runnotes watch -- python train.py")
    _check_runnable(command[0])
    for path in data:
        if not Path(path).is_file():
            raise RunnotesError(f"--data {path}: no such file; no run was recorded")
    backend = backend or backend_for()
    if lineage.parent is not None:  # a wrong --from or --how starts nothing
        check_parent(backend.local_store(), lineage.parent, lineage.how, lineage.step)
    run, joined = _open_run(
        backend,
        command,
        name=name,
        new_run=new_run,
        experiment=experiment,
        project=project,
        tags=tags,
        lineage=lineage,
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
            env=_child_env(backend, run.id),
        )
    except OSError as exc:
        _finish(run, joined, 127, status_of(127))
        raise RunnotesError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from exc
    sinks = (stdout or sys.stdout.buffer, stderr or sys.stderr.buffer)
    for pipe in (proc.stdout, proc.stderr, *sinks):
        # Ours too, when they are pipes: a pump writes a whole chunk to the reader of our
        # output (a log collector, `| tee`) without waiting for it to be read.
        _widen(pipe)  # type: ignore[arg-type]
    backlog = Backlog(streams=2)
    output = _Output()
    threads = [
        threading.Thread(target=_pump, args=(src, dst, i, output, backlog), daemon=True)
        for i, (src, dst) in enumerate(((proc.stdout, sinks[0]), (proc.stderr, sinks[1])))
    ]
    reader = threading.Thread(target=_read_lines, args=(backlog, logger), daemon=True)
    switch = sys.getswitchinterval()
    # A pump waits for the interpreter lock after each system call while the reader holds
    # it: a shorter interval makes that wait 1 ms instead of 5.
    sys.setswitchinterval(min(switch, SWITCH_S))
    try:
        for thread in [*threads, reader]:
            thread.start()
        with _Stop(proc, grace) as stop:
            code = stop.wait()
        for thread in threads:
            # Stopped: a grandchild may hold the pipes open; the run ends anyway.
            thread.join(grace if stop.signal else None)
        _finish_reading(reader, backlog, stop.signal is not None, grace)
    finally:
        sys.setswitchinterval(switch)
    if code < 0:
        code = 128 - code
    status = status_of(code, signalled=stop.signal is not None)
    if backlog.skipped:
        log.warning("watch: %d bytes of output were not read for metrics", backlog.skipped)
    run.attach(
        "output.log",
        output.tail(),
        mime="text/plain",
        text=" ".join(command),
        extra={
            "exit_code": code,
            "truncated": output.total > OUTPUT_LOG_BYTES,
            "unread_bytes": backlog.skipped,
        },
    )
    _finish(run, joined, code, status)
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


class _Stop:
    """While the command runs: Ctrl-C (the terminal sends SIGINT to the whole group, the
    command gets it too) and SIGTERM/SIGHUP, passed on to the command, end the wait with the
    command; one that has not ended ``grace`` seconds after SIGTERM/SIGHUP is killed."""

    def __init__(self, proc: subprocess.Popen[bytes], grace: float) -> None:
        self.proc, self.grace = proc, grace
        self.signal: int | None = None
        self.timer: threading.Timer | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for sig in FORWARDED:
                self.previous[sig] = signal.signal(sig, self._forward)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        if self.timer is not None:
            self.timer.cancel()

    def _forward(self, signum: int, _frame: object) -> None:
        self.signal = signum
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            if self.timer is None:
                self.timer = threading.Timer(self.grace, self._kill)
                self.timer.daemon = True
                self.timer.start()

    def _kill(self) -> None:
        if self.proc.poll() is None:
            log.warning(
                "watch: the command did not end %.0f s after the signal; killing it", self.grace
            )
            self.proc.kill()

    def wait(self) -> int:
        while True:
            try:
                return self.proc.wait()
            except KeyboardInterrupt:
                self.signal = signal.SIGINT
                if self.proc.poll() is None:
                    self.proc.send_signal(signal.SIGINT)


def _finish(run: Run, joined: bool, code: int, status: str) -> None:
    """A run of its own ends with the command; the active run it joined only records the exit."""
    if joined:
        run.end()  # flushes; the run is not this handle's to end
        run.backend.record_command(run.id, None, code)
    else:
        run.end(status, code)
