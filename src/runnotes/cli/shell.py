"""What every command needs from the command line's context: the settings, the store, the run.

Every command module of :mod:`runnotes.cli` imports these from here rather than from the package
``__init__`` that assembles them (which imports the command modules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from runnotes.config import Settings

if TYPE_CHECKING:
    from runnotes.sdk import Run
    from runnotes.store.db import Store


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.find_root().obj


def store_of(ctx: typer.Context) -> Store:
    from runnotes.sdk import get_store

    return get_store(settings_of(ctx))


def run_handle(ctx: typer.Context, ref: str | None, source: str = "cli") -> Run:
    """The run a CLI capture goes to: ``--run`` if given, else the active (or today's) run."""
    from runnotes.sdk import current_run, local_run
    from runnotes.store.queries import resolve_run

    store = store_of(ctx)
    if ref is None:
        run = current_run(store)
        run.source = source
        return run
    with store.read() as session:
        row = resolve_run(session, ref)
    return local_run(store, row.id, row.name, source=source)  # type: ignore[arg-type]


def target_of(ctx: typer.Context, ref: str | None) -> int | None:
    """The run a CLI capture would go to, found without opening today's auto run: ``--run``,
    else the run ``watch`` runs this in, else the active run; None when there is none."""
    import os

    from runnotes.sdk import ENV_RUN_ID
    from runnotes.store.queries import resolve_run
    from runnotes.store.runs import active_run_id

    store = store_of(ctx)
    if ref is not None:
        with store.read() as session:
            return resolve_run(session, ref).id
    watched = os.environ.get(ENV_RUN_ID, "")
    return int(watched) if watched.isdigit() else active_run_id(store)
