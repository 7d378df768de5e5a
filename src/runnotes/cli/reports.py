"""``runnotes report`` (readme, progress, --for a reader), ``goal`` and ``listen``: thin wrappers
over the writers.

Only Typer and rich are imported here; the writers (Jinja2, matplotlib, python-docx) load when a
command runs, so ``runnotes --help`` stays instant.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.markup import escape

from runnotes.cli.options import REPORTS, ExperimentArg, ExperimentOpt, ProjectOpt
from runnotes.cli.shell import store_of
from runnotes.console import err
from runnotes.errors import RunnotesError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer()

report_app = typer.Typer(
    help="Write a README draft, a progress report, or a report for a reader (--for).",
    invoke_without_command=True,
)
app.add_typer(report_app, name="report", rich_help_panel=REPORTS)

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
    """A rich progress bar on stderr that appears only once a report takes over a second, and
    only on a terminal (piped, it leaves an empty line)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task = cast("TaskID", 0)

    def __call__(self, label: str, done: int, total: int) -> None:
        if (
            self.bar is None
            and err.is_terminal
            and time.monotonic() - self.started > PROGRESS_AFTER_S
        ):
            from rich.progress import Progress  # not on every command's start (mmap, …)

            self.bar = Progress(console=err, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(escape(label), total=total)
        if self.bar is not None:
            self.bar.update(self.task, description=escape(label), completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _report(result) -> None:
    for warning in result.warnings:
        err.print(f"runnotes: warning: {warning}")
    report, *figures = result.paths
    extra = (
        f" (+ {len(figures)} figure file{'s' if len(figures) != 1 else ''} in {figures[0].parent})"
        if figures
        else ""
    )
    typer.echo(f"wrote {report}{extra}")


def _published(reader: str, done) -> None:
    state = "published" if done.new else "unchanged since"
    typer.echo(f"{state} {reader} report version {done.version} (sha256 {done.sha256[:16]})")


@report_app.callback()
def for_reader(
    ctx: typer.Context,
    reader: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="engineer, manager, reviewer, or your own template "
            "($RUNNOTES_HOME/templates/NAME.md.j2).",
        ),
    ] = None,
    experiment: ExperimentOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="report.md or report.docx (default: NAME.md)."),
    ] = None,
    project: ProjectOpt = None,
    template: TemplateOpt = None,
    include_pending: PendingOpt = False,
    since: Annotated[
        str | None, typer.Option(help="Only runs of a period from: 7d, 2w ago or a date.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="End of the period (default: now).")] = None,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish", help="Freeze it in the store: a content hash and a new version if changed."
        ),
    ] = False,
) -> None:
    """A report for one reader of an experiment: ``runnotes report --for manager -e NAME``."""
    if ctx.invoked_subcommand is not None:
        return
    if reader is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    if not experiment:
        raise RunnotesError("name the experiment: runnotes report --for READER -e EXPERIMENT")
    from runnotes.reports.period import parse_when
    from runnotes.reports.readers import publish as freeze
    from runnotes.reports.readers import write_report

    now = time.time()

    store = store_of(ctx)
    out = output or Path(f"{reader}.md")
    progress = DelayedProgress()
    try:
        written = write_report(
            store,
            experiment,
            reader,
            out,
            project=project,
            include_pending=include_pending,
            template=template,
            progress=progress,
            since=parse_when(since, now) if since else None,
            until=parse_when(until, now) if until else (now if since else None),
        )
    finally:
        progress.close()
    _report(written.result)
    if publish:
        done = freeze(store, experiment, reader, written.markdown, project)
        _published(reader, done)


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


@report_app.command("publish")
def publish_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A report you edited (Markdown).")],
    reader: Annotated[str, typer.Option("--for", help="Whose report it is, e.g. reviewer.")],
    experiment: ExperimentArg,
    project: ProjectOpt = None,
) -> None:
    """Freeze a report a person edited (sections filled in) as the reader's next version."""
    from runnotes.reports.readers import publish, template_path

    template_path(store_of(ctx), reader)  # a known reader, a plain name
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnotesError(f"cannot read {file}: {exc}") from None
    done = publish(store_of(ctx), experiment, reader, text, project)
    _published(reader, done)


@report_app.command("published")
def published_reports(
    ctx: typer.Context,
    experiment: ExperimentArg,
    project: ProjectOpt = None,
    show: Annotated[
        str | None,
        typer.Option(
            "--show", help="Print one version's Markdown (READER:VERSION, e.g. reviewer:2)."
        ),
    ] = None,
) -> None:
    """The frozen versions of an experiment's reports (``report --for … --publish``)."""
    from runnotes.formatting import when
    from runnotes.reports.readers import published

    rows = published(store_of(ctx), experiment, project)
    if show is not None:
        reader, _, version = show.partition(":")
        found = [r for r in rows if r.reader == reader and str(r.version) == version]
        if not found:
            raise RunnotesError(f"no published {show!r} for {experiment!r}: see the list")
        typer.echo(found[0].markdown, nl=False)
        return
    if not rows:
        typer.echo(f"nothing published for {experiment} yet (runnotes report --for … --publish)")
    for r in rows:
        typer.echo(f"{r.reader} v{r.version}  {when(r.published_at)}  sha256 {r.sha256}")


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


@app.command(rich_help_panel=REPORTS)
def listen(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="Experiment name, or a run's name or id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A .wav file (default: beside the README draft)."),
    ] = None,
    project: ProjectOpt = None,
    include_pending: PendingOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Speak it again even if the script is unchanged.")
    ] = False,
) -> None:
    """A spoken summary (two minutes at most) of an experiment or a run, as a WAV file with its
    script beside it; the voice is Piper (the speech extra) or espeak-ng ([listen] engine)."""
    from runnotes.reports.drafts import DraftSettings, path_part
    from runnotes.reports.listen import find_subject, write_listen

    store = store_of(ctx)
    subject = find_subject(store, what, project)
    if output is None:
        folder = DraftSettings.of(store).project_dir(subject.project) / path_part(
            subject.experiment
        )
        name = f"listen-{path_part(subject.run_name)}.wav" if subject.run_name else "listen.wav"
        output = folder / name
    done = write_listen(store, subject, output, include_pending=include_pending, force=force)
    if done.spoken is None:
        typer.echo(f"unchanged: {done.audio} (script {done.script_path})")
    else:
        typer.echo(
            f"wrote {done.audio} ({done.spoken.seconds:.0f} s, {done.spoken.engine}, "
            f"{done.script.words} words; script {done.script_path})"
        )
