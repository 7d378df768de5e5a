"""``runnotes doctor``: the store's health in one table, exit code 1 when something is wrong."""

from __future__ import annotations

import typer
from rich.text import Text

from runnotes.cli.options import SETUP, JsonFlag
from runnotes.cli.shell import store_of
from runnotes.console import out, print_json

app = typer.Typer()


@app.command(rich_help_panel=SETUP)
def doctor(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Check the database (quick_check), media files, permissions, stale runs and drafts."""
    from runnotes.doctor import ERROR, examine

    findings = examine(store_of(ctx))
    if as_json:
        print_json([f.__dict__ for f in findings])
    else:
        for f in findings:
            colour = {"ok": "green", "warning": "yellow"}.get(f.level, "red")
            out.print(Text.assemble((f"{f.level:8}", colour), f"{f.check:12}{f.message}"))
    if any(f.level == ERROR for f in findings):
        raise typer.Exit(1)
