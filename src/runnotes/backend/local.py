"""Runs in a store on this machine: the :class:`~runnotes.backend.Backend` over the store's
functions and the services. A team server's routes call this class too, so a write arriving over
HTTP is stored exactly as one made on the machine that holds the store."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from runnotes.backend import Ended, RunList, RunRef, Started
from runnotes.config import Settings
from runnotes.errors import RunnotesError
from runnotes.services import likes
from runnotes.services.runs import finish_run, status_of
from runnotes.store import runs as store_runs
from runnotes.store.db import Store, open_store
from runnotes.store.runs import Active, MetricValues, NewCapture, RunContext

if TYPE_CHECKING:  # the queries load SQLAlchemy: a like or a note on the active run needs none
    from runnotes.capture.dataset import Fingerprint
    from runnotes.store.queries import RunDetail, RunFilter

_stores: dict[tuple[str, str], Store] = {}
# One backend per open store while something holds it (a run handle does): keyed by the store's
# id, which cannot be reused while the backend keeps its store alive.
_backends: weakref.WeakValueDictionary[int, LocalBackend] = weakref.WeakValueDictionary()
_lock = threading.Lock()


def store_for(settings: Settings) -> Store:
    """The store for these settings, opened once per process (every shell shares it)."""
    key = (settings.db_url, str(settings.media_dir))
    with _lock:
        if key not in _stores:
            _stores[key] = open_store(settings)
        return _stores[key]


def local_backend(settings: Settings) -> LocalBackend:
    return backend_of(store_for(settings))


def backend_of(store: Store) -> LocalBackend:
    """The one backend of an open store, so handles on a run in it are shared in a process."""
    with _lock:
        backend = _backends.get(id(store))
        if backend is None:
            backend = _backends[id(store)] = LocalBackend(store)
        return backend


class LocalBackend:
    """Runs in a store on this machine (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def write_metrics(
        self, run_id: int, rows: Sequence[MetricValues], *, key: str | None = None
    ) -> None:
        """``key``: a team client's Idempotency-Key (a batch already stored is not stored again,
        see :mod:`runnotes.store.ingest`)."""
        store_runs.add_metric_rows(self.store, rows, key=key)

    def add_captures(
        self, run_id: int, captures: Sequence[NewCapture], *, key: str | None = None
    ) -> list[int]:
        # publishes CapturesAdded; with a key, a repeated batch answers its first ids
        return store_runs.add_captures(self.store, run_id, captures, key=key)

    def put_media(self, data: bytes, mime: str, suffix: str, name: str | None) -> str:
        with self.store.write() as session:
            return store_runs.register_media(session, self.store, data, mime, suffix, name)

    def dataset_change(self, run_id: int, name: str, fp: Fingerprint) -> str | None:
        from runnotes.capture.dataset import previous_change

        return previous_change(self.store, run_id, name, fp)

    def set_goal(self, run_id: int, text: str) -> None:
        from runnotes.services.experiments import set_run_goal  # only scripts that set one

        set_run_goal(self.store, run_id, text)

    def finish(
        self, run_id: int, status: str, exit_code: int | None, *, charts: bool = True
    ) -> None:
        finish_run(self.store, run_id, status, exit_code, charts=charts)

    def start_run(
        self,
        name: str | None,
        *,
        experiment: str | None,
        project: str | None,
        tags: Sequence[str],
        context: RunContext | None,
        active_by: str | None,
    ) -> Started:
        row = store_runs.create_run(
            self.store, name, experiment=experiment, project=project, tags=tags, context=context
        )
        below = store_runs.push_active(self.store, row.id, active_by) if active_by else None  # type: ignore[arg-type]
        return Started(row.id, row.name, below)  # type: ignore[arg-type]

    def run_ref(self, ref: str | int | None) -> RunRef:
        if ref is None:
            run_id = store_runs.target_run_id(self.store)
            return RunRef(run_id, store_runs.run_name(self.store, run_id))
        from runnotes.store.queries import resolve_run

        with self.store.read() as session:
            row = resolve_run(session, ref)
            return RunRef(row.id, row.name)  # type: ignore[arg-type]

    def active(self) -> Active | None:
        return store_runs.active_entry(self.store)

    def record_command(
        self, run_id: int, context: RunContext | None, exit_code: int | None
    ) -> None:
        store_runs.record_command(self.store, run_id, context, exit_code)

    def add_tags(self, run_id: int, tags: Sequence[str]) -> None:
        from runnotes.store.queries import resolve_run

        with self.store.read() as session:
            resolve_run(session, run_id)
        store_runs.add_tags(self.store, run_id, tags)

    def check_like(self, run_id: int | None, name: str, value: str) -> None:
        likes.check_like(self.store, run_id, name, value)

    def end_run(self, ref: str | int | None, status: str | None) -> Ended:
        from runnotes.store.queries import resolve_run

        if status is not None:
            store_runs.ending(status)
        ref = ref if ref is not None else store_runs.active_run_id(self.store)
        if ref is None:
            raise RunnotesError("no active run to end")
        with self.store.read() as session:
            row = resolve_run(session, ref)
        if row.status != "running":
            raise RunnotesError(f"run {row.id} ({row.name}) has already ended: {row.status}")
        was_active = store_runs.active_run_id(self.store) == row.id
        finish_run(self.store, row.id, status or status_of(row.exit_code), row.exit_code)  # type: ignore[arg-type]
        with self.store.read() as session:
            ended = resolve_run(session, row.id)  # type: ignore[arg-type]
        return Ended(ended, was_active, store_runs.active_entry(self.store))

    def list_runs(self, filters: RunFilter, limit: int) -> RunList:
        from runnotes.store import queries

        found = queries.list_runs(self.store, filters, limit=limit)
        return RunList(found, "" if found else queries.why_none_match(self.store, filters))

    def run_detail(self, ref: str | int) -> RunDetail:
        from runnotes.store import queries

        return queries.run_detail(self.store, ref)

    def local_store(self) -> Store:
        return self.store

    def environment(self) -> dict[str, str]:
        settings = self.store.settings
        return {
            "RUNNOTES_HOME": str(settings.home),
            "RUNNOTES_DB": settings.db_url,
            "RUNNOTES_MEDIA": str(settings.media_dir),
            "RUNNOTES_SERVER": "",  # this store, even where a server is configured
        }
