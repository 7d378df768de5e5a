"""Where a run's writes go: :class:`RunBackend`, the one protocol behind :class:`runnotes.sdk.Run`.

A run handle does the same things in both modes (buffering metric values, step counters, likes,
notes, datasets, ending), and only its storage differs: :class:`LocalBackend` writes into a
:class:`~runnotes.store.db.Store` on this machine, :class:`runnotes.sdk.remote.RemoteBackend` to a
team server's JSON API. Every method returns only once the write is committed (acknowledged means
durable) and raises when it is not, so the handle can keep and retry what did not go through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from runnotes.capture.dataset import Fingerprint, previous_change
from runnotes.errors import RunnotesError
from runnotes.services.runs import finish_run
from runnotes.store.db import Store
from runnotes.store.runs import (
    MetricRow,
    NewCapture,
    add_captures,
    add_metric_rows,
    register_media,
)


class RunBackend(Protocol):
    """The storage a run handle writes through; ids are the backend's own run ids."""

    def write_metrics(self, run_id: int, rows: Sequence[MetricRow]) -> None:
        """Commit a batch of metric values (all or none)."""

    def add_captures(self, run_id: int, captures: Sequence[NewCapture]) -> list[int]:
        """Commit captures; returns their ids (the store announces them once committed)."""

    def put_media(self, data: bytes, mime: str, suffix: str, name: str | None) -> str:
        """Keep bytes content-addressed; returns their sha256."""

    def dataset_change(self, run_id: int, name: str, fp: Fingerprint) -> str | None:
        """What changed in a data file since the experiment's previous run that used it."""

    def set_goal(self, run_id: int, text: str) -> None:
        """Set the goal of the run's experiment."""

    def finish(self, run_id: int, status: str, exit_code: int | None) -> None:
        """End the run with this status; the run below it on the active stack is active again."""

    def local_store(self) -> Store:
        """The store on this machine, for readers that need one (a RunnotesError in team mode)."""


class LocalBackend:
    """A run in a store on this machine (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def write_metrics(self, run_id: int, rows: Sequence[MetricRow]) -> None:
        add_metric_rows(self.store, rows)

    def add_captures(self, run_id: int, captures: Sequence[NewCapture]) -> list[int]:
        return add_captures(self.store, run_id, captures)  # publishes CapturesAdded

    def put_media(self, data: bytes, mime: str, suffix: str, name: str | None) -> str:
        with self.store.write() as session:
            return register_media(session, self.store, data, mime, suffix, name)

    def dataset_change(self, run_id: int, name: str, fp: Fingerprint) -> str | None:
        return previous_change(self.store, run_id, name, fp)

    def set_goal(self, run_id: int, text: str) -> None:
        from runnotes.services.experiments import set_run_goal  # only scripts that set one

        set_run_goal(self.store, run_id, text)

    def finish(self, run_id: int, status: str, exit_code: int | None) -> None:
        finish_run(self.store, run_id, status, exit_code)

    def local_store(self) -> Store:
        return self.store


def no_local_store() -> RunnotesError:
    """The error for a reader that needs a local store while the run lives on a team server."""
    return RunnotesError("team mode: this run lives on the server; read it on the web page")
