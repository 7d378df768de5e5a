"""``runnotes report readme`` and ``runnotes report progress``: thin wrappers over the writers.

Only Typer and rich are imported here; the writers (Jinja2, matplotlib, python-docx) load when a
command runs, so ``runnotes --help`` stays instant.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from runnotes.cli.options import REPORTS, ProjectOpt
from runnotes.cli.shell import store_of
from runnotes.errors import RunnotesError

app = typer.Typer()

report_app = typer.Typer(
    help="Write a README draft or a progress report from the captures.", no_args_is_help=True
)
app.add_typer(report_app, name="report", rich_help_panel=REPORTS)
err = Console(stderr=True, highlight=False)

TemplateOpt = Annotated[
    Path | None,
    typer.Option("--template", help="Your own Jinja2 template instead of the shipped one."),
]
PendingOpt = Annotated[
    bool,
    typer.Option("--include-pending", help="Add captures not reviewed yet (marked as pending)."),
]
PROGRESS_AFTER_S = 1.0


class DelayedProgress:
    """A rich progress bar on stderr that appears only once a report takes over a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is None and time.monotonic() - self.started > PROGRESS_AFTER_S:
            self.bar = Progress(console=err, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)
        if self.bar is not None:
            self.bar.update(self.task, description=label, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _report(result) -> None:  # type: ignore[no-untyped-def]
    for warning in result.warnings:
        err.print(f"runnotes: warning: {warning}", markup=False)
    report, *figures = result.paths
    extra = (
        f" (+ {len(figures)} figure file{'s' if len(figures) != 1 else ''} in {figures[0].parent})"
        if figures
        else ""
    )
    typer.echo(f"wrote {report}{extra}")


@report_app.command("readme")
def readme(
    ctx: typer.Context,
    experiment: Annotated[
        str, typer.Option("--experiment", "-e", help="The experiment to write about.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="README path (default reports/<experiment>/README.md).",
        ),
    ] = None,
    project: ProjectOpt = None,
    template: TemplateOpt = None,
    include_pending: PendingOpt = False,
) -> None:
    """A README draft for one experiment: purpose, how to reproduce, results, figures, decisions."""
    from runnotes.reports.plots import slug
    from runnotes.reports.writers import write_readme

    out = output or Path("reports") / slug(experiment) / "README.md"
    progress = DelayedProgress()
    try:
        result = write_readme(
            store_of(ctx),
            experiment,
            out,
            project=project,
            include_pending=include_pending,
            template=template,
            progress=progress,
        )
    finally:
        progress.close()
    _report(result)


@report_app.command("progress")
def progress_report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="report.md or report.docx.")],
    since: Annotated[
        str | None,
        typer.Option(help="Start: 7d, 12h, 2w ago or a date (default: 7 days before --until)."),
    ] = None,
    until: Annotated[str | None, typer.Option(help="End: same forms (default: now).")] = None,
    project: ProjectOpt = None,
    template: TemplateOpt = None,
    include_pending: PendingOpt = False,
) -> None:
    """A progress report for a period: summary, one section per experiment, blockers, figures."""
    from runnotes.reports.period import parse_when
    from runnotes.reports.writers import write_progress

    now = time.time()
    progress = DelayedProgress()
    try:
        result = write_progress(
            store_of(ctx),
            output,
            since=parse_when(since, now) if since else None,
            until=parse_when(until, now) if until else None,
            project=project,
            include_pending=include_pending,
            template=template,
            progress=progress,
        )
    finally:
        progress.close()
    _report(result)


@app.command(rich_help_panel=REPORTS)
def goal(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help='What the runs are for; "" clears it.')],
    experiment: Annotated[
        str | None,
        typer.Option("--experiment", "-e", help="Experiment (default: the active run's)."),
    ] = None,
    project: ProjectOpt = None,
) -> None:
    """Set an experiment's goal: the README draft and the progress report open with it."""
    from runnotes.services.experiments import set_goal, set_run_goal
    from runnotes.store.runs import active_run_id

    store = store_of(ctx)
    if experiment:
        set_goal(store, experiment, text, project=project)
        name = experiment
    else:
        run_id = active_run_id(store)
        if run_id is None:
            raise RunnotesError("no active run: name the experiment with --experiment")
        name = set_run_goal(store, run_id, text)
    typer.echo(f"goal of {name}: {' '.join(text.split()) or '(cleared)'}")
