"""``runnotes run …``, ``runs …`` and the captures typed at a prompt: ``like``, ``note``, ``data``,
``watch``. The store and the SDK load inside the commands, so ``--help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from runnotes.cli import quick
from runnotes.cli.options import (
    CAPTURE,
    RUNS,
    ExperimentOpt,
    FromOpt,
    HowOpt,
    JsonFlag,
    ProjectOpt,
    RunOpt,
    StepOpt,
    TagOpt,
    WhereOpt,
)
from runnotes.cli.shell import backend_of, run_handle, settings_of, store_of
from runnotes.console import err, out, print_json
from runnotes.errors import RunnotesError
from runnotes.formatting import duration, fmt_value, when

app = typer.Typer()
run_app = typer.Typer(help="Start, end and show the active run.", no_args_is_help=True)
runs_app = typer.Typer(help="List, show and compare runs.", no_args_is_help=True)
app.add_typer(run_app, name="run", rich_help_panel=CAPTURE)
app.add_typer(runs_app, name="runs", rich_help_panel=RUNS)


# -- the active run ---------------------------------------------------------------------------


@run_app.command("start")
def run_start(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Run name.")],
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
    tag: TagOpt = None,
    parent: FromOpt = None,
    how: HowOpt = "fork",
    step: StepOpt = None,
) -> None:
    """Start a run and make it active for everything captured afterwards.

    A run active already stays open: the new one goes on top of it, and it is active again once
    the new one ends. --from records the run it came from (--how, --step: see `run link`)."""
    from runnotes.capture.context import collect
    from runnotes.store.lineage import check_parent, set_link

    backend = backend_of(ctx)
    store = None if parent is None else backend.local_store()
    parent_id = None if store is None else check_parent(store, parent, how, step)  # type: ignore[arg-type]
    run = backend.start_run(
        name,
        experiment=experiment,
        project=project,
        tags=tag or (),
        context=collect(sys.argv[1:] and ["runnotes", *sys.argv[1:]], owned=False),
        active_by="cli",
    )
    if store is not None and parent_id is not None:
        set_link(store, run.id, parent_id, how, step=step, source="start")
    below = run.nested_in
    out.print(f"started run {run.id} ({run.name}); captures now go to it")
    if below is not None:
        out.print(
            f"run {below.run_id} ({backend.run_ref(below.run_id).name}) is still open: it is "
            f"active again when run {run.id} ends (`runnotes run end {below.run_id}` ends it)"
        )


@run_app.command("link")
def run_link(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id or name.")],
    parent: FromOpt = None,
    how: HowOpt = "fork",
    step: StepOpt = None,
    unlink: Annotated[
        bool, typer.Option("--unlink", help="Take the run's link away (inference leaves it).")
    ] = False,
) -> None:
    """Say where a run came from (or, with --unlink, that it came from none of them).

    A link set here is a person's: runnotes never replaces it with an inferred one."""
    from runnotes.store.lineage import set_link
    from runnotes.store.lineage import unlink as take_link
    from runnotes.store.queries import resolve_run

    if unlink == (parent is not None):
        raise RunnotesError("give either --from RUN or --unlink")
    store = backend_of(ctx).local_store()
    with store.read() as session:
        run_id = resolve_run(session, run).id
    if unlink:
        row = take_link(store, run_id)  # type: ignore[arg-type]
        out.print(f"run {row.id} ({row.name}) is linked to no run now", markup=False)
        return
    row = set_link(store, run_id, parent, how, step=step)  # type: ignore[arg-type]
    at = f" at step {row.link_step}" if row.link_step is not None else ""
    out.print(f"run {row.id} ({row.name}): {row.link_how} of run {row.parent_id}{at}", markup=False)


@run_app.command("end")
def run_end(
    ctx: typer.Context,
    run: Annotated[
        str | None, typer.Argument(help="Run id or name (default: the active run).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="ok, failed or killed (default: from the exit status `watch` recorded, else ok)."
        ),
    ] = None,
) -> None:
    """End a run: the active one, or the one named (e.g. left open by a crashed process)."""
    from runnotes.sdk import end_run

    backend = backend_of(ctx)
    ended = end_run(run, status, backend=backend)
    row = ended.run
    out.print(
        f"ended run {row.id} ({row.name}): {row.status}, {duration(row.ended_at - row.started_at)}"  # type: ignore[operator]
    )
    if ended.was_active and ended.now_active is not None:
        now = backend.run_ref(ended.now_active.run_id)
        out.print(f"run {now.id} ({now.name}) is the active run again")


@run_app.command("current")
def run_current(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the active run (runs whose process died are closed as crashed first)."""
    from runnotes.store.runs import active_run_id, close_stale

    store = store_of(ctx)
    closed = close_stale(store)
    run_id = active_run_id(store)
    if as_json:
        print_json({"run_id": run_id, "closed": [r.id for r in closed]})
        return
    for r in closed:
        err.print(f"runnotes: run {r.id} ({r.name}) crashed: its process {r.pid} is gone")
    if run_id is None:
        out.print("no active run; captures go to today's auto-created run")
    else:
        _show(ctx, str(run_id))


# -- captures -------------------------------------------------------------------------------


@app.command(rich_help_panel=CAPTURE)
def like(
    ctx: typer.Context,
    values: Annotated[
        list[str] | None, typer.Argument(help="NAME=VALUE pairs, e.g. val_acc=0.93.")
    ] = None,
    run: RunOpt = None,
    selection: Annotated[
        bool, typer.Option("--selection", help="Like the selected text (a desktop keybinding).")
    ] = False,
    region: Annotated[
        bool, typer.Option("--region", help="Draw a region on the screen and like its value.")
    ] = False,
) -> None:
    """Keep values worth reporting (stored approved) on the active run."""
    if selection or region:
        if values or run is not None:
            raise RunnotesError("--selection/--region take no values and like on the active run")
        from runnotes.cli.agent import like_from_desktop

        like_from_desktop(ctx, region=region)
        return
    if not values:
        raise RunnotesError("give NAME=VALUE pairs, or --selection / --region")
    quick.like(backend_of(ctx), values, run)


@app.command(rich_help_panel=CAPTURE)
def note(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help="The note.")],
    run: RunOpt = None,
) -> None:
    """Write down why: a note on the active run."""
    quick.note(backend_of(ctx), text, run)


@app.command(rich_help_panel=CAPTURE)
def data(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL, Parquet or any file.")],
    run: RunOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Fingerprint a dataset (rows, columns, hash) and link it to the active run."""
    handle = run_handle(backend_of(ctx), run)
    fp = handle.dataset(path)
    if as_json:
        print_json(fp.as_dict())
    else:
        out.print(f"{fp.describe()} → run {handle.id} ({handle.name})")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    rich_help_panel=CAPTURE,
)
def watch(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="The command, after `--`.")],
    name: Annotated[
        str | None, typer.Option(help="Start a separate run of this name (default: the script's).")
    ] = None,
    new_run: Annotated[
        bool, typer.Option("--new-run", help="Start a separate run even if one is active.")
    ] = False,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
    tag: TagOpt = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="A data file the command reads (repeatable): fingerprinted (rows, columns, "
            "hash) as it starts; a change since the experiment's last run is flagged."
        ),
    ] = None,
    grace: Annotated[
        float,
        typer.Option(help="Seconds the command gets to end after SIGTERM/SIGHUP before a kill."),
    ] = 10.0,
    parent: FromOpt = None,
    how: HowOpt = "fork",
    step: StepOpt = None,
) -> None:
    """Run a training command, pass its output through and log its params and metrics.

    Inside an active run (`runnotes run start`) the command is recorded into that run; with no
    run active, or with --new-run, --name, --experiment or --project, it gets a run of its own.

    Example: runnotes watch -e mnist --data data/train.csv -- python train.py --lr 3e-4
    """
    from runnotes.cli.forked import forked
    from runnotes.watch import Lineage
    from runnotes.watch import watch as run_watch

    with forked() as reader:  # a fork only before a database driver is loaded
        result = run_watch(
            list(command),
            name=name,
            new_run=new_run,
            experiment=experiment,
            project=project,
            tags=tuple(tag or ()),
            data=tuple(data or ()),
            backend=backend_of(ctx),
            grace=grace,
            lineage=Lineage(parent, how, step),
            reader=reader,
        )
    err.print(result.summary(), markup=False)
    raise typer.Exit(result.exit_code)


# -- reading runs -----------------------------------------------------------------------------


@runs_app.command("list")
def runs_list(
    ctx: typer.Context,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
    tag: TagOpt = None,
    where: WhereOpt = None,
    search: Annotated[
        str | None, typer.Option(help="Text in names, notes and transcripts.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many runs.")] = 50,
    show: Annotated[
        str, typer.Option(help="Which runs: active, archived, deleted, kept (not deleted) or all.")
    ] = "active",
    columns: Annotated[
        str | None,
        typer.Option(help='Value columns instead of "metrics", e.g. "params.lr,metrics.val_acc".'),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List runs, newest first (archived and deleted ones with --show)."""
    from runnotes.services.columns import parse_columns
    from runnotes.services.values import list_metrics, shown
    from runnotes.store.queries import RunFilter

    chosen = parse_columns(columns)
    filters = RunFilter(
        experiment=experiment,
        project=project,
        tags=tag or (),
        where=where,
        search=search,
        show=show,
    )
    found = backend_of(ctx).list_runs(filters, limit)
    runs = found.runs
    if as_json:
        print_json([r.as_dict() for r in runs])
        return
    values = [c.name for c in chosen] or ["metrics"]
    table = Table("id", "name", "experiment", "status", "started", "duration", "tags", *values)
    main = list_metrics(settings_of(ctx), runs)
    for r in runs:
        if chosen:
            cells = [_cell(c.value(r)) for c in chosen]
        else:
            cells = ["  ".join(f"{k}={shown(r.metrics[k], r.marks.get(k))}" for k in main(r))]
        table.add_row(
            str(r.id),
            r.name,
            f"{r.project}/{r.experiment}",
            r.state,
            when(r.started_at),
            duration(r.duration),
            ", ".join(r.tags),
            *cells,
        )
    out.print(table if runs else found.why_empty, markup=False)


def _cell(value: str | float | None) -> str:
    return fmt_value(value) if isinstance(value, float) else (value or "")


def _show(ctx: typer.Context, ref: str, as_json: bool = False) -> None:
    from rich.markup import escape

    from runnotes.capture.spool import progress
    from runnotes.services.values import annotations, shown
    from runnotes.store.models import Run

    detail = backend_of(ctx).run_detail(ref)
    s, run = detail.summary, detail.run
    if as_json:
        print_json(
            {
                **s.as_dict(),
                "context": run.model_dump(exclude=set(Run.INTERNAL)),
                "captures": [c.model_dump() for c in detail.captures],
            }
        )
        return
    out.print(
        f"[bold]run {s.id}: {escape(s.name)}[/]  {escape(f'{s.project}/{s.experiment}')}  "
        f"{s.state}  {when(s.started_at)}  {duration(s.duration)}",
        markup=True,
    )
    for label, value in (
        ("command", run.command),
        ("cwd", run.cwd),
        (
            "git",
            run.git_commit
            and f"{run.git_commit[:10]} on {run.git_branch}{' (dirty)' if run.git_dirty else ''}",
        ),
        ("python", run.python_version),
        ("host", run.host),
        ("tags", ", ".join(s.tags)),
    ):
        if value:
            out.print(f"  {label}: {value}")
    if s.params:
        params = "  ".join(f"{k}={shown(v, s.marks.get(k))}" for k, v in s.params.items())
        out.print("[bold]params[/]  " + escape(params), markup=True)
    if s.metrics:
        metrics = "  ".join(f"{k}={shown(v, s.marks.get(k))}" for k, v in s.metrics.items())
        out.print(f"[bold]metrics[/] {escape(metrics)}", markup=True)
    for spool in progress(settings_of(ctx).home):
        if spool.run_id == s.id:  # watch stopped waiting for its reader: values still arrive
            left = (spool.size - spool.read) / 2**20
            out.print(f"  output: {left:.1f} MB still being read for metrics (`runnotes doctor`)")
    liked = annotations(detail.captures)  # type: ignore[operator]
    if liked:
        out.print("[bold]liked and said[/] (beside what the run logged)", markup=True)
        for a in liked:
            out.print(f"  {a.describe()}")
    others = [c for c in detail.captures if c.kind not in ("metric", "param")]
    for c in others:
        state = " (pending review)" if c.review == "pending" else ""
        state = " (rejected)" if c.review == "rejected" else state
        line = f"{c.kind:<10} {c.name or ''} {c.text or ''}".rstrip() + state
        out.print(f"  [dim]{when(c.timestamp)}[/] {escape(line)}", markup=True)


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id or name.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one run: context, params, latest metrics, notes and other captures."""
    _show(ctx, run, as_json)


@runs_app.command("close-stale")
def runs_close_stale(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """End, as crashed, the runs of this machine whose process died while they ran."""
    from runnotes.store.runs import close_stale

    closed = close_stale(store_of(ctx))
    if as_json:
        print_json([{"id": r.id, "name": r.name, "pid": r.pid} for r in closed])
        return
    for r in closed:
        out.print(f"run {r.id} ({r.name}): crashed (process {r.pid} on {r.host} is gone)")
    if not closed:
        out.print("no stale runs: every run marked running still has its process")


@runs_app.command("compare")
def runs_compare(
    ctx: typer.Context,
    runs: Annotated[list[str], typer.Argument(help="Two or more run ids or names.")],
    as_json: JsonFlag = False,
) -> None:
    """Params and metrics side by side; the ones that differ are highlighted."""
    from runnotes.services.metrics import column_bests
    from runnotes.services.values import shown
    from runnotes.store.queries import compare_runs

    store = store_of(ctx)
    cmp = compare_runs(store, runs)
    best = column_bests(store.settings, cmp.metrics)
    if as_json:
        print_json(
            {
                "runs": [r.as_dict() for r in cmp.runs],
                "params": cmp.params,
                "metrics": cmp.metrics,
                "marks": cmp.marks,
                "best": best,
            }
        )
        return
    table = Table("", *[f"{r.id}: {r.name}" for r in cmp.runs], title="run comparison (★ best)")
    for section, rows in (("params", cmp.params), ("metrics", cmp.metrics)):
        table.add_row(Text(section, style="bold"), *[""] * len(cmp.runs))
        for key, values in rows.items():
            style = "bold yellow" if cmp.differs(values) else None
            cells = [
                shown(v, m) + (" ★" if v is not None and v == best.get(key) else "")
                for v, m in zip(values, cmp.marks.get(key, [None] * len(values)), strict=True)
            ]
            table.add_row(f"  {key}", *cells, style=style)
    out.print(table)


RunsArg = Annotated[list[str], typer.Argument(help="Run ids or names.")]


def _change(ctx: typer.Context, refs: list[str], action: str, outcome: str) -> None:
    from runnotes.store.lifecycle import change_runs

    for run in change_runs(store_of(ctx), refs, action):
        out.print(f"{outcome} run {run.id} ({run.name})")


@runs_app.command("archive")
def runs_archive(ctx: typer.Context, runs: RunsArg) -> None:
    """Take runs out of the lists (kept in reports; `runs restore` brings them back)."""
    _change(ctx, runs, "archive", "archived")


@runs_app.command("delete")
def runs_delete(ctx: typer.Context, runs: RunsArg) -> None:
    """Delete runs softly: out of lists and reports, every capture kept (`runs restore`)."""
    _change(ctx, runs, "delete", "deleted")


@runs_app.command("restore")
def runs_restore(ctx: typer.Context, runs: RunsArg) -> None:
    """Bring archived or deleted runs back."""
    _change(ctx, runs, "restore", "restored")
