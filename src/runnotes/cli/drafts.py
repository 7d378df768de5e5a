"""``runnotes drafts``: where the self-writing drafts are, how fresh, and refreshing them now."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from runnotes.cli.options import REPORTS
from runnotes.cli.shell import store_of
from runnotes.console import out
from runnotes.errors import RunnotesError

app = typer.Typer()

drafts_app = typer.Typer(
    help="Drafts runnotes keeps current: list, refresh, open.", invoke_without_command=True
)
app.add_typer(drafts_app, name="drafts", rich_help_panel=REPORTS)


def _store(ctx: typer.Context):

    return store_of(ctx)


def _experiment_ids(ctx: typer.Context, experiment: str | None) -> list[int]:
    from runnotes.store.experiments import experiment_ids

    store = _store(ctx)
    with store.read() as session:
        ids = experiment_ids(session, experiment)
    if experiment and not ids:
        raise RunnotesError(f"no experiment {experiment!r}")
    return ids


@drafts_app.callback()
def drafts_list(ctx: typer.Context) -> None:
    """List drafts with their freshness (last refresh, what triggered it, edited by hand)."""
    if ctx.invoked_subcommand is not None:
        return
    from runnotes.reports.drafts import list_drafts

    drafts = list_drafts(_store(ctx))
    if not drafts:
        out.print("no drafts yet: they are written when a run ends (or `runnotes drafts refresh`)")
        return
    table = Table("draft", "experiment", "refreshed", "trigger", "state")
    for d in drafts:
        when = (
            datetime.fromtimestamp(d.refreshed_at).strftime("%Y-%m-%d %H:%M:%S")
            if d.refreshed_at
            else ""
        )
        state = (
            Text(f"failed: {d.error}", style="red")
            if d.error
            else f"edited by hand; new version in {d.written.name}"
            if d.edited
            else "current"
        )
        table.add_row(
            str(d.path), d.experiment or f"{d.project} (weekly)", when, d.trigger or "", state
        )
    out.print(table)


@drafts_app.command("refresh")
def drafts_refresh(
    ctx: typer.Context,
    experiment: Annotated[
        str | None, typer.Option("--experiment", "-e", help="Only this experiment.")
    ] = None,
) -> None:
    """Rewrite the drafts now."""
    from runnotes.reports.drafts import refresh_experiment

    store = _store(ctx)
    for experiment_id in _experiment_ids(ctx, experiment):
        for path in refresh_experiment(store, experiment_id, "manual"):
            out.print(f"wrote {path}")


@drafts_app.command("open")
def drafts_open(
    ctx: typer.Context, experiment: Annotated[str, typer.Argument(help="Experiment name.")]
) -> None:
    """Print the path of an experiment's README draft; open it when the desktop has an opener."""
    from runnotes.reports.drafts import list_drafts

    ids = set(_experiment_ids(ctx, experiment))
    drafts = [
        d for d in list_drafts(_store(ctx)) if d.kind == "readme" and d.experiment == experiment
    ]
    if not drafts or not ids:
        raise RunnotesError(
            f"no draft for {experiment!r} yet (try `runnotes drafts refresh -e {experiment}`)"
        )
    path = drafts[0].written
    print(path)
    opener = shutil.which("xdg-open") or shutil.which("open")
    if opener:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
