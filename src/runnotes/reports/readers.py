"""Reports per reader: one data model, a template each (``runnotes report --for READER``).

- *engineer*: the README draft (every change of params, code, data and environment);
- *manager*: a one-screen update: what was tried, what it gave, blockers, next;
- *reviewer*: a model-card stub: intended use and limitations left marked for a person (a note
  starting "Intended use:" or "Limitations:" fills them), training details, the evaluation with
  the data it used, a dated change log, and for every number its run, git commit (and the hash
  of the uncommitted diff), data fingerprint and environment.

All three are the README writer (:func:`runnotes.reports.writers.write_readme`) with another
template and the context below added, so they share its data, escaping filters and figures. A
user adds a reader by putting ``<name>.md.j2`` in ``$RUNNOTES_HOME/templates`` (which also
overrides a shipped one). A published report is frozen in the store (:func:`publish`): its exact
Markdown, sha256 and a version that grows only when the content changed.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.reports import data as reportdata
from runnotes.reports.render import TEMPLATES
from runnotes.reports.writers import ReportResult, _datasets_for, write_readme
from runnotes.store.db import Store
from runnotes.store.experiments import find_experiment, latest_published, published_reports
from runnotes.store.models import PublishedReport

READERS = {"engineer": "readme.md.j2", "manager": "manager.md.j2", "reviewer": "reviewer.md.j2"}
FORMATS = (".md", ".docx")
_READER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A note that fills one of the reviewer report's sections for a person ("Intended use: …").
_FOR_PERSON = {
    "intended_use": re.compile(r"^\s*intended use\b\s*[:,\-–]?\s*", re.IGNORECASE),
    "limitations": re.compile(r"^\s*(?:known\s+)?limitations?\b\s*[:,\-–]?\s*", re.IGNORECASE),
}


@dataclass
class Provenance:
    """Where a run's numbers come from: code, data and environment."""

    run: reportdata.RunInfo
    datasets: list[reportdata.Dataset]
    packages: list[tuple[str, str]]

    @property
    def environment(self) -> str:
        """The key packages' versions, e.g. "python 3.11.7, numpy 2.4.6"."""
        return ", ".join(f"{name} {version}" for name, version in self.packages)

    @property
    def python(self) -> str | None:
        return self.run.python_version


@dataclass
class Evaluated:
    """One number of the evaluation: a metric's value in a run, with that run's provenance."""

    metric: reportdata.MetricInfo
    value: reportdata.Value
    origin: Provenance

    @property
    def best(self) -> bool:
        return self.metric.best_run.id == self.origin.run.id


@dataclass
class Entry:
    """A dated line of the change log: a run, and what it changed from the one before."""

    run: reportdata.RunInfo
    change: reportdata.Change | None


@dataclass
class ReaderContext:
    reader: str
    provenance: list[Provenance] = field(default_factory=list)
    evaluation: list[Evaluated] = field(default_factory=list)
    changelog: list[Entry] = field(default_factory=list)
    person: dict[str, list[reportdata.Note]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def template_path(store: Store, reader: str, template: Path | None = None) -> Path:
    """The template for ``reader``: ``--template``, the user's ``<reader>.md.j2``, or shipped."""
    if template is not None:
        return Path(template).expanduser()
    if not _READER_NAME.fullmatch(reader):  # it becomes a file name (also on the web page)
        raise RunnotesError(f"a reader is a plain name (letters, digits, - and _), not {reader!r}")
    own = store.settings.home / "templates" / f"{reader}.md.j2"
    if own.is_file():
        return own
    if reader in READERS:
        return TEMPLATES / READERS[reader]
    known = ", ".join(sorted({*READERS, *user_readers(store)}))
    raise RunnotesError(f"no report for {reader!r} (known: {known}; yours go in {own.parent})")


def readers(store: Store) -> list[str]:
    """The shipped readers, then the user's own templates."""
    return [*READERS, *(name for name in user_readers(store) if name not in READERS)]


def user_readers(store: Store) -> list[str]:
    folder = store.settings.home / "templates"
    return sorted(p.name.removesuffix(".md.j2") for p in folder.glob("*.md.j2"))


def reader_context(store: Store, data: reportdata.ExperimentData, reader: str) -> dict[str, Any]:
    """What the reader templates see besides the README's context."""
    ctx = ReaderContext(reader)
    wanted = reportdata.key_packages(store)
    origins: dict[int, Provenance] = {}
    for run in data.runs:
        packages = reportdata.packages_of(store, run, wanted, ctx.warnings)
        origins[run.id] = Provenance(run, _datasets_for(data, run), packages)
    ctx.provenance = list(origins.values())
    environments: dict[str, Provenance] = {}
    for origin in ctx.provenance:
        if origin.run.packages_sha:
            environments.setdefault(origin.run.packages_sha, origin)
    for run in data.table_runs:
        for metric in data.main_metrics:
            if metric.name in run.metrics:
                ctx.evaluation.append(Evaluated(metric, run.metrics[metric.name], origins[run.id]))
    changes = {c.run.id: c for c in data.changes}
    ctx.changelog = [Entry(run, changes.get(run.id)) for run in data.runs]
    notes = [*data.decisions, *data.observations]
    ctx.person = {
        key: [n for n in notes if pattern.match(n.text)] for key, pattern in _FOR_PERSON.items()
    }
    return {
        "reader": reader,
        "provenance": ctx.provenance,
        "evaluation": ctx.evaluation,
        "changelog": ctx.changelog,
        "person": ctx.person,
        "origins": origins,
        "environments": environments,
        "reader_warnings": ctx.warnings,
    }


@dataclass
class ReaderReport:
    result: ReportResult
    markdown: str  # what was written (the .docx is made from it): what :func:`publish` freezes


def write_report(
    store: Store,
    experiment: str,
    reader: str,
    out: Path,
    *,
    project: str | None = None,
    include_pending: bool = False,
    template: Path | None = None,
    progress: Any = None,
    since: float | None = None,
    until: float | None = None,
) -> ReaderReport:
    """The report for ``reader`` as Markdown (figures beside it) or .docx (figures inside);
    ``since``/``until`` keep the runs of a period (e.g. the manager's week)."""
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise RunnotesError(f"cannot write {out}: a report is .md or .docx")
    tpl = template_path(store, reader, template)

    def extra(data: reportdata.ExperimentData) -> dict[str, Any]:
        return reader_context(store, data, reader) | {"since": since, "until": until}

    def write(md: Path) -> ReportResult:
        return write_readme(
            store,
            experiment,
            md,
            project=project,
            include_pending=include_pending,
            template=tpl,
            progress=progress,
            extra=extra,
            since=since,
            until=until,
        )

    if out.suffix.lower() == ".md":
        result = write(out)
        return ReaderReport(result, out.read_text(encoding="utf-8"))
    from runnotes.reports.docx_writer import write_docx

    with tempfile.TemporaryDirectory(prefix="runnotes-report-") as folder:
        md = Path(folder) / "report.md"
        result = write(md)
        text = md.read_text(encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        write_docx(text, tmp, base=md.parent)
        tmp.replace(out)
    return ReaderReport(ReportResult(paths=[out], warnings=result.warnings), text)


@dataclass(frozen=True)
class Published:
    version: int
    sha256: str
    new: bool  # False: the same content was published before, under this version


def publish(
    store: Store, experiment: str, reader: str, markdown: str, project: str | None
) -> Published:
    """Freeze ``markdown`` as the next version of the experiment's report for ``reader``,
    unless the latest version has the same content hash."""
    sha = hashlib.sha256(markdown.encode("utf-8")).hexdigest()
    with store.write() as session:
        experiment_id, _ = find_experiment(session, experiment, project)
        latest = latest_published(session, experiment_id, reader)
        if latest is not None and latest.sha256 == sha:
            return Published(latest.version, sha, False)
        version = (latest.version if latest else 0) + 1
        session.add(
            PublishedReport(
                experiment_id=experiment_id,
                reader=reader,
                version=version,
                sha256=sha,
                markdown=markdown,
                published_at=time.time(),
            )
        )
    return Published(version, sha, True)


def published(store: Store, experiment: str, project: str | None = None) -> list[PublishedReport]:
    """Every frozen version of the experiment's reports, by reader then version."""
    with store.read() as session:
        experiment_id, _ = find_experiment(session, experiment, project)
        rows = published_reports(session, experiment_id)
        session.expunge_all()
    return list(rows)
