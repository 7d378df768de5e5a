"""``runnotes import …``, ``runnotes export …`` and ``runnotes follow mlflow``.

Thin: each command is one call into the interop modules. Only typer is imported here; MLflow,
TensorBoard and pyarrow load inside the commands, so ``runnotes --help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from runnotes.cli.options import (
    TRACKERS,
    ExperimentOpt,
    ProjectOpt,
    RunsOpt,
    TagOpt,
    WhereOpt,
)
from runnotes.cli.shell import store_of

app = typer.Typer()
import_app = typer.Typer(
    help="Bring runs in: MLflow, TensorBoard, CSV, Parquet, JSON Lines.", no_args_is_help=True
)
export_app = typer.Typer(
    help="Write runs out: JSON Lines, CSV, Parquet, or back to MLflow.", invoke_without_command=True
)
follow_app = typer.Typer(
    help="Attach captures to the run another tracker is running now.", no_args_is_help=True
)

TrackingUri = Annotated[
    str,
    typer.Option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="MLflow store: sqlite:///mlflow.db or postgresql://… (read with SQL), "
        "an mlruns/ folder, http://server.",
    ),
]
Format = Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet.")]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="File (default: standard output).")
]
app.add_typer(import_app, name="import", rich_help_panel=TRACKERS)
app.add_typer(export_app, name="export", rich_help_panel=TRACKERS)
app.add_typer(follow_app, name="follow", rich_help_panel=TRACKERS)


def _say(text: str) -> None:
    from runnotes.console import out

    out.print(text, markup=False)


# -- import -----------------------------------------------------------------------------------


@import_app.command("mlflow")
def import_mlflow(
    ctx: typer.Context,
    tracking_uri: TrackingUri = "mlruns",
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", help="Only this MLflow experiment (repeatable)."),
    ] = None,
    project: ProjectOpt = None,
    copy_artifacts: Annotated[
        bool, typer.Option(help="Copy artifact files into the store (default: list them).")
    ] = False,
) -> None:
    """Import (or refresh) the runs of an MLflow tracking store."""
    from runnotes.interop.mlflow import import_mlflow as run_import

    result = run_import(
        store_of(ctx),
        tracking_uri,
        experiment or (),
        project=project,
        copy_artifacts=copy_artifacts,
    )
    _say(result.describe(tracking_uri))


@import_app.command("tensorboard")
def import_tensorboard(
    ctx: typer.Context,
    logdir: Annotated[Path, typer.Argument(help="Folder of run folders.")],
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Import scalars and hparams, one run per folder of event files."""
    from runnotes.interop.tensorboard import import_tensorboard as run_import

    result = run_import(store_of(ctx), logdir, experiment=experiment, project=project)
    _say(result.describe(str(logdir)))


def _import_sheet(
    ctx: typer.Context,
    path: Path,
    params: str | None,
    metrics: str | None,
    experiment: str | None,
    project: str | None,
) -> None:
    from runnotes.interop.tables import import_table, split_names

    result = import_table(
        store_of(ctx),
        path,
        params=split_names(params),
        metrics=split_names(metrics),
        experiment=experiment,
        project=project,
    )
    _say(result.describe(str(path)))


ParamCols = Annotated[str | None, typer.Option(help="Columns that are params: a,b.")]
MetricCols = Annotated[str | None, typer.Option(help="Columns that are metrics: c,d.")]


@import_app.command("csv")
def import_csv(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The CSV file.")],
    params: ParamCols = None,
    metrics: MetricCols = None,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
) -> None:
    """One run per row; params.X / metrics.X columns (or --params/--metrics) say what is what."""
    _import_sheet(ctx, path, params, metrics, experiment, project)


@import_app.command("parquet")
def import_parquet(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The Parquet file.")],
    params: ParamCols = None,
    metrics: MetricCols = None,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Like `import csv`, for a Parquet table (e.g. one `runnotes export` wrote)."""
    _import_sheet(ctx, path, params, metrics, experiment, project)


@import_app.command("jsonl")
def import_jsonl(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A `runnotes export` JSON Lines file.")],
) -> None:
    """Restore runs from a JSON Lines export, every capture included."""
    from runnotes.interop.export import import_jsonl as run_import

    _say(run_import(store_of(ctx), path).describe(str(path)))


# -- export -----------------------------------------------------------------------------------


@export_app.callback()
def export(
    ctx: typer.Context,
    fmt: Format = "jsonl",
    output: Output = None,
    run: RunsOpt = None,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
    tag: TagOpt = None,
    where: WhereOpt = None,
) -> None:
    """Export the whole store, or the runs the filters pick (see also `export mlflow`)."""
    if ctx.invoked_subcommand is not None:
        return
    from runnotes.console import err
    from runnotes.interop.export import select_runs, write_export
    from runnotes.store.queries import RunFilter

    store = store_of(ctx)
    filters = RunFilter(
        experiment=experiment, project=project, tags=tag or (), where=where, show="kept"
    )
    runs = select_runs(store, filters, refs=run or ())
    write_export(store, runs, fmt, sys.stdout, output)
    err.print(
        f"runnotes: exported {len(runs)} runs as {fmt}" + (f" to {output}" if output else ""),
        markup=False,
    )


@export_app.command("mlflow")
def export_mlflow(
    ctx: typer.Context,
    tracking_uri: TrackingUri,
    run: RunsOpt = None,
    experiment: ExperimentOpt = None,
    project: ProjectOpt = None,
    tag: TagOpt = None,
    where: WhereOpt = None,
) -> None:
    """Write runs (all, or those the filters pick) to an MLflow tracking store."""
    from runnotes.interop.export import select_runs
    from runnotes.interop.mlflow import export_mlflow as run_export
    from runnotes.store.queries import RunFilter

    store = store_of(ctx)
    filters = RunFilter(
        experiment=experiment, project=project, tags=tag or (), where=where, show="kept"
    )
    runs = select_runs(store, filters, refs=run or ())
    made = run_export(store, tracking_uri, [r.id for r in runs])
    _say(f"exported {len(made)} runs to {tracking_uri}")


# -- follow -----------------------------------------------------------------------------------


@follow_app.command("mlflow")
def follow_mlflow(
    ctx: typer.Context,
    tracking_uri: TrackingUri = "mlruns",
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 5.0,
    once: Annotated[bool, typer.Option(help="Poll once, then exit.")] = False,
) -> None:
    """Make the MLflow run that is running now the active run (while no runnotes run is)."""
    from runnotes.interop.mlflow import follow

    try:
        follow(store_of(ctx), tracking_uri, interval=interval, once=once, report=_say)
    except KeyboardInterrupt:
        _say("stopped following")
