"""Lineage between runs (``run.parent_id``, ``link_how``…) and the overview's card order.

Plain queries and writes; the rules (what counts as evidence for an inferred link, the tree's
layout, the narrative) are in :mod:`runnotes.services.lineage` and :mod:`runnotes.services.tree`.
A link has a source: ``start`` (given when the run started), ``hand`` (a person edited it later,
an unlink included) or ``inferred``. Inference writes only where the source is NULL, in the same
conditional UPDATE, so a person's link is never overwritten, even by a race.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, select

from runnotes import events
from runnotes.errors import RunnotesError
from runnotes.store.db import Store, get_row
from runnotes.store.models import (
    Capture,
    Experiment,
    Kind,
    Link,
    Project,
    Run,
    SeriesPoint,
    counted,
)
from runnotes.store.queries import RunFilter, latest_values, resolve_run
from runnotes.store.runs import shown_status

SOURCES = ("start", "hand", "inferred")


@dataclass(frozen=True)
class LinkRow:
    """A run as the tree needs it: identity, status, lineage and what it ran; ``version`` is
    its ``series_version`` (moved by any change in place of its values), so two reads of the
    same rows compare equal exactly when the run is unchanged but for new values."""

    id: int
    name: str
    status: str
    started_at: float
    ended_at: float | None
    parent_id: int | None
    how: str | None
    step: int | None
    source: str | None
    evidence: str | None
    command: str | None
    git_commit: str | None
    git_dirty: bool | None
    version: int = 0


def check_how(how: str) -> Link:
    if how not in Link.__members__:
        raise RunnotesError(f"how must be one of {', '.join(Link)}, not {how[:40]!r}")
    return Link(how)


def check_parent(store: Store, parent: str | int, how: str, step: int | None) -> int:
    """The parent's id, checked with ``how`` and ``step`` before a run is made for the link."""
    how = check_how(how)
    if step is not None and how not in (Link.resume, Link.fork):
        raise RunnotesError("a step goes with a resume or a fork only")
    with store.read() as session:
        return resolve_run(session, parent).id


def _ancestors(session: Session, run_id: int) -> set[int]:
    seen: set[int] = set()
    current: int | None = run_id
    while current is not None and current not in seen:
        seen.add(current)
        current = session.exec(select(Run.parent_id).where(Run.id == current)).first()
    return seen


def set_link(
    store: Store,
    run_id: int,
    parent: str | int,
    how: str = Link.fork,
    *,
    step: int | None = None,
    source: str = "hand",
) -> Run:
    """Record that ``run_id`` came from ``parent`` (an id or a unique name) and how, by a person
    (``source`` "start" or "hand"). A link that would make a cycle is refused."""
    how = check_how(how)
    with store.write() as session:
        run = get_row(session, Run, run_id)
        parent_row = resolve_run(session, parent)
        if run.id in _ancestors(session, parent_row.id):
            raise RunnotesError(f"run {parent_row.id} descends from run {run.id}: no cycles")
        if step is not None and how not in (Link.resume, Link.fork):
            raise RunnotesError("a step goes with a resume or a fork only")
        run.parent_id, run.link_how, run.link_step = parent_row.id, how.value, step
        run.link_source, run.link_evidence = source, None
        session.add(run)
        session.flush()
        session.expunge(run)
        events.queue(session, events.ReviewChanged(run_id))
    return run


def unlink(store: Store, run_id: int) -> Run:
    """Take a run's link away by hand: inference leaves it unlinked from now on."""
    with store.write() as session:
        run = get_row(session, Run, run_id)
        run.parent_id = run.link_how = run.link_step = run.link_evidence = None
        run.link_source = "hand"
        session.add(run)
        session.flush()
        session.expunge(run)
        events.queue(session, events.ReviewChanged(run_id))
    return run


def infer_link(
    store: Store, run_id: int, parent_id: int, how: Link, evidence: str, step: int | None = None
) -> bool:
    """Store an inferred link unless the run's link was ever set by anyone: True if stored."""
    with store.write() as session:
        changed = session.execute(
            update(Run)
            .where(Run.id == run_id, Run.link_source.is_(None))
            .values(
                parent_id=parent_id,
                link_how=how.value,
                link_step=step,
                link_source="inferred",
                link_evidence=evidence,
            )
        ).rowcount
    return bool(changed)


LINK_COLUMNS = (
    Run.id,
    Run.name,
    Run.status,
    Run.started_at,
    Run.ended_at,
    Run.parent_id,
    Run.link_how,
    Run.link_step,
    Run.link_source,
    Run.link_evidence,
    Run.command,
    Run.git_commit,
    Run.git_dirty,
    Run.series_version,
    Run.pid,
    Run.pid_started,
    Run.host,
)


def link_rows(store: Store, experiment_id: int, archived: bool = False) -> list[LinkRow]:
    """The experiment's runs (not deleted; archived ones too if asked, as reports keep them),
    oldest first. Columns, not rows: a page of 500 runs reads them in one cheap query."""
    shown = [Run.deleted_at.is_(None)]
    if not archived:
        shown.append(Run.archived_at.is_(None))
    with store.read() as session:
        rows = session.exec(
            select(*LINK_COLUMNS)
            .where(Run.experiment_id == experiment_id, *shown)
            .order_by(Run.started_at, Run.id)
        ).all()
    found = []
    for *row, pid, pid_started, host in rows:
        if row[2] == "running":  # "crashed" when its process died, as every page says
            row[2] = shown_status(
                SimpleNamespace(status=row[2], pid=pid, pid_started=pid_started, host=host)
            )  # type: ignore[arg-type]
        found.append(LinkRow(*row))
    return found


def newest_ids(store: Store) -> tuple[int | None, int | None, str | None]:
    """The newest capture id and logged value id of the whole store (two index ends): nothing
    was added anywhere while both stay the same. On PostgreSQL, ids from a sequence can commit
    out of order (a transaction holding id 100 commits after one holding 101), so the snapshot
    (its running transactions, the next transaction id) is part of it too: the same only while
    no write transaction started or ended anywhere."""
    with store.read() as session:
        snapshot = None
        if not store.is_sqlite:
            snapshot = session.connection().exec_driver_sql("SELECT pg_current_snapshot()::text")
            snapshot = snapshot.scalar()
        return (
            session.exec(select(func.max(Capture.id))).one(),
            session.exec(select(func.max(SeriesPoint.id))).one(),
            snapshot,
        )


def experiment_run_ids(store: Store, run_id: int) -> list[int]:
    """The ids of the runs (not archived or deleted) in ``run_id``'s experiment."""
    with store.read() as session:
        exp_id = get_row(session, Run, run_id).experiment_id
        return list(
            session.exec(
                select(Run.id).where(
                    Run.experiment_id == exp_id,
                    Run.archived_at.is_(None),
                    Run.deleted_at.is_(None),
                )
            ).all()
        )


def run_row(store: Store, run_id: int) -> Run:
    with store.read() as session:
        run = get_row(session, Run, run_id)
        session.expunge(run)
        return run


def same_command_before(store: Store, run: Run) -> Run | None:
    """The latest earlier run of the experiment with this command and commit (a clean tree)."""
    if not run.command or not run.git_commit or run.git_dirty:
        return None
    with store.read() as session:
        found = session.exec(
            select(Run)
            .where(
                Run.experiment_id == run.experiment_id,
                Run.id < run.id,
                Run.command == run.command,
                Run.git_commit == run.git_commit,
                Run.git_dirty.is_(False),
                Run.deleted_at.is_(None),
            )
            .order_by(Run.id.desc())
        ).first()
        if found is not None:
            session.expunge(found)
        return found


def param_texts(store: Store, run_ids: Sequence[int]) -> list[tuple[int, str, str, str | None]]:
    """``(run id, param name, text, run cwd)`` of the runs' counted params."""
    if not run_ids:
        return []
    with store.read() as session:
        return list(
            session.exec(
                select(Capture.run_id, Capture.name, Capture.text, Run.cwd)
                .join(Run, Capture.run_id == Run.id)
                .where(
                    Capture.run_id.in_(run_ids),
                    Capture.kind == Kind.param,
                    Capture.text.is_not(None),
                    counted(),
                )
            ).all()
        )


def code_params(store: Store, run_id: int) -> dict[str, str]:
    """The run's latest params that code logged (the SDK, an import), by name."""
    with store.read() as session:
        rows = session.exec(
            select(Capture.name, Capture.text)
            .where(
                Capture.run_id == run_id,
                Capture.kind == Kind.param,
                Capture.source.in_(("sdk", "import")),
                counted(),
            )
            .order_by(Capture.id)
        ).all()
    return {name: text for name, text in rows if name is not None}


def earlier_runs(store: Store, run: Run) -> list[int]:
    """Ids of the runs of the same project started before ``run`` (newest first)."""
    with store.read() as session:
        project_id = get_row(session, Experiment, run.experiment_id).project_id
        return list(
            session.exec(
                select(Run.id)
                .join(Experiment, Run.experiment_id == Experiment.id)
                .where(
                    Experiment.project_id == project_id,
                    Run.id < run.id,
                    Run.deleted_at.is_(None),
                )
                .order_by(Run.id.desc())
                .limit(200)
            ).all()
        )


def artifact_origins(
    store: Store, run_ids: Sequence[int], path: str | None = None
) -> list[tuple[int, str, dict[str, Any] | None]]:
    """``(run id, absolute path, extra)`` of the files the runs kept as artifacts or a hook
    recorded they wrote (``path``: that file only)."""
    if not run_ids:
        return []
    where = Capture.origin.is_not(None) if path is None else Capture.origin == path
    with store.read() as session:
        return list(
            session.exec(
                select(Capture.run_id, Capture.origin, Capture.extra).where(
                    Capture.run_id.in_(run_ids), Capture.kind == Kind.artifact, where
                )
            ).all()
        )


def runs_added_to(store: Store, capture_id: int | None, point_id: int | None) -> set[int]:
    """The runs that got a capture or a logged value after these ids (a range of the primary
    keys: reads only what was added since)."""
    with store.read() as session:
        found = session.exec(
            select(Capture.run_id).where(Capture.id > (capture_id or 0)).distinct()
        ).all()
        found += session.exec(
            select(SeriesPoint.run_id).where(SeriesPoint.id > (point_id or 0)).distinct()
        ).all()
    return set(found)


def dataset_rows(store: Store, run_ids: Sequence[int]) -> list[tuple[int, str, float | None, Any]]:
    """``(run id, file name, rows, extra)`` of the runs' data fingerprints, in order."""
    if not run_ids:
        return []
    with store.read() as session:
        return list(
            session.exec(
                select(Capture.run_id, Capture.name, Capture.value, Capture.extra)
                .where(Capture.run_id.in_(run_ids), Capture.kind == Kind.dataset, counted())
                .order_by(Capture.id)
            ).all()
        )


def run_heads(
    store: Store, run_ids: Sequence[int]
) -> tuple[dict[int, tuple[str, str | None]], Any]:
    """``({run id: (name, git commit)}, latest values)`` of the runs, in two queries."""
    with store.read() as session:
        query = select(Run.id, Run.name, Run.git_commit).where(Run.id.in_(run_ids))
        heads = {rid: (name, commit) for rid, name, commit in session.exec(query).all()}
        return heads, latest_values(session, run_ids)


def matching_ids(store: Store, experiment_id: int, where: str) -> set[int]:
    """The ids of the experiment's runs a ``--where`` expression keeps."""
    with store.read() as session:
        query = RunFilter(where=where).query().where(Run.experiment_id == experiment_id)
        return {run.id for run, _, _ in session.exec(query).all()}


def note_rows(store: Store, run_ids: Sequence[int]) -> list[tuple[int, str, str, float]]:
    """``(run id, kind, text, timestamp)`` of the runs' approved notes and voice notes."""
    if not run_ids:
        return []
    with store.read() as session:
        return list(
            session.exec(
                select(Capture.run_id, Capture.kind, Capture.text, Capture.timestamp).where(
                    Capture.run_id.in_(run_ids),
                    Capture.kind.in_((Kind.note, Kind.voice)),
                    Capture.text.is_not(None),
                    Capture.review == "approved",
                )
            ).all()
        )


# -- the overview's cards ----------------------------------------------------------------------


def find_experiment_id(store: Store, project: str, experiment: str) -> int:
    with store.read() as session:
        found = session.exec(
            select(Experiment.id)
            .join(Project, Experiment.project_id == Project.id)
            .where(Project.name == project, Experiment.name == experiment)
        ).first()
    if found is None:
        raise RunnotesError(f"no experiment {project}/{experiment}")
    return found


def card_states(store: Store) -> dict[int, tuple[int | None, bool, float | None]]:
    """``{experiment id: (position, pinned, archived_at)}``."""
    with store.read() as session:
        rows = session.exec(
            select(Experiment.id, Experiment.position, Experiment.pinned, Experiment.archived_at)
        ).all()
    return {row[0]: (row[1], bool(row[2]), row[3]) for row in rows}


def set_card_order(store: Store, experiment_ids: Sequence[int]) -> None:
    """Store the cards' order: the first id gets position 0, and so on."""
    with store.write() as session:
        for position, exp_id in enumerate(experiment_ids):
            get_row(session, Experiment, exp_id)
            session.execute(
                update(Experiment).where(Experiment.id == exp_id).values(position=position)
            )


def set_card_flags(
    store: Store, experiment_id: int, *, pinned: bool | None = None, archived: bool | None = None
) -> None:
    with store.write() as session:
        exp = get_row(session, Experiment, experiment_id)
        if pinned is not None:
            exp.pinned = pinned
        if archived is not None:
            exp.archived_at = time.time() if archived else None
        session.add(exp)


def experiment_counts(store: Store) -> dict[int, int]:
    """Open review items (pending captures) per experiment."""
    with store.read() as session:
        rows = session.exec(
            select(Run.experiment_id, func.count())
            .join(Capture, Capture.run_id == Run.id)
            .where(Capture.review == "pending")
            .group_by(Run.experiment_id)
        ).all()
    return dict(rows)


def latest_runs(store: Store) -> dict[int, Run]:
    """Each experiment's newest run (not deleted)."""
    with store.read() as session:
        newest = (
            select(func.max(Run.id)).where(Run.deleted_at.is_(None)).group_by(Run.experiment_id)
        )
        rows = session.exec(select(Run).where(Run.id.in_(newest))).all()
        for row in rows:
            session.expunge(row)
    return {row.experiment_id: row for row in rows}


def latest_note(store: Store, experiment_id: int, runs: int = 20) -> str | None:
    """The newest approved note or voice note of the experiment's last ``runs`` runs."""
    with store.read() as session:
        recent = session.exec(
            select(Run.id)
            .where(Run.experiment_id == experiment_id, Run.deleted_at.is_(None))
            .order_by(Run.id.desc())
            .limit(runs)
        ).all()
        if not recent:
            return None
        return session.exec(
            select(Capture.text)
            .where(
                Capture.run_id.in_(recent),
                Capture.kind.in_((Kind.note, Kind.voice)),
                Capture.text.is_not(None),
                Capture.review == "approved",
            )
            .order_by(Capture.timestamp.desc())
        ).first()
