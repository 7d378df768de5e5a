"""Reading an experiment for the reports and drafts: which experiments, their runs in a period,
the captures a report quotes, published versions and the drafts' table.

The reports (``runnotes.reports``) decide what a report says; these functions only say which
rows exist, so the SQL stays in the store (``tests/test_layers.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from runnotes.errors import RunnotesError
from runnotes.store.models import Capture, Draft, Experiment, Project, PublishedReport, Review, Run
from runnotes.store.queries import latest_rows


def find_experiment(session: Session, name: str, project: str | None) -> tuple[int, str]:
    """The experiment's id and project name; a clear error when it is unknown or ambiguous."""
    query = (
        select(Experiment.id, Project.name)
        .join(Project, Experiment.project_id == Project.id)
        .where(Experiment.name == name)
    )
    if project:
        query = query.where(Project.name == project)
    found = session.exec(query.order_by(Project.name)).all()
    if len(found) == 1:
        return found[0][0], found[0][1]
    if found:
        projects = ", ".join(p for _, p in found)
        raise RunnotesError(
            f"experiment {name!r} exists in several projects ({projects}): pick one with --project"
        )
    known = session.exec(select(Experiment.name).distinct().order_by(Experiment.name)).all()
    where = f" in project {project!r}" if project else ""
    hint = f" (known: {', '.join(known)})" if known else " (the store has no experiments yet)"
    raise RunnotesError(f"no experiment {name!r}{where}{hint}")


def experiment_ids(session: Session, name: str | None = None) -> list[int]:
    """Every experiment's id, or those named ``name`` (one per project)."""
    query = select(Experiment.id)
    if name:
        query = query.where(Experiment.name == name)
    return [i for i in session.exec(query).all() if i is not None]


def project_name(session: Session, experiment_id: int) -> str:
    """The name of the project an experiment belongs to."""
    query = (
        select(Project.name)
        .join(Experiment, Experiment.project_id == Project.id)
        .where(Experiment.id == experiment_id)
    )
    return session.exec(query).one()


def in_period(since: float | None, until: float | None) -> Any:
    """Runs that started or ended in ``[since, until)``: a three-day training that finished this
    week belongs in this week's report (a run left "running" by a killed process does not)."""
    started, ended = [], []
    if since is not None:
        started.append(Run.started_at >= since)
        ended.append(Run.ended_at >= since)
    if until is not None:
        started.append(Run.started_at < until)
        ended.append(Run.ended_at < until)
    return or_(and_(*started), and_(Run.ended_at.is_not(None), *ended))


def active_experiments(
    session: Session, since: float, until: float, project: str | None
) -> list[tuple[int, str]]:
    """Experiments with a run started or ended in ``[since, until)``, by project then name."""
    query = (
        select(Experiment.id, Project.name, Experiment.name)
        .join(Project, Experiment.project_id == Project.id)
        .where(Experiment.id.in_(select(Run.experiment_id).where(in_period(since, until))))
    )
    if project:
        query = query.where(Project.name == project)
    return [(i, p) for i, p, _ in session.exec(query.order_by(Project.name, Experiment.name))]


def experiment_runs(
    session: Session, experiment_id: int, since: float | None, until: float | None
) -> tuple[list[Run], Any]:
    """The experiment's runs in the period (all, without one), by start; and the query of their
    ids, for the functions below. A deleted run (``runs delete``) is left out; an archived one
    stays."""
    query = select(Run).where(Run.experiment_id == experiment_id, Run.deleted_at.is_(None))
    if since is not None or until is not None:
        query = query.where(in_period(since, until))
    runs = list(session.exec(query.order_by(Run.started_at, Run.id)))
    return runs, query.with_only_columns(Run.id)


def reported_metrics(
    session: Session, run_ids: Any, include_pending: bool
) -> list[tuple[Any, bool]]:
    """Each run's latest approved value of each metric, then (when asked) the latest pending
    value no logged point stands beside: ``(row, pending)``."""
    rows = [(row, False) for row in latest_rows(session, run_ids, ("metric",))]
    if include_pending:
        waiting = and_(Capture.review == Review.pending, Capture.logged_id.is_(None))
        rows += [(row, True) for row in latest_rows(session, run_ids, ("metric",), waiting)]
    return rows


def report_captures(session: Session, run_ids: Any, reviews: Sequence[str]) -> list[Capture]:
    """The runs' captures other than metric values, with one of ``reviews``, in time order."""
    query = (
        select(Capture)
        .where(Capture.run_id.in_(run_ids), Capture.kind != "metric", Capture.review.in_(reviews))
        .order_by(Capture.timestamp, Capture.id)
    )
    return list(session.exec(query).all())


def derived_from(session: Session, run_ids: Any) -> set[int]:
    """The voice transcripts notes were derived from (whatever their review)."""
    query = (
        select(Capture.parent_id)
        .where(
            Capture.run_id.in_(run_ids),
            Capture.kind == "note",
            Capture.parent_id.is_not(None),
        )
        .distinct()
    )
    return {i for i in session.exec(query).all() if i is not None}


def latest_note(session: Session, experiment_id: int, role: str) -> str:
    """The text of the experiment's latest approved note with ``role`` ("" when none)."""
    text = session.exec(
        select(Capture.text)
        .join(Run, Capture.run_id == Run.id)
        .where(
            Run.experiment_id == experiment_id,
            Capture.kind == "note",
            Capture.review == Review.approved,
            Capture.role == role,
        )
        .order_by(Capture.timestamp.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    return (text or "").strip()


def latest_published(session: Session, experiment_id: int, reader: str) -> PublishedReport | None:
    """The newest frozen version of the experiment's report for ``reader``."""
    return session.exec(
        select(PublishedReport)
        .where(PublishedReport.experiment_id == experiment_id, PublishedReport.reader == reader)
        .order_by(PublishedReport.version.desc())
        .limit(1)
    ).first()


def published_reports(session: Session, experiment_id: int) -> list[PublishedReport]:
    """Every frozen version of the experiment's reports, by reader then version."""
    query = (
        select(PublishedReport)
        .where(PublishedReport.experiment_id == experiment_id)
        .order_by(PublishedReport.reader, PublishedReport.version)
    )
    return list(session.exec(query).all())


def drafts(session: Session) -> list[tuple[Draft, str | None]]:
    """Every draft with its experiment's name (None for a project-wide draft), by path."""
    query = select(Draft, Experiment.name).join(Experiment, isouter=True).order_by(Draft.path)
    return [(draft, name) for draft, name in session.exec(query).all()]
