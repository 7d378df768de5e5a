"""The run handle: :class:`Run`, and the runs this process holds open (:data:`OPEN`).

A :class:`Run` logs through a :class:`~runnotes.backend.Backend` (a local store or a team server),
so buffering, step counters, likes and notes behave the same wherever the run lives. Metric values
are buffered and written in batches (every ``FLUSH_ROWS`` values, every ``FLUSH_SECONDS`` seconds,
on :meth:`Run.flush` and at the end of the run), which is what makes logging hundreds of thousands
of values per second possible; :meth:`Run.flush` returning means every value logged so far is
committed.

A batch that cannot be written (the database locked past its busy timeout, a full disk, a server
that does not answer) stays in memory and is retried: the background flush logs the failure and
tries again a second later, :meth:`Run.flush` raises it, and :meth:`Run.end` ends the run
``failed`` rather than ``ok`` when values are still unsaved. Values that can never be stored (a
step beyond 64 bits, a value that is not a number) are refused by :meth:`Run.log_metric` itself,
so they never poison a batch.

What the process holds open lives in one :class:`OpenRuns` object, not in module globals that
other modules reach into; its exit handler is registered when the first run is opened, after the
store or HTTP client it needs was loaded, so it runs before their own exit handlers (``atexit``
calls the last registered first) whatever order modules were imported in.
"""

from __future__ import annotations

import atexit
import logging
import operator
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runnotes.backend import Backend
from runnotes.errors import Conflict, RunnotesError
from runnotes.formatting import as_number
from runnotes.services.runs import status_of
from runnotes.store.db import Store
from runnotes.store.kinds import Kind, Review, Source
from runnotes.store.runs import (  # param_captures: watch takes it from here too
    INT64,
    MAX_NAME,
    Active,
    MetricValues,
    NewCapture,
    ending,
    param_captures,
)

if TYPE_CHECKING:
    from runnotes.capture.dataset import Fingerprint

_LOWEST, _HIGHEST = INT64  # module names: log_metric runs ~10^6 times a second, each lookup counts
_now = time.time
FLUSH_ROWS = 20_000
FLUSH_SECONDS = 1.0
log = logging.getLogger(__name__)


def metric_name(key: Any) -> str:
    """A metric name every store (and a team server) can keep: text, at most MAX_NAME
    characters, no NUL. Refused here, a bad name can never hold up the batch it would join."""
    if not isinstance(key, str):
        raise RunnotesError(f"a metric name must be text, not {key!r}")
    if len(key) > MAX_NAME or "\x00" in key:
        shown = key[:40] + ("..." if len(key) > 40 else "")
        raise RunnotesError(
            f"metric name {shown!r} is too long or holds NUL (at most {MAX_NAME} characters)"
        )
    return key


def metric_step(key: str, step: Any) -> int:
    """A step as the store keeps it: an integer that fits in 64 bits (a one-line error if not)."""
    try:
        step = operator.index(step)
    except TypeError:
        raise RunnotesError(f"step of {key!r} must be an integer, not {step!r}") from None
    if not INT64[0] <= step <= INT64[1]:
        raise RunnotesError(f"step {step} of {key!r} is out of range (it must fit in 64 bits)")
    return step


def metric_value(key: str, value: Any) -> float:
    """A metric value as a float; NaN and ±inf are values too (a diverged loss is worth keeping)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RunnotesError(f"metric {key!r} must be a number, not {value!r}") from None


class Run:
    """A handle on one run: log to it, then end it (or use it as a context manager).

    Its writes go through a :class:`~runnotes.backend.Backend`: a local store, or a team server
    (:mod:`runnotes.backend.remote`)."""

    def __init__(
        self,
        backend: Backend,
        run_id: int,
        name: str,
        *,
        source: str = Source.sdk,
        owns_run: bool = False,
    ) -> None:
        self.backend = backend
        self.id = run_id
        self.name = name
        self.source = str(source)  # plain str: sqlite3 binds str subclasses (enums) slowly
        self._owns_run = owns_run
        self.nested_in: Active | None = None  # the run that was active when this one started
        # plain tuples (MetricValues: the garbage collector lets them go)
        self._buffer: deque[MetricValues] = deque()
        self._unsent: list[MetricValues] = []  # taken off the buffer, not yet committed
        self._failure: str | None = None  # why the last write failed (None: it did not)
        self._flush_lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._counters: dict[str, int] = {}
        self._names: set[str] = set()  # metric names already checked by metric_name
        self._timer: threading.Thread | None = None
        self._stop = threading.Event()

    # -- metrics: buffered ------------------------------------------------------------------
    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        if key.__class__ is not str or key not in self._names:
            self._names.add(metric_name(key))
        if step is None:
            step = self._counters.get(key, -1) + 1
            self._counters[key] = step
        elif step.__class__ is not int or not _LOWEST <= step <= _HIGHEST:
            step = metric_step(key, step)
        number = value if value.__class__ is float else metric_value(key, value)
        text = None if number - number == 0.0 else repr(number)  # NaN or ±inf: kept as text
        buffer = self._buffer
        row = (self.id, "metric", self.source, key, number, step, _now(), "approved", text)
        buffer.append(row)
        if len(buffer) >= FLUSH_ROWS and self._failure is None:
            self._try_flush()
        elif self._timer is None:
            self._start_timer()

    def log_metrics(self, values: Mapping[str, float], step: int | None = None) -> None:
        for key, value in values.items():
            self.log_metric(key, value, step)

    def flush(self) -> None:
        """Commit every metric value logged so far (thread-safe: deque appends never block).

        Raises RunnotesError when they cannot be written; they stay buffered and are retried.
        A batch that failed is sent again exactly as it was, before the values logged since: a
        team server knows a batch by its content (:mod:`runnotes.backend.remote`), so a batch it
        committed without its answer arriving is not stored twice."""
        with self._flush_lock:
            if self._unsent:
                self._write_unsent()
            buffer = self._buffer
            self._unsent = [buffer.popleft() for _ in range(len(buffer))]
            if self._unsent:
                self._write_unsent()
            self._failure = None
            self._last_flush = time.monotonic()

    def _write_unsent(self) -> None:
        try:
            self.backend.write_metrics(self.id, self._unsent)
        except Exception as exc:  # noqa: BLE001 - any failure: keep the rows, say why
            self._failure = _one_line(exc)
            raise RunnotesError(
                f"{len(self._unsent) + len(self._buffer)} metric values of run {self.id} are "
                f"not stored yet (kept in memory, retried): {self._failure}"
            ) from exc
        self._unsent = []

    def _try_flush(self) -> None:
        """A flush on the logging path or the timer: a failure is logged, the rows stay."""
        try:
            self.flush()
        except RunnotesError as exc:
            log.warning("runnotes: %s", exc)

    @property
    def store(self) -> Store:
        """The local store this run is in (a RunnotesError in team mode)."""
        return self.backend.local_store()

    def _start_timer(self) -> None:
        def loop() -> None:
            while not self._stop.wait(FLUSH_SECONDS):
                if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
                    self._try_flush()

        self._timer = threading.Thread(target=loop, name=f"runnotes-flush-{self.id}", daemon=True)
        self._timer.start()

    # -- everything else: committed before returning ------------------------------------------
    def capture(self, *captures: NewCapture) -> list[int]:
        return self.backend.add_captures(self.id, captures)

    def log_param(self, key: str, value: Any) -> None:
        self.log_params({key: value})

    def log_params(self, values: Mapping[str, Any]) -> None:
        self.capture(*param_captures(self.source, values))

    def like(
        self, key: str, value: Any, *, step: int | None = None, origin: str | None = None
    ) -> int:
        """A value worth keeping: stored approved, so it goes straight into reports."""
        number = as_number(value)
        kind = Kind.metric if number is not None else Kind.param
        step = None if step is None else metric_step(key, step)
        like = NewCapture(
            kind=kind,
            source=self.source,
            name=key,
            value=number,
            text=str(value),
            step=step,
            origin=origin,
            review=Review.approved,
            liked=True,
        )
        (cid,) = self.backend.add_captures(self.id, [like])
        return cid

    def note(self, text: str, *, origin: str | None = None) -> int:
        """A note (approved: you wrote it); the values it says wait for review, as spoken ones."""
        from runnotes.voice.typed import run_names, says_a_number, typed_values

        (cid,) = self.capture(
            NewCapture(
                kind=Kind.note, source=self.source, text=text, origin=origin, review=Review.approved
            )
        )
        if not says_a_number(text):
            return cid
        try:
            known = run_names(self.backend.local_store(), self.id)
        except RunnotesError:  # a team server: its names are not here
            known = {}
        derived = typed_values(text, cid, self.source, known)
        if derived:
            self.capture(*derived)
        return cid

    def set_goal(self, text: str) -> None:
        """State what this run's experiment is for: the drafts open with it."""
        self.backend.set_goal(self.id, text)

    def dataset(self, path: str | Path) -> Fingerprint:
        """Fingerprint a data file; says (on stderr, and as a note) when it changed since the
        previous run of this experiment that used a file of the same name."""
        from runnotes.capture.dataset import fingerprint

        fp = fingerprint(path)
        name = Path(fp.path).name
        message = self.backend.dataset_change(self.id, name, fp)
        extra = fp.as_dict() | ({"changed": message} if message else {})
        captures = [
            NewCapture(
                kind=Kind.dataset,
                source=self.source,
                name=name,
                value=fp.rows,
                text=fp.describe(),
                origin=fp.path,
                review=Review.approved,
                extra=extra,
            )
        ]
        if message:
            print(f"runnotes: {message}", file=sys.stderr)
            captures.append(
                NewCapture(
                    kind=Kind.note,
                    source=self.source,
                    text=message,
                    origin=fp.path,
                    review=Review.approved,
                    extra={"role": "observation"},  # runnotes noticed it: not a decision
                )
            )
        self.capture(*captures)
        return fp

    def artifact(self, path: str | Path) -> str:
        """Keep a copy of a file (content-addressed) and link it to the run; returns its sha256."""
        path = Path(path)
        if not path.is_file():
            raise RunnotesError(f"no such file: {path}")
        origin = str(path.resolve())
        return self.attach(path.name, path.read_bytes(), text=origin, origin=origin)

    def attach(
        self,
        name: str,
        data: bytes,
        *,
        mime: str = "application/octet-stream",
        text: str | None = None,
        origin: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Keep bytes as an artifact of the run (``watch`` keeps the command's output this way)."""
        sha = self.backend.put_media(data, mime, Path(name).suffix.lower(), name)
        self.capture(
            NewCapture(
                kind=Kind.artifact,
                source=self.source,
                name=name,
                text=text,
                media_sha=sha,
                origin=origin,
                review=Review.approved,
                extra={"size": len(data), **(extra or {})},
            )
        )
        return sha

    # -- ending -------------------------------------------------------------------------------
    def end(self, status: str = "ok", exit_code: int | None = None, *, charts: bool = True) -> None:
        """Flush, then end the run. When metric values cannot be stored the run ends ``failed``
        (if the store takes even that) and the error is raised: lost data never ends ``ok``.
        ``status`` is ok, failed or killed. A run already ended elsewhere (``runnotes run end``,
        the web) keeps that end: it is final, so this one is logged, not stored. ``charts``:
        False when values are still arriving (``watch``'s reader draws them at its end)."""
        ending(status, exit_code)  # a bad status or exit code ends nothing
        self._stop.set()
        try:
            self.flush()
        except RunnotesError:
            if self._owns_run:
                self._owns_run = False
                try:
                    self.backend.finish(self.id, "failed", exit_code if exit_code else 1)
                except Exception as exc:  # noqa: BLE001 - the flush error is the one to report
                    log.warning("runnotes: cannot mark run %s failed: %s", self.id, exc)
            raise
        finally:
            OPEN.remove(self)
        if self._owns_run:
            try:
                self.backend.finish(self.id, status, exit_code, charts=charts)
            except Conflict as exc:
                log.warning("runnotes: %s; %s is not stored", exc, status)
            self._owns_run = False

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.end("ok", 0)
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("killed", 130)
        else:
            self.end("failed", 1)

    def __repr__(self) -> str:
        return f"<runnotes.Run {self.id} {self.name!r}>"


def _one_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class OpenRuns:
    """The runs this process started (a stack: the innermost is the current one) and its handles
    on runs it did not start (one per backend and run, so module-level calls share a buffer).
    At exit, runs it started end (``failed`` after an uncaught error) and handles are flushed."""

    def __init__(self) -> None:
        self.stack: list[Run] = []
        self.handles: dict[tuple[int, int], Run] = {}
        self.exit_codes: list[Any] = []  # what sys.exit was called with, once watched
        self._lock = threading.Lock()
        self._at_exit = False
        self._exit_watched = False

    def _watch_exit(self) -> None:
        if not self._at_exit:
            self._at_exit = True
            atexit.register(self.close)

    def push(self, run: Run) -> Run:
        with self._lock:
            self._watch_exit()
            self.stack.append(run)
        return run

    def remove(self, run: Run) -> None:
        with self._lock:
            if run in self.stack:
                self.stack.remove(run)

    def innermost(self) -> Run | None:
        """The innermost run this process started and has not ended, if any."""
        return self.stack[-1] if self.stack else None

    def handle(self, backend: Backend, run_id: int, name: str, source: str = Source.sdk) -> Run:
        """This process's one handle on a run it did not start."""
        key = (id(backend), run_id)
        with self._lock:
            if key not in self.handles:
                self._watch_exit()
                self.handles[key] = Run(backend, run_id, name, source=source)
            return self.handles[key]

    def known(self, backend: Backend, run_id: int) -> Run | None:
        return self.handles.get((id(backend), run_id))

    def watch_exit_codes(self) -> None:
        """Note what ``sys.exit`` is called with (as W&B does), so a run left open by a script
        that exits non-zero ends ``failed``: an exit handler cannot see the code otherwise."""
        if self._exit_watched:
            return
        self._exit_watched = True
        original = sys.exit

        def exit_(code: Any = None) -> None:
            self.exit_codes.append(code)
            original(code)

        sys.exit = exit_  # type: ignore[assignment]

    def exit_status(self) -> tuple[str, int | None]:
        """How the process is ending: an uncaught exception fails its runs; a ``sys.exit``
        code (when watched) says what :func:`~runnotes.services.runs.status_of` says."""
        if getattr(sys, "last_value", None) is not None:
            return "failed", 1
        code = self.exit_codes[-1] if self.exit_codes else None
        if code in (None, 0):
            return "ok", code
        code = code if isinstance(code, int) else 1
        return status_of(code), code

    def close(self) -> None:
        status, code = self.exit_status()
        for run in list(reversed(self.stack)):
            try:
                run.end(status, code)
            except RunnotesError as exc:
                print(f"runnotes: error: {exc}", file=sys.stderr)
        for handle in list(self.handles.values()):
            try:
                handle.end()  # flushes: it does not own its run, so the run stays as it is
            except RunnotesError as exc:
                print(f"runnotes: error: {exc}", file=sys.stderr)


OPEN = OpenRuns()
