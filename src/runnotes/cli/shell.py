"""What every command needs from the command line's context: the settings, the store, the run.

Every command module of :mod:`runnotes.cli` imports these from here rather than from the package
``__init__`` that assembles them (which imports the command modules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnotes.config import Settings

if TYPE_CHECKING:
    import typer

    from runnotes.backend import Backend
    from runnotes.sdk import Run
    from runnotes.store.db import Store


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def backend_of(ctx: typer.Context) -> Backend:
    """Where runs live for this command: the team server, else the local store
    (:func:`runnotes.backend.open_backend`, the rule every shell follows)."""
    from runnotes.backend import open_backend

    return open_backend(settings_of(ctx))


def store_of(ctx: typer.Context) -> Store:
    """The local store, for commands that work on one only (an error in team mode)."""
    from runnotes.backend import local_store

    return local_store(settings_of(ctx))


def run_handle(backend: Backend, ref: str | None, source: str = "cli") -> Run:
    """The run a CLI capture goes to: ``--run`` if given, else the active (or today's) run."""
    from runnotes.sdk import Run, current_run

    if ref is None:
        run = current_run(backend=backend)
        run.source = source
        return run
    found = backend.run_ref(ref)
    return Run(backend, found.id, found.name, source=source)


def target_of(backend: Backend, ref: str | None) -> int | None:
    """The run a CLI capture would go to, found without opening today's auto run: ``--run``,
    else the run ``watch`` runs this in, else the active run; None when there is none."""
    import os

    from runnotes.sdk import ENV_RUN_ID

    if ref is not None:
        return backend.run_ref(ref).id
    watched = os.environ.get(ENV_RUN_ID, "")
    if watched.isdigit():
        return int(watched)
    active = backend.active()
    return active.run_id if active else None
