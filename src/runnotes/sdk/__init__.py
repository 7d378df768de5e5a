"""The Python API: ``with runnotes.start_run("name", experiment="e") as run: run.log_metric(...)``.

A facade: the run handle is :class:`runnotes.sdk.run.Run`, where runs live is decided by
:func:`runnotes.backend.open_backend` (a team server when ``RUNNOTES_SERVER`` is set, else the
local store), and these functions only pick the run a call goes to. Parameters, likes, notes and
datasets are committed before the call returns; metric values are buffered (see
:mod:`runnotes.sdk.run`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runnotes.backend import Backend, Ended, local_store, open_backend
from runnotes.config import Settings, load_settings
from runnotes.errors import NotFound
from runnotes.sdk.run import OPEN, Run, metric_name, metric_step, metric_value
from runnotes.store.db import Store
from runnotes.store.kinds import Source
from runnotes.store.runs import ending

if TYPE_CHECKING:
    from runnotes.capture.dataset import Fingerprint

ENV_RUN_ID = "RUNNOTES_RUN_ID"  # set by `runnotes watch` for the command it runs
log = logging.getLogger(__name__)

__all__ = [
    "ENV_RUN_ID",
    "Backend",
    "Ended",
    "Run",
    "backend_for",
    "current_run",
    "end_run",
    "get_store",
    "innermost",
    "local_run",
    "metric_name",
    "metric_step",
    "metric_value",
    "start_run",
    "watch_exit_codes",
]


def backend_for(store: Store | None = None) -> Backend:
    """Where this call's runs live: ``store`` when one is given, else what the settings say."""
    if store is not None:
        from runnotes.backend.local import backend_of

        return backend_of(store)
    return open_backend(load_settings())


def get_store(settings: Settings | None = None) -> Store:
    """The local store for these settings, opened once per process (an error in team mode)."""
    return local_store(settings or load_settings())


def local_run(
    store: Store, run_id: int, name: str, *, source: str = Source.sdk, owns_run: bool = False
) -> Run:
    """A handle on a run in a store on this machine."""
    return Run(backend_for(store), run_id, name, source=source, owns_run=owns_run)


def watch_exit_codes() -> None:
    """Runs left open at exit end with the status ``sys.exit``'s code says (W&B-style scripts)."""
    OPEN.watch_exit_codes()


def innermost() -> Run | None:
    """The innermost run this process started and has not ended (None when none)."""
    return OPEN.innermost()


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
    backend: Backend | None = None,
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
    ``jupyter`` (a person's), never into one another program started. ``store`` or ``backend``
    say where the run lives (default: :func:`runnotes.backend.open_backend`'s rule).

    ``parent`` (a run id or name) records the run this one came from and ``how``: fork, resume
    (from the parent's ``step``), finetune, rerun or variant (``runnotes run link`` edits it); a
    local store only (a team server's store is linked on its machine)."""
    from runnotes.capture.context import collect  # git, packages: only a run that starts
    from runnotes.store.lineage import check_parent, set_link

    backend = backend or backend_for(store)
    parent_id = None if parent is None else check_parent(backend.local_store(), parent, how, step)
    watched = _watched_run(backend)
    if watched is not None:
        log.info("start_run(%r) under runnotes watch: logging to run %s", name, watched.id)
        backend.add_tags(watched.id, tags)
        if parent_id is not None:
            set_link(backend.local_store(), watched.id, parent_id, how, step=step, source="start")
        return OPEN.push(watched)
    started = backend.start_run(
        name,
        experiment=experiment,
        project=project,
        tags=tags,
        context=collect(command),
        active_by=started_by or str(source),
    )
    if parent_id is not None:
        set_link(backend.local_store(), started.id, parent_id, how, step=step, source="start")
    run = Run(backend, started.id, started.name, source=source, owns_run=True)
    run.nested_in = started.nested_in
    if run.nested_in is not None:
        log.info(
            "run %s started inside run %s, which is active again when it ends",
            run.id,
            run.nested_in.run_id,
        )
    return OPEN.push(run)


def _watched_run(backend: Backend) -> Run | None:
    """The run ``runnotes watch`` started for this process (``RUNNOTES_RUN_ID``), if any."""
    value = os.environ.get(ENV_RUN_ID, "")
    if not value.isdigit():
        return None
    known = OPEN.known(backend, int(value))
    if known is not None:
        return known  # checked once: module-level calls stay fast
    try:
        ref = backend.run_ref(int(value))
    except NotFound:
        log.warning("%s=%s names no run where runs live: ignored", ENV_RUN_ID, value)
        return None
    return OPEN.handle(backend, ref.id, ref.name)


def current_run(store: Store | None = None, *, backend: Backend | None = None) -> Run:
    """The innermost run started in this process, else the run ``watch`` runs it in, else the
    active (or today's) run."""
    if (run := OPEN.innermost()) is not None:
        return run
    backend = backend or backend_for(store)
    watched = _watched_run(backend)
    if watched is not None:
        return watched
    ref = backend.run_ref(None)
    return OPEN.handle(backend, ref.id, ref.name)


def end_run(
    ref: str | int | None = None,
    status: str | None = None,
    *,
    store: Store | None = None,
    backend: Backend | None = None,
) -> Ended:
    """End a run for real: the one named (id or name), else this process's current run, else
    the active one — also a run another process left open. ``status`` defaults to what the
    exit code ``watch`` recorded says (else ``ok``)."""
    if status is not None:
        ending(status)
    backend = backend or backend_for(store)
    if ref is None and (run := OPEN.innermost()) is not None:
        ref = run.id
    mine = [
        run
        for run in OPEN.stack
        if run.backend is backend and ref is not None and str(ref) in (str(run.id), run.name)
    ]
    for run in mine:
        run.flush()  # its buffered values are stored before the run ends
    ended = backend.end_run(ref, status)
    for run in mine:
        if run.id == ended.run.id:
            run._owns_run = False  # ended above: its own end only lets go of it
            run.end()
    return ended


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
