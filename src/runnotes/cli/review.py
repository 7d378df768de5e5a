"""``runnotes review``: the review queue from a terminal — list, approve, reject (one or all).

What runnotes inferred (values heard in voice notes, unconfirmed OCR, transcripts) waits here;
what code recorded is approved already. Only Typer and rich load at import.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from runnotes.cli.options import RUNS, JsonFlag
from runnotes.console import out, print_json
from runnotes.errors import RunnotesError

app = typer.Typer()

review_app = typer.Typer(
    help="The review queue: what runnotes inferred and waits for your yes or no.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review", rich_help_panel=RUNS)
OnlyRunOpt = Annotated[str | None, typer.Option("--run", "-r", help="Only this run (id or name).")]
Ids = Annotated[list[int] | None, typer.Argument(help="Capture ids (see `runnotes review list`).")]
AllFlag = Annotated[bool, typer.Option("--all", help="Every pending capture (of --run, if given).")]


def _run_id(ctx: typer.Context, ref: str | None) -> int | None:
    from runnotes.cli.shell import store_of
    from runnotes.store.queries import resolve_run

    if ref is None:
        return None
    with store_of(ctx).read() as session:
        return resolve_run(session, ref).id


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    run: OnlyRunOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Every pending capture, oldest first, with what it says and where it came from."""
    from runnotes.cli.shell import store_of
    from runnotes.formatting import when
    from runnotes.store.review import count_pending, pending_captures, unsure

    store = store_of(ctx)
    items = pending_captures(store, run_id=_run_id(ctx, run), limit=limit)
    if as_json:
        print_json(
            [
                {**i.capture.model_dump(), "run_name": i.run_name, "experiment": i.experiment}
                for i in items
            ]
        )
        return
    if not items:
        out.print("nothing waits for review")
        return
    for item in items:
        c = item.capture
        what = f"{c.name} = {c.text or c.value}" if c.kind in ("metric", "param") else c.text
        extra = c.extra or {}
        heard = extra.get("heard")
        doubt = "  [yellow]unsure[/]" if unsure(c) else ""
        out.print(
            f"[bold]{c.id:>6}[/] {c.kind:<10} {escape((what or '')[:80])}"
            f"  [dim]run {item.run_id} ({escape(item.run_name)}) · {c.source} · "
            f"{when(c.timestamp)}[/]{doubt}",
            markup=True,
        )
        if heard:
            out.print(f"         [dim]heard: “{escape(heard)}”[/]", markup=True)
        asked = extra.get("unsure")
        if asked:  # why extraction asks rather than offers: "eer said 2 times (…): is this one…?"
            out.print(f"         [yellow]asked:[/] {escape(asked)}", markup=True)
    total = count_pending(store)
    if run is None and total > len(items):
        out.print(f"[dim]{len(items)} of {total} shown (--limit)[/]", markup=True)


def _set(ctx: typer.Context, ids: list[int] | None, everything: bool, run: str | None, to: str):
    from runnotes.cli.shell import store_of
    from runnotes.store.review import pending_ids, set_reviews

    if bool(ids) == everything:
        raise RunnotesError("give capture ids, or --all")
    store = store_of(ctx)
    chosen = pending_ids(store, run_id=_run_id(ctx, run)) if everything else list(ids or ())
    if not chosen:
        out.print("nothing waits for review")
        return
    set_reviews(store, chosen, to)  # publishes ReviewChanged for each run once committed
    out.print(f"{to} {len(set(chosen))} capture{'s' if len(set(chosen)) != 1 else ''}")


@review_app.command("approve")
def review_approve(
    ctx: typer.Context, ids: Ids = None, everything: AllFlag = False, run: OnlyRunOpt = None
) -> None:
    """Approve captures: they count in comparisons and reports from now on."""
    _set(ctx, ids, everything, run, "approved")


@review_app.command("reject")
def review_reject(
    ctx: typer.Context, ids: Ids = None, everything: AllFlag = False, run: OnlyRunOpt = None
) -> None:
    """Reject captures: kept, but they count nowhere."""
    _set(ctx, ids, everything, run, "rejected")
