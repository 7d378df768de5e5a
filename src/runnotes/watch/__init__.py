"""``runnotes watch -- CMD…``: run a training command, pass its output through, log what it prints.

The command's stdout and stderr are copied byte for byte to ours (so progress bars still draw) by
threads that do nothing else: they also append what they read to a spool file in the store folder
(:mod:`runnotes.capture.spool`), and a process of its own, :mod:`runnotes.watch.reader`, reads it
for metrics as it grows — the command never waits for that reading, and the reading takes no
interpreter lock from the pumps. The reader splits the output into lines (on ``\\n`` and ``\\r``;
lines over 16 KiB and binary lines are output only, :mod:`runnotes.capture.lines`) and reads each
one with the parser (:mod:`runnotes.capture.parse`): the command line's options and the config
lines it prints become parameters, metric lines metric values. A line that names a step
(``Epoch 3/10``) sets the step for the metric lines that follow; a progress bar's values are one
batch's, kept apart as ``NAME/batch`` (step: batches so far) so ``NAME`` holds the per-epoch values.

When the command has ended, watch waits for the reader at most :func:`wait_bound` (a second, or a
tenth of the command's time); output still unread is then read on in the background, and watch
says so in one line. A spool whose reader died is taken up again by the next ``watch`` or by
``runnotes doctor``; each value is stored once.

Which run: inside a run a person started (``runnotes run start``, ``%runnotes start``) the command
is recorded into it, and the run stays open; otherwise (or with ``new_run``, a name, an
experiment or a project) the command gets a run of its own, owned by this process, which ends
with the command's exit status. The command itself reaches its run through ``RUNNOTES_RUN_ID``.
SIGTERM and SIGHUP are passed on to the command (see :func:`watch`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from runnotes.capture.spool import SpoolWriter, checkpoint_path
from runnotes.config import default_home
from runnotes.errors import RunnotesError
from runnotes.sdk import ENV_RUN_ID, Backend, Run, backend_for
from runnotes.sdk.run import OPEN
from runnotes.services.runs import status_of
from runnotes.store import runs as store_runs
from runnotes.store.kinds import Source

# Loaded once the command has started (the parser, the ORM, the reader's store writes): on a
# SQLite store the command starts without them, see ``_quick_run``.
if TYPE_CHECKING:
    from runnotes.cli.forked import ForkedReader

    Reader = subprocess.Popen[bytes] | ForkedReader

log = logging.getLogger(__name__)
JOINABLE = ("cli", "jupyter")  # active runs a person started: `watch` records into them
OUTPUT_LOG_BYTES = 4 << 20  # the output kept as the run's output.log: its last 4 MiB
FORWARDED = (signal.SIGTERM, signal.SIGHUP)  # passed on to the command
GRACE_S = 10.0  # what the command gets to end after SIGTERM/SIGHUP before it is killed
PIPE_BYTES = 1 << 20  # the command's pipes: what it can write before a pump must read
START_S = 30.0  # the reader's start-up (imports, the store) that watch waits for, at most
WAIT_S, WAIT_SHARE = 1.0, 0.1  # after the command, watch waits for its reader at most the
# larger of a second and a tenth of the command's time; the reader then goes on in the background
BEHIND = 2.0  # ... or not at all once, at the pace it has read so far, it needs this many times
# the wait left (a flood of metric lines): waiting would only delay watch
LOOK_S = 0.25  # how often watch looks at the reader's pace while it waits


@dataclass
class WatchResult:
    run_id: int
    exit_code: int
    status: str
    run_name: str = ""
    joined: bool = False  # recorded into the active run, which stays open
    params: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    reading: bool = False  # the output is still being read in the background: counts so far

    def summary(self) -> str:
        """The line the command line ends with: the run, how it ended, what was recorded."""
        names = ", ".join(sorted(self.counts)) or "none"
        ended = "stays open (end it with `runnotes run end`)" if self.joined else self.status
        values = (
            "metric values: still being read"
            if self.reading
            else f"{sum(self.counts.values())} metric values: {names}"
        )
        return (
            f"runnotes: run {self.run_id} ({self.run_name}) {ended}; exit {self.exit_code}; "
            f"params: {', '.join(self.params) or 'none'}; {values}"
        )


def wait_bound(ran: float) -> float:
    """How long watch waits for its reader after a command that ran ``ran`` seconds."""
    return max(WAIT_S, WAIT_SHARE * ran)


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


def _pump(
    stream: BinaryIO, sink: BinaryIO, index: int, output: _Output, spool: SpoolWriter
) -> None:
    """Moves bytes and nothing else: from the command's pipe to ours, to the kept output and to
    the spool, so the command never waits for any reading of its output. It reads all the pipe
    holds at once (up to its 1 MiB): fewer system calls and turns of the interpreter lock."""
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
            spool.put(index, chunk)
    finally:
        spool.put(index, None)  # the reader ends with the streams, whatever ended them


def _widen(pipe: BinaryIO | None) -> None:
    """A 1 MiB pipe (Linux's limit for any user) instead of 64 KiB: the command writes on while
    a pump waits for its turn on a busy machine."""
    # Not Linux, or a lower limit: the default pipe works, only narrower.
    with contextlib.suppress(OSError, AttributeError, ValueError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[union-attr]


def _home(backend: Backend) -> Path:
    """The store folder (a team server's client has one too: its settings, and the spool)."""
    return Path(backend.environment().get("RUNNOTES_HOME") or default_home())


def _start_reading(
    backend: Backend, run: Run, forked: ForkedReader | None
) -> tuple[SpoolWriter, Reader]:
    """The spool the pumps write to, and the reader process that tails it: ``forked`` (the
    command line's, forked before the store was opened), else a new one. Spools left by a
    reader that died are taken up first (their values were acknowledged: they are not lost)."""
    from runnotes.watch.reader import resume, spawn

    home = _home(backend)
    for left in resume(home):
        log.warning("watch: reading on %s, whose reader had stopped", left.name)
    environment = backend.environment()
    kept = {k: v for k, v in environment.items() if k != "RUNNOTES_TOKEN"}  # no secret on disk
    spool = SpoolWriter.create(home, {"run_id": run.id, "env": kept})
    if forked is not None:
        forked.hand(spool.path, environment)
        return spool, forked
    return spool, spawn(spool.path, {**os.environ, **environment})


def _wait_for(
    reader: Reader, spool: SpoolWriter, bound: float, env: dict[str, str]
) -> dict[str, Any] | None:
    """What the reader stored, once it has read the whole output; None when it reads on in the
    background (it took longer than ``bound``, cannot finish within it at the pace it reads, or
    Ctrl-C): said in one line. A reader that died is replaced (it takes up the spool where the
    last one stopped)."""
    try:
        _ready(reader)  # its start-up is not the reading: not counted in the bound
        deadline = time.monotonic() + bound
        notice = time.monotonic() + WAIT_S if bound > 2 * WAIT_S else None
        since = (time.monotonic(), _read(spool))
        while True:
            if _behind(spool, since, deadline - time.monotonic()):
                raise subprocess.TimeoutExpired("reader", bound)
            until = min(deadline, notice or deadline, time.monotonic() + LOOK_S)
            try:
                out, _ = reader.communicate(timeout=max(until - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    raise
                if notice is None or time.monotonic() < notice:
                    continue
                notice = None  # a long wait is said once (retrying loses no output)
                log.warning(
                    "watch: the command has ended; reading the %.1f MB of its output not read "
                    "yet (at most %.0f s more; Ctrl-C leaves it to the background)",
                    _unread(spool) / 2**20,
                    deadline - time.monotonic(),
                )
                continue
            if reader.returncode == 0 and not spool.path.exists():
                last = out.strip().splitlines()[-1:]  # a replacement's "ready" comes first
                return json.loads(last[0]) if last and last[0] != b"ready" else {}
            log.warning(
                "watch: the output's reader stopped (exit %s); another takes over",
                reader.returncode,
            )
            from runnotes.watch.reader import spawn

            reader = spawn(spool.path, env)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        pass
    if reader.stdout:
        reader.stdout.close()  # its summary is not waited for
    log.warning(
        "watch: the command has ended; %.1f MB of its output are still being read for metrics "
        "in the background (process %d; `runnotes doctor` shows how far)",
        _unread(spool) / 2**20,
        reader.pid,
    )
    return None


def _ready(reader: Reader) -> None:
    """Waits (at most :data:`START_S`) for the reader's ``ready`` line: it holds the spool. Read
    byte by byte from the pipe itself, so that nothing of what follows is left in a buffer
    ``communicate`` does not see."""
    if reader.stdout is None:
        return
    fd, seen = reader.stdout.fileno(), b""
    deadline = time.monotonic() + START_S
    while not seen.endswith(b"\n"):
        if not select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))[0]:
            return  # not started in time: the bound runs from now
        byte = os.read(fd, 1)
        if not byte:
            return  # it ended
        seen += byte


def _read(spool: SpoolWriter) -> int:
    """Bytes of the spool its reader has stored."""
    try:
        return int(json.loads(checkpoint_path(spool.path).read_text())["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _unread(spool: SpoolWriter) -> int:
    """Bytes of the spool its reader has not stored yet."""
    return max(spool.written - _read(spool), 0)


def _behind(spool: SpoolWriter, since: tuple[float, int], left: float) -> bool:
    """Whether the reader, at the pace it has read since the wait began (``since``: the time
    and the bytes stored then; while the command ran it may have idled, waiting for output),
    needs more than :data:`BEHIND` times the ``left`` seconds of the wait for the rest. No
    pace yet (no batch stored since) is no reason to stop waiting."""
    began, read_then = since
    read, took = _read(spool), time.monotonic() - began
    if read <= read_then or took < LOOK_S:
        return False
    pace = (read - read_then) / took
    return (spool.written - read) / pace > BEHIND * max(left, 0.0)


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


@dataclass(frozen=True)
class Lineage:
    """The run a watched command's run came from, and how (``--from``, ``--how``, ``--step``)."""

    parent: str | None = None
    how: str = "fork"
    step: int | None = None


@dataclass(frozen=True)
class _Opening:
    """Which run a command is recorded into: watch's options."""

    name: str | None
    new_run: bool
    experiment: str | None
    project: str | None
    tags: tuple[str, ...]
    lineage: Lineage

    def joins(self, active: store_runs.Active | None) -> bool:
        """Whether the command is recorded into the active run (one a person started, and no
        option asks for a run of its own)."""
        return (
            active is not None
            and active.by in JOINABLE
            and not (self.new_run or self.name or self.experiment or self.project)
        )


def _open_run(backend: Backend, command: list[str], opening: _Opening) -> tuple[Run, bool]:
    """The run to record into, and whether it is the active one (joined, left open)."""
    from runnotes.capture.context import collect
    from runnotes.sdk import start_run
    from runnotes.store.lineage import set_link

    active, lineage = backend.active(), opening.lineage
    if opening.joins(active):
        ref = backend.run_ref(active.run_id)  # type: ignore[union-attr]
        run = Run(backend, ref.id, ref.name, source=Source.watch)
        backend.add_tags(run.id, opening.tags)
        backend.record_command(run.id, collect(command, owned=False), None)
        if lineage.parent is not None:
            store = backend.local_store()
            set_link(store, run.id, lineage.parent, lineage.how, step=lineage.step, source="start")
        return run, True
    run = start_run(
        opening.name or default_name(command),
        experiment=opening.experiment,
        project=opening.project,
        tags=opening.tags,
        command=command,
        source=Source.watch,
        backend=backend,
        parent=lineage.parent,
        how=lineage.how,
        step=lineage.step,
    )
    return run, False


def _quick_run(backend: Backend, command: list[str], opening: _Opening) -> tuple[Run, bool] | None:
    """A run of the command's own, made in plain SQL on a SQLite store — owned by this process
    and the active run, so that a watch killed at any time leaves a run seen as crashed — so
    that the command starts before the ORM, the parser and git are loaded or asked; the rest of
    the run's start is recorded while the command runs (:func:`_record_start`). None: the run
    is opened the ordinary way, before the command (a team server, PostgreSQL, ``--from``, a
    command watched inside the run of another, or recorded into the active run a person
    started: that run says what ran in it before the command runs)."""
    if opening.lineage.parent is not None or os.environ.get(ENV_RUN_ID):
        return None
    try:
        store = backend.local_store()
    except RunnotesError:
        return None  # a team server's client
    if store.db_file is None:
        return None
    for tag in opening.tags:  # refused now, not once the command runs
        store_runs.plain_text("a tag", tag, store_runs.MAX_NAME)
    if opening.joins(store_runs.active_entry(store)):
        return None
    run_name = opening.name or default_name(command)
    run_id = store_runs.insert_run(
        store, run_name, experiment=opening.experiment, project=opening.project
    )
    run = Run(backend, run_id, run_name, source=Source.watch, owns_run=True)
    run.nested_in = store_runs.push_active(store, run.id, str(Source.watch))
    return OPEN.push(run), False


def _record_start(run: Run, command: list[str], tags: tuple[str, ...]) -> None:
    """What ``_open_run`` records before the command, for a run :func:`_quick_run` made: its
    tags and the command's context (git, packages)."""
    from runnotes.capture.context import collect

    store = run.backend.local_store()
    if tags:
        store_runs.add_tags(store, run.id, tags)
    store_runs.record_command(store, run.id, collect(command), owned=True)


def _record_args(run: Run, command: list[str], data: tuple[Path, ...]) -> dict[str, str]:
    """The params of the command line, and a fingerprint of each data file (as the command
    starts: the data it is about to read)."""
    from runnotes.capture.parse import parse_args

    params = parse_args(command)
    if params:
        run.log_params(params)
    for path in data:
        run.dataset(path)
    return params


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
    reader: ForkedReader | None = None,
) -> WatchResult:
    """Runs ``command`` and records it: its params from the command line, its metrics from its
    output, and a fingerprint of each ``data`` file (a change since the experiment's previous
    run is flagged). A command that cannot start is refused before any run is made. SIGTERM
    and SIGHUP (``timeout``, SLURM, Kubernetes, a closed terminal) are passed on to the command,
    which gets ``grace`` seconds to end before it is killed; the run then ends ``killed`` with
    the command's exit code. ``reader``: a reader forked before the store was opened
    (:func:`runnotes.cli.forked.forked`), handed the spool; else one is started."""
    if not command:
        raise RunnotesError("watch needs a command: runnotes watch -- python train.py")
    _check_runnable(command[0])
    for path in data:
        if not Path(path).is_file():
            raise RunnotesError(f"--data {path}: no such file; no run was recorded")
    backend = backend or backend_for()
    opening = _Opening(name, new_run, experiment, project, tags, lineage)
    quick = _quick_run(backend, command, opening)
    params: dict[str, str] = {}
    if quick is None:
        if lineage.parent is not None:  # a wrong --from or --how starts nothing
            from runnotes.store.lineage import check_parent

            check_parent(backend.local_store(), lineage.parent, lineage.how, lineage.step)
        run, joined = _open_run(backend, command, opening)
        params = _record_args(run, command, data)
    else:
        run, joined = quick
    spool, process = _start_reading(backend, run, reader)
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(backend, run.id),
        )
    except OSError as exc:
        for index in (0, 1):
            spool.put(index, None)  # nothing to read: the reader ends the spool on its own
        spool.close()
        _finish(run, joined, 127, status_of(127))
        raise RunnotesError(f"cannot run {command[0]!r}: {exc.strerror or exc}") from exc
    started = time.monotonic()
    sinks = (stdout or sys.stdout.buffer, stderr or sys.stderr.buffer)
    for pipe in (proc.stdout, proc.stderr, *sinks):
        # Ours too, when they are pipes: a pump writes a whole chunk to the reader of our
        # output (a log collector, `| tee`) without waiting for it to be read.
        _widen(pipe)  # type: ignore[arg-type]
    output = _Output()
    threads = [
        threading.Thread(target=_pump, args=(src, dst, i, output, spool), daemon=True)
        for i, (src, dst) in enumerate(((proc.stdout, sinks[0]), (proc.stderr, sinks[1])))
    ]
    for thread in threads:
        thread.start()
    with _Stop(proc, grace) as stop:
        if quick is not None:  # the command runs: the rest of its run's start
            try:
                _record_start(run, command, tags)
                params = _record_args(run, command, data)
            except Exception:  # noqa: BLE001 - the command runs on, and its output is read
                log.exception("watch: could not record the command's context or params")
        code = stop.wait()
    for thread in threads:
        # Stopped: a grandchild may hold the pipes open; the run ends anyway.
        thread.join(grace if stop.signal else None)
    spool.close()
    stored: dict[str, Any] | None = {}  # nothing printed, nothing to wait for
    if output.total:
        bound = wait_bound(time.monotonic() - started)
        env = {**os.environ, **backend.environment()}
        stored = _wait_for(process, spool, bound, env)
    elif process.stdout:
        process.stdout.close()  # the reader ends the empty spool on its own
    if code < 0:
        code = 128 - code
    status = status_of(code, signalled=stop.signal is not None)
    if spool.skipped:
        log.warning("watch: %d bytes of output were not read for metrics", spool.skipped)
    run.attach(
        "output.log",
        output.tail(),
        mime="text/plain",
        text=" ".join(command),
        extra={
            "exit_code": code,
            "truncated": output.total > OUTPUT_LOG_BYTES,
            "unread_bytes": spool.skipped,
        },
    )
    _finish(run, joined, code, status, charts=stored is not None)
    return WatchResult(
        run_id=run.id,
        exit_code=code,
        status=status,
        run_name=run.name,
        joined=joined,
        params={**params, **(stored or {}).get("params", {})},
        counts=Counter((stored or {}).get("counts", {})),
        reading=stored is None,
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
    command; one that has not ended ``grace`` seconds after SIGTERM/SIGHUP is killed. Ctrl-C
    raises nothing here: it must not cut the recording of the run's start that goes on while
    the command runs, nor a wait for the command between reaping it and keeping its status."""

    def __init__(self, proc: subprocess.Popen[bytes], grace: float) -> None:
        self.proc, self.grace = proc, grace
        self.signal: int | None = None
        self.timer: threading.Timer | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for sig in FORWARDED:
                self.previous[sig] = signal.signal(sig, self._forward)
            self.previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._interrupt)
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

    def _interrupt(self, _signum: int, _frame: object) -> None:
        """Ctrl-C (the command had it from the terminal too; passed on, in case it had not)."""
        self.signal = signal.SIGINT
        self.proc.send_signal(signal.SIGINT)  # nothing when it has ended

    def wait(self) -> int:
        return self.proc.wait()


def _finish(run: Run, joined: bool, code: int, status: str, *, charts: bool = True) -> None:
    """A run of its own ends with the command; the active run it joined only records the exit.
    ``charts=False``: its output is still being read (the reader draws them at its end)."""
    if joined:
        run.end()  # flushes; the run is not this handle's to end
        run.backend.record_command(run.id, None, code)
    else:
        run.end(status, code, charts=charts)
