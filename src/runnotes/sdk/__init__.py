"""The Python API: ``with runnotes.start_run("name", experiment="e") as run: run.log_metric(...)``.

This is the library API the CLI and the web page are built on too. Parameters, likes, notes and
datasets are committed before the call returns. Metric values are buffered and written in batches
(every ``FLUSH_ROWS`` values, every ``FLUSH_SECONDS`` seconds, on :meth:`Run.flush` and at the
end of the run), which is what makes logging hundreds of thousands of values per second possible;
:meth:`Run.flush` returning means every value logged so far is committed.

A batch that cannot be written (the database locked past its busy timeout, a full disk, a server
that does not answer) stays in memory and is retried: the background flush logs the failure and
tries again a second later, :meth:`Run.flush` raises it, and :meth:`Run.end` ends the run
``failed`` rather than ``ok`` when values are still unsaved. Values that can never be stored (a
step beyond 64 bits, a value that is not a number) are refused by :meth:`Run.log_metric` itself,
so they never poison a batch.
"""

from __future__ import annotations

import atexit
import functools
import logging
import operator
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from runnotes.capture import context as run_context
from runnotes.capture.dataset import Fingerprint, fingerprint
from runnotes.config import Settings, load_settings
from runnotes.errors import Conflict, RunnotesError
from runnotes.formatting import as_number
from runnotes.sdk.backend import LocalBackend, RunBackend
from runnotes.services.runs import finish_run
from runnotes.store.db import Store, open_store
from runnotes.store.lineage import check_parent, set_link
from runnotes.store.models import Kind, Review, Source
from runnotes.store.models import Run as RunRow
from runnotes.store.queries import resolve_run
from runnotes.store.runs import (
    INT64,
    MAX_NAME,
    Active,
    MetricRow,
    NewCapture,
    active_entry,
    active_run_id,
    add_tags,
    create_run,
    ending,
    push_active,
    target_run_id,
)

# A MetricRow made without the Python frame of its generated __new__: a third of logging's own
# time went to it (the fields are the same, in the same order).
_metric_row = functools.partial(tuple.__new__, MetricRow)
_LOWEST, _HIGHEST = INT64  # module names: log_metric runs ~10^6 times a second, each lookup counts
_now = time.time
FLUSH_ROWS = 20_000
FLUSH_SECONDS = 1.0
ENV_RUN_ID = "RUNNOTES_RUN_ID"  # set by `runnotes watch` for the command it runs
log = logging.getLogger(__name__)

_stores: dict[tuple[str, str], Store] = {}
_stack: list[Run] = []
_handles: dict[tuple[int, int], Run] = {}  # (id(store), run id) → the handle SDK calls log to
_lock = threading.Lock()


def get_store(settings: Settings | None = None) -> Store:
    """The store for these settings, opened once per process."""
    settings = settings or load_settings()
    key = (settings.db_url, str(settings.media_dir))
    with _lock:
        if key not in _stores:
            _stores[key] = open_store(settings)
        return _stores[key]


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

    Its writes go through a :class:`~runnotes.sdk.backend.RunBackend`: a local store, or a team
    server (:mod:`runnotes.sdk.remote`); :func:`local_run` makes the usual local one."""

    def __init__(
        self,
        backend: RunBackend,
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
        self._buffer: deque[MetricRow] = deque()
        self._unsent: list[MetricRow] = []  # taken off the buffer, not yet committed
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
        buffer.append(_metric_row(row))
        if len(buffer) >= FLUSH_ROWS and self._failure is None:
            self._try_flush()
        elif self._timer is None:
            self._start_timer()

    def log_metrics(self, values: Mapping[str, float], step: int | None = None) -> None:
        for key, value in values.items():
            self.log_metric(key, value, step)

    def flush(self) -> None:
        """Commit every metric value logged so far (thread-safe: deque appends never block).

        Raises RunnotesError when they cannot be written; they stay buffered and are retried."""
        with self._flush_lock:
            buffer = self._buffer
            self._unsent.extend([buffer.popleft() for _ in range(len(buffer))])
            if self._unsent:
                try:
                    self.backend.write_metrics(self.id, self._unsent)
                except Exception as exc:  # noqa: BLE001 - any failure: keep the rows, say why
                    self._failure = _one_line(exc)
                    raise RunnotesError(
                        f"{len(self._unsent)} metric values of run {self.id} are not stored yet "
                        f"(kept in memory, retried): {self._failure}"
                    ) from exc
                self._unsent = []
            self._failure = None
            self._last_flush = time.monotonic()

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
        self.capture(
            *[
                NewCapture(
                    kind=Kind.param,
                    source=self.source,
                    name=k,
                    value=as_number(v),
                    text=str(v),
                    review=Review.approved,
                )
                for k, v in values.items()
            ]
        )

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
        from runnotes.voice.typed import run_names, typed_values

        (cid,) = self.capture(
            NewCapture(
                kind=Kind.note, source=self.source, text=text, origin=origin, review=Review.approved
            )
        )
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
    def end(self, status: str = "ok", exit_code: int | None = None) -> None:
        """Flush, then end the run. When metric values cannot be stored the run ends ``failed``
        (if the store takes even that) and the error is raised: lost data never ends ``ok``.
        ``status`` is ok, failed or killed. A run already ended elsewhere (``runnotes run end``,
        the web) keeps that end: it is final, so this one is logged, not stored."""
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
            if self in _stack:
                _stack.remove(self)
        if self._owns_run:
            try:
                self.backend.finish(self.id, status, exit_code)
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


def local_run(
    store: Store, run_id: int, name: str, *, source: str = Source.sdk, owns_run: bool = False
) -> Run:
    """A handle on a run in a store on this machine."""
    return Run(LocalBackend(store), run_id, name, source=source, owns_run=owns_run)


def _team_settings(store: Store | None) -> Settings | None:
    """Team mode: no store given and ``RUNNOTES_SERVER`` set, so the SDK writes over HTTP."""
    if store is not None:
        return None
    settings = load_settings()
    return settings if settings.server_url else None


def start_run(
    name: str | None = None,
    *,
    experiment: str | None = None,
    project: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    command: list[str] | str | None = None,
    source: str = Source.sdk,
    store: Store | None = None,
    started_by: str | None = None,
    parent: str | int | None = None,
    how: str = "fork",
    step: int | None = None,
) -> Run:
    """Start a run, record its context (git, command, environment, this process as its owner)
    and make it the active run. A run active already stays: the new one goes on top of it, and it
    is active again when the new one ends (``run.nested_in`` names it).

    Under ``runnotes watch`` the command's run already exists: ``start_run`` then returns that
    run (tags added; name and experiment are the ones ``watch`` gave it), and ``watch`` ends it
    with the command's exit status. ``started_by`` (default: ``source``) says what started it
    for the active-run rules: ``watch`` records into an active run started by ``cli`` or
    ``jupyter`` (a person's), never into one another program started.

    ``parent`` (a run id or name) records the run this one came from and ``how``: fork, resume
    (from the parent's ``step``), finetune, rerun or variant (``runnotes run link`` edits it)."""
    if (team := _team_settings(store)) is not None:
        if parent is not None:
            raise RunnotesError("parent= needs a local store: link it with `runnotes run link`")
        from runnotes.sdk.remote import start_remote_run

        run = start_remote_run(
            team,
            name,
            experiment=experiment,
            project=project,
            tags=tags,
            command=command,
            source=source,
        )
        _stack.append(run)
        return run
    store = store or get_store()
    parent_id = None if parent is None else check_parent(store, parent, how, step)
    watched = _watched_run(store)
    if watched is not None:
        log.info("start_run(%r) under runnotes watch: logging to run %s", name, watched.id)
        if tags:
            add_tags(store, watched.id, tags)
        if parent_id is not None:
            set_link(store, watched.id, parent_id, how, step=step, source="start")
        _stack.append(watched)
        return watched
    ctx = run_context.collect(command)
    row = create_run(store, name, experiment=experiment, project=project, tags=tags, context=ctx)
    if parent_id is not None:
        set_link(store, row.id, parent_id, how, step=step, source="start")  # type: ignore[arg-type]
    run = local_run(store, row.id, row.name, source=source, owns_run=True)  # type: ignore[arg-type]
    run.nested_in = push_active(store, run.id, started_by or str(source))
    if run.nested_in is not None:
        log.info(
            "run %s started inside run %s, which is active again when it ends",
            run.id,
            run.nested_in.run_id,
        )
    _stack.append(run)
    return run


def _handle(store: Store, run_id: int) -> Run:
    """One handle per run and store in this process, so module-level calls
    (``runnotes.log_metric``) share its metric buffer, and it is flushed at exit."""
    key = (id(store), run_id)
    if key not in _handles:
        with store.read() as session:
            row = session.get(RunRow, run_id)
            name = row.name if row is not None else str(run_id)
        _handles[key] = local_run(store, run_id, name)
    return _handles[key]


def _watched_run(store: Store) -> Run | None:
    """The run ``runnotes watch`` started for this process (``RUNNOTES_RUN_ID``), if any."""
    value = os.environ.get(ENV_RUN_ID, "")
    if not value.isdigit():
        return None
    if (id(store), int(value)) in _handles:
        return _handles[(id(store), int(value))]  # checked once: module-level calls stay fast
    with store.read() as session:
        if session.get(RunRow, int(value)) is None:
            log.warning("%s=%s names no run in this store: ignored", ENV_RUN_ID, value)
            return None
    return _handle(store, int(value))


def current_run(store: Store | None = None) -> Run:
    """The innermost run started in this process, else the run ``watch`` runs it in, else the
    active (or today's) run."""
    if _stack:
        return _stack[-1]
    if (team := _team_settings(store)) is not None:
        from runnotes.sdk.remote import current_remote_run

        return current_remote_run(team)
    store = store or get_store()
    return _watched_run(store) or _handle(store, target_run_id(store))


@dataclass
class Ended:
    """What :func:`end_run` did: the run as it ended, and the run active afterwards."""

    run: RunRow
    was_active: bool
    now_active: Active | None


def status_of(exit_code: int | None) -> str:
    """The status an exit code says: 0 (or none recorded) ok, 130 (Ctrl-C) killed, else failed."""
    if not exit_code:
        return "ok"
    return "killed" if exit_code == 130 else "failed"


def end_run(
    ref: str | int | None = None, status: str | None = None, *, store: Store | None = None
) -> Ended:
    """End a run for real: the one named (id or name), else this process's current run, else
    the active one — also a run another process left open. ``status`` defaults to what the
    exit code ``watch`` recorded says (else ``ok``)."""
    if status is not None:
        ending(status)
    if _team_settings(store) is not None:
        return _end_remote(ref, status or "ok")
    store = store or get_store()
    if ref is None and _stack:
        ref = _stack[-1].id
    ref = ref if ref is not None else active_run_id(store)
    if ref is None:
        raise RunnotesError("no active run to end")
    with store.read() as session:
        row = resolve_run(session, ref)
    if row.status != "running":
        raise RunnotesError(f"run {row.id} ({row.name}) has already ended: {row.status}")
    status = status or status_of(row.exit_code)
    was_active = active_run_id(store) == row.id
    mine = [run for run in _stack if run.id == row.id and run._owns_run]
    for run in mine:
        run.end(status, row.exit_code)  # flushes its buffered values first
    if not mine:
        finish_run(store, row.id, status, row.exit_code)  # type: ignore[arg-type]
    with store.read() as session:
        ended = resolve_run(session, row.id)  # type: ignore[arg-type]
    return Ended(ended, was_active, active_entry(store))


def _one_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _end_remote(ref: str | int | None, status: str) -> Ended:
    """Team mode: a run this process started, ended on the server (ids there are the server's)."""
    mine = [r for r in reversed(_stack) if ref is None or str(ref) in (str(r.id), r.name)]
    run = mine[0] if mine else None
    if run is None:
        raise RunnotesError("team mode: end a run this process started (others: on the web page)")
    run.end(status)
    row = RunRow(id=run.id, name=run.name, status=status, experiment_id=0, started_at=0.0)
    return Ended(row, was_active=True, now_active=None)


@atexit.register
def _flush_at_exit() -> None:
    for run in list(_stack):
        try:
            run.end("failed" if getattr(sys, "last_value", None) else "ok")
        except RunnotesError as exc:
            print(f"runnotes: error: {exc}", file=sys.stderr)
    for handle in list(_handles.values()):
        try:
            handle.end()  # flushes: it does not own its run, so the run stays as it is
        except RunnotesError as exc:
            print(f"runnotes: error: {exc}", file=sys.stderr)


def log_param(key: str, value: Any) -> None:
    current_run().log_param(key, value)


def log_params(values: Mapping[str, Any]) -> None:
    current_run().log_params(values)


def log_metric(key: str, value: float, step: int | None = None) -> None:
    current_run().log_metric(key, value, step)


def log_metrics(values: Mapping[str, float], step: int | None = None) -> None:
    current_run().log_metrics(values, step)


def like(key: str, value: Any) -> int:
    return current_run().like(key, value)


def note(text: str) -> int:
    return current_run().note(text)


def set_goal(text: str) -> None:
    current_run().set_goal(text)


def dataset(path: str | Path) -> Fingerprint:
    return current_run().dataset(path)


def artifact(path: str | Path) -> str:
    return current_run().artifact(path)
