"""``write_readme`` and ``write_progress``: store in, files out.

Both are pure (they read the store and write only the output file and its ``<stem>_files``
folder of figures), deterministic (the same store gives byte-identical Markdown) and atomic: the
report and its figures are built in temporary files beside the target and swapped in with
``os.replace``, so a reader (or a later draft refresh) never sees half a report. A missing media
file does not stop a report: the gap is named in it and in ``ReportResult.warnings``.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.reports import data as reportdata
from runnotes.reports.caps import cap_lists
from runnotes.reports.period import fmt_time, resolve_period
from runnotes.reports.render import load_template, render
from runnotes.store.db import Store
from runnotes.store.experiments import active_experiments, find_experiment
from runnotes.store.folders import check_file, check_folder, private_dir, warn_if_open

Progress = Callable[[str, int, int], None]
PROGRESS_FORMATS = (".md", ".docx")


class NothingToReport(RunnotesError):
    """The period has no runs: a progress report of it would be empty (the drafts skip it)."""


@dataclass
class ReportResult:
    """The files written (the report first, then its figures) and the gaps found on the way."""

    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Reproduce:
    run: reportdata.RunInfo
    packages: list[tuple[str, str]]
    datasets: list[reportdata.Dataset]


def _datasets_for(
    data: reportdata.ExperimentData, run: reportdata.RunInfo
) -> list[reportdata.Dataset]:
    """The run's data fingerprints, else the latest of each file fingerprinted before it."""
    if run.datasets:
        return run.datasets
    latest: dict[str, reportdata.Dataset] = {}
    for other in data.runs:
        if (other.started_at, other.id) <= (run.started_at, run.id):
            latest.update({d.name: d for d in other.datasets})
    return [latest[name] for name in sorted(latest)]


@dataclass
class Best:
    """An experiment's best value of its primary metric, and its change since the last period."""

    experiment: str
    metric: reportdata.MetricInfo
    previous: float | None

    @property
    def change(self) -> float | None:
        return None if self.previous is None else self.metric.best.value - self.previous  # type: ignore[operator]

    @property
    def improved(self) -> bool | None:
        if self.previous is None or self.metric.best.value == self.previous:
            return None
        return self.metric.is_better(self.metric.best.value, self.previous)


@dataclass
class Blocker:
    experiment: str
    note: reportdata.Note


def _step(progress: Progress | None, label: str, done: int, total: int) -> None:
    if progress is not None:
        progress(label, done, total)


def _check_output(out: Path, name: str) -> Path:
    """Where the report goes (``name`` inside ``out`` when ``out`` is a folder); fails before
    any work when it cannot be written there. Refused untouched: a target that is not a regular
    file (``/dev/null``), a folder on the way that is a file. The first report in an existing
    folder that others can read says so (its mode is left as it is)."""
    out = Path(out).expanduser()
    if out.is_dir():
        out = out / name
    if out.is_symlink():  # like a shell's `>`: the file the link names is written, the link stays
        out = out.resolve()
    check_file(out, "report")
    check_folder(out.parent, "report folder")
    new, existed = not out.exists(), out.parent.is_dir()
    private_dir(out.parent, "report folder")  # what is missing is made user-only
    writable = os.access(out.parent, os.W_OK | os.X_OK)
    if not writable or (out.exists() and not os.access(out, os.W_OK)):
        raise RunnotesError(f"cannot write {out}: permission denied")
    if new and existed:  # said of the user's folders, not of one made just now
        warn_if_open(out.parent, "report folder")
    return out


def _replace(tmp: Path, out: Path) -> None:
    """Swap the staged ``tmp`` in at ``out``; a file that was there keeps its mode and owner (a
    report rewrites its content, never who may read it)."""
    try:
        was = out.stat()
    except FileNotFoundError:
        pass
    else:
        os.chmod(tmp, stat.S_IMODE(was.st_mode))  # tmp: made by runnotes, in its staging folder
        if os.geteuid() == 0:
            os.chown(tmp, was.st_uid, was.st_gid)
    os.replace(tmp, out)


def _owner_only(stage: Path) -> None:
    """Files 0600 and folders 0700 in a staging folder: all made here by runnotes, in a folder
    (``mkdtemp``, 0700) nobody else can enter, before anything of it is published."""
    for item in [stage, *stage.rglob("*")]:
        if not item.is_symlink():
            os.chmod(item, 0o700 if item.is_dir() else 0o600)


def files_dir(out: Path) -> Path:
    """Where a Markdown report's figures go: ``README_files/`` beside ``README.md``."""
    return out.parent / f"{out.stem}_files"


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` (same file system, so renames are atomic)."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise RunnotesError(f"cannot write {out}: {exc.strerror or exc}") from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _publish_markdown(out: Path, text: str, stage: Path, assets: Path, private: bool) -> list[Path]:
    """Swap the figures folder and the Markdown into place; returns the files now published."""
    tmp = stage / "report.md"
    tmp.write_text(text, encoding="utf-8")
    if private:
        _owner_only(stage)
    target = files_dir(out)
    published: list[Path] = []
    if any(assets.iterdir()):
        old = stage / "old"
        if target.exists():
            os.replace(target, old)
        os.replace(assets, target)
        published = sorted(target.iterdir())
    elif target.exists():
        shutil.rmtree(target)  # no figures any more: do not leave stale ones beside the report
    _replace(tmp, out)
    return [out, *published]


def _attach_screenshots(shots: list[reportdata.Screenshot], assets: Path, ref: str) -> None:
    """Copy each screenshot found on disk into the figures folder; ``file`` is its reference."""
    for shot in shots:
        if shot.source_path is None:
            continue
        name = f"screenshot-{shot.sha256[:12]}{shot.source_path.suffix or '.png'}"
        shutil.copyfile(shot.source_path, assets / name)
        shot.file = f"{ref}/{name}"


def _attach_figures(figures: list[Any], ref: str) -> None:
    for figure in figures:
        figure.file = f"{ref}/{figure.path.name}"


# -- README ------------------------------------------------------------------------------------


def write_readme(
    store: Store,
    experiment: str,
    out: Path,
    *,
    project: str | None = None,
    include_pending: bool = False,
    template: Path | None = None,
    progress: Progress | None = None,
    extra: Callable[[reportdata.ExperimentData], dict[str, Any]] | None = None,
    since: float | None = None,
    until: float | None = None,
    private: bool = False,
) -> ReportResult:
    """A README draft for one experiment; figures go to ``<out stem>_files/`` beside it
    (``out`` may be a folder: ``README.md`` in it). ``extra`` adds to what the template sees
    (the reports per reader: :mod:`.readers`); ``since``/``until`` keep the runs of a period (a
    manager's weekly update); ``private``: files 0600, folders 0700."""
    from runnotes.reports.plots import experiment_figures

    tpl = load_template(template, "readme.md.j2")
    _step(progress, "reading the store", 0, 4)
    with store.read() as session:
        experiment_id, _ = find_experiment(session, experiment, project)
    # after the checks above: bad input leaves no empty folder behind
    out = _check_output(out, "README.md")
    data = reportdata.load_experiment(
        store, experiment_id, reportdata.rules_for(store, include_pending), since=since, until=until
    )
    cap_lists(data)
    warnings = list(data.warnings)
    headline = data.headline_run
    reproduce = (
        None
        if headline is None
        else Reproduce(
            headline,
            reportdata.packages_of(store, headline, reportdata.key_packages(store), warnings),
            _datasets_for(data, headline),
        )
    )
    ref = files_dir(out).name
    with _staging(out) as stage:
        assets = stage / "files"
        assets.mkdir()
        _step(progress, "drawing figures", 1, 4)
        figures = data.figures = experiment_figures(store, data, assets)
        _attach_figures(figures, ref)
        _attach_screenshots(data.screenshots, assets, ref)
        _step(progress, "rendering", 2, 4)
        text = render(
            tpl,
            {
                "experiment": data,
                "reproduce": reproduce,
                "figures": figures,
                "warnings": warnings,
                "include_pending": include_pending,
                **(extra(data) if extra else {}),
            },
        )
        _step(progress, "writing", 3, 4)
        paths = _publish_markdown(out, text, stage, assets, private)
    _step(progress, "done", 4, 4)
    return ReportResult(paths=paths, warnings=warnings)


# -- progress report ---------------------------------------------------------------------------


def write_progress(
    store: Store,
    out: Path,
    *,
    since: float | None = None,
    until: float | None = None,
    project: str | None = None,
    include_pending: bool = False,
    template: Path | None = None,
    progress: Progress | None = None,
    private: bool = False,
) -> ReportResult:
    """A progress report for ``[since, until)`` (default: the last 7 days): .md or .docx
    (``out`` may be a folder: ``progress.md`` in it). ``private``: as in :func:`write_readme`."""
    from runnotes.reports.plots import experiment_figures

    out = Path(out).expanduser()
    out = out / "progress.md" if out.is_dir() else out
    if out.suffix.lower() not in PROGRESS_FORMATS:
        raise RunnotesError(f"cannot write {out}: a progress report is .md or .docx")
    since, until = resolve_period(since, until)
    tpl = load_template(template, "progress.md.j2")
    rules = reportdata.rules_for(store, include_pending)
    with store.read() as session:
        active = active_experiments(session, since, until, project)
    if not active:
        where = f" in project {project!r}" if project else ""
        raise NothingToReport(
            f"nothing to report: no runs started or ended between "
            f"{fmt_time(since)} and {fmt_time(until)}{where}"
        )
    out = _check_output(out, "progress.md")
    total = 2 * len(active) + 2
    experiments, bests, blockers, figures, shots, warnings = [], [], [], [], [], []
    docx = out.suffix.lower() == ".docx"
    ref = "." if docx else files_dir(out).name
    with _staging(out) as stage:
        assets = stage / "files"
        assets.mkdir()
        for i, (experiment_id, _) in enumerate(active):
            _step(progress, "reading the store", 2 * i, total)
            data = reportdata.load_experiment(store, experiment_id, rules, since=since, until=until)
            cap_lists(data)
            experiments.append(data)
            warnings += data.warnings
            label = f"{data.project}/{data.name}"
            if data.primary is not None:
                before = reportdata.load_experiment(
                    store, experiment_id, rules, since=since - (until - since), until=since
                )
                previous = next(
                    (m.best.value for m in before.metrics if m.name == data.primary.name), None
                )
                data.previous_best = previous
                bests.append(Best(label, data.primary, previous))
            blockers += [Blocker(label, n) for n in data.blockers]
            _step(progress, "drawing figures", 2 * i + 1, total)
            data.figures = experiment_figures(store, data, assets, prefix=f"{i + 1:02d}-")
            figures += data.figures
            shots += data.screenshots
        _attach_figures(figures, ref)
        _attach_screenshots(shots, assets, ref)
        _step(progress, "rendering", total - 2, total)
        text = render(
            tpl,
            {
                "since": since,
                "until": until,
                "project": project,
                "experiments": experiments,
                "runs_total": sum(len(e.runs) for e in experiments),
                "runs_failed": sum(1 for e in experiments for r in e.runs if r.status == "failed"),
                "bests": bests,
                "blockers": blockers,
                "figures": figures,
                "screenshots": shots,
                "warnings": warnings,
                "include_pending": include_pending,
            },
        )
        _step(progress, "writing", total - 1, total)
        if docx:
            from runnotes.reports.docx_writer import write_docx

            tmp = stage / "report.docx"
            write_docx(text, tmp, base=assets)
            if private:
                _owner_only(stage)
            _replace(tmp, out)
            paths = [out]
        else:
            paths = _publish_markdown(out, text, stage, assets, private)
    _step(progress, "done", total, total)
    return ReportResult(paths=paths, warnings=warnings)
