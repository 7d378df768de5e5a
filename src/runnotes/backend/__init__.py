"""Where runs live: one seam, chosen once, by one rule, for every shell.

Every shell — the CLI (captures and reads), the SDK, ``watch`` and the command it runs, the
framework hooks, the Jupyter magics, the agent, the extension's endpoint — reaches runs through a
:class:`Backend`: :class:`~runnotes.backend.local.LocalBackend` over a store on this machine
(SQLite or PostgreSQL), or :class:`~runnotes.backend.remote.RemoteBackend` over a team server's
JSON API, whose routes call a ``LocalBackend`` in turn (MLflow's one store interface, used by its
client and its server alike). :func:`open_backend` is the one place that picks:

* a server URL — ``--server``, else ``RUNNOTES_SERVER``, else ``server`` in ``config.toml`` —
  means the team server, and only it: one that cannot be reached is an error
  (``cannot reach the runnotes server at …``), never a write to a local store instead;
* otherwise the local store — ``--db``, else ``RUNNOTES_DB``, else ``db`` in ``config.toml``, else
  SQLite in the store folder (``--home``, ``RUNNOTES_HOME``, ``~/.runnotes``).

Every method returns once the write is committed (acknowledged means durable) and raises a
:class:`~runnotes.errors.RunnotesError` when it is not. Ids are the backend's own run ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from runnotes.config import Settings
from runnotes.errors import RunnotesError

if TYPE_CHECKING:
    from runnotes.capture.dataset import Fingerprint
    from runnotes.store.db import Store
    from runnotes.store.models import Run as RunRow
    from runnotes.store.queries import RunDetail, RunFilter, RunSummary
    from runnotes.store.runs import Active, MetricValues, NewCapture, RunContext

# What started a run, for the active-run rules: a person's runs (``runnotes run start``,
# ``%runnotes start``) become a team server's active run; a script's run does not, since it
# would take every teammate's likes.
PERSON = ("cli", "jupyter")


@dataclass(frozen=True)
class RunRef:
    """A run a capture goes to: its id and name in the backend."""

    id: int
    name: str


@dataclass(frozen=True)
class Started:
    """A run just started, and the run that was active when it started (active again later)."""

    id: int
    name: str
    nested_in: Active | None = None


@dataclass
class Ended:
    """What ending a run did: the run as it ended, and the run active afterwards."""

    run: RunRow
    was_active: bool
    now_active: Active | None


@dataclass
class RunList:
    """Runs as ``runnotes runs list`` shows them, and why none matched when none did."""

    runs: list[RunSummary]
    why_empty: str = ""


class Backend(Protocol):
    """The operations every shell uses on runs, wherever they live."""

    # -- a run handle's writes ------------------------------------------------------------
    def write_metrics(
        self, run_id: int, rows: Sequence[MetricValues], *, key: str | None = None
    ) -> None:
        """Commit a batch of metric values (all or none); ``key``: the batch's Idempotency-Key
        (a batch already stored under it is not stored again)."""

    def add_captures(
        self, run_id: int, captures: Sequence[NewCapture], *, key: str | None = None
    ) -> list[int]:
        """Commit captures; returns their ids (the store announces them once committed); with a
        ``key``, a repeated batch answers its first ids."""

    def put_media(self, data: bytes, mime: str, suffix: str, name: str | None) -> str:
        """Keep bytes content-addressed; returns their sha256."""

    def dataset_change(self, run_id: int, name: str, fp: Fingerprint) -> str | None:
        """What changed in a data file since the experiment's previous run that used it."""

    def set_goal(self, run_id: int, text: str) -> None:
        """Set the goal of the run's experiment."""

    def finish(
        self, run_id: int, status: str, exit_code: int | None, *, charts: bool = True
    ) -> None:
        """End the run with this status; the run below it on the active stack is active again.
        ``charts=False``: its values are still arriving, its charts are drawn later."""

    # -- runs -----------------------------------------------------------------------------
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
        """Create a run; with ``active_by`` (what started it) it becomes the active run."""

    def run_ref(self, ref: str | int | None) -> RunRef:
        """The run named (id or name); None: the active run, else today's (opened if need be)."""

    def active(self) -> Active | None:
        """The active run and what started it (None when none is)."""

    def record_command(
        self, run_id: int, context: RunContext | None, exit_code: int | None
    ) -> None:
        """A command run inside an existing run (``watch`` joining the active run)."""

    def add_tags(self, run_id: int, tags: Sequence[str]) -> None:
        """Tag a run (a tag it has already is kept once)."""

    def check_like(self, run_id: int | None, name: str, value: str) -> None:
        """Refuse, before anything is stored, a text value for a name logged as a metric."""

    def end_run(self, ref: str | int | None, status: str | None) -> Ended:
        """End a run by id or name (None: the active one), also one another process left open;
        ``status`` defaults to what its recorded exit code says."""

    # -- reads ----------------------------------------------------------------------------
    def list_runs(self, filters: RunFilter, limit: int) -> RunList:
        """Runs matching ``filters``, newest first."""

    def run_detail(self, ref: str | int) -> RunDetail:
        """One run: its summary, context and every capture."""

    def local_store(self) -> Store:
        """The store on this machine, for readers that need one (a RunnotesError in team mode)."""

    def environment(self) -> dict[str, str]:
        """The settings a child process needs to reach the same runs (``watch``'s command)."""


def open_backend(settings: Settings) -> Backend:
    """Where runs live for these settings (see the module's rule), opened once per process."""
    if settings.server_url:
        from runnotes.backend.remote import remote_backend

        return remote_backend(settings)
    from runnotes.backend.local import local_backend

    return local_backend(settings)


def local_store(settings: Settings) -> Store:
    """The store on this machine, for commands that only work on one (reports, review, imports):
    with a team server configured they refuse in one line rather than write here."""
    if settings.server_url:
        raise no_local_store(settings.server_url)
    from runnotes.backend.local import store_for

    return store_for(settings)


def no_local_store(url: str | None = None) -> RunnotesError:
    """The error for a reader that needs a local store while runs live on a team server."""
    where = f"the team server at {url}" if url else "the team server"
    return RunnotesError(
        f"team mode: runs live on {where}; this works on a local store only "
        "(read them on the server's web page, or unset RUNNOTES_SERVER)"
    )
