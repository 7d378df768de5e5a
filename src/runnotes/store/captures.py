"""Looking captures up for the parts and shells: logged values near a shown number, names an
experiment knows, what a voice note gave, a run's tags, commits and notes, a dataset's previous
use, and the few reads the importers and the browser popup make.

Every query outside the reports' (:mod:`runnotes.store.experiments`) and the queries module's
lives here, so no module outside the store writes SQL (``tests/test_layers.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from runnotes.store import sql
from runnotes.store.models import Capture, Kind, MediaFile, Review, Run, RunTag, Source
from runnotes.store.points import delete_points, has_points, logged_names, metric_rows


def logged_between(
    session: Session, low: float, high: float, name: str | None, limit: int
) -> list[tuple[Capture, str]]:
    """Logged metric and param values (not likes, not hotkey reads) in ``[low, high]``, with
    their run's name, newest first; only those named ``name`` when it is given."""
    values = metric_rows(
        Capture.source != Source.hotkey,
        col(Capture.liked).is_(False),
        kinds=(Kind.metric, Kind.param),
    )  # logged points and metric/param captures: one id space
    query = (
        select(values, Run.name.label("run_name"))
        .join(Run, col(Run.id) == values.c.run_id)
        .where(values.c.value >= low, values.c.value <= high)
        .order_by(values.c.id.desc())
        .limit(limit)
    )
    if name is not None:
        query = query.where(values.c.name == name)
    found = []
    for row in session.execute(query).all():
        fields = dict(row._mapping)
        run_name = fields.pop("run_name")
        found.append((Capture(**fields), run_name))
    return found


def previous_dataset(session: Session, run: Run, name: str) -> tuple[Capture, Run] | None:
    """The latest use of a dataset named ``name`` by an earlier run of the same experiment."""
    found = session.exec(
        select(Capture, Run)
        .join(Run, Capture.run_id == Run.id)
        .where(
            Run.experiment_id == run.experiment_id,
            col(Run.id) < run.id,
            Capture.kind == Kind.dataset,
            Capture.name == name,
        )
        .order_by(col(Run.id).desc(), col(Capture.id).desc())
    ).first()
    return None if found is None else (found[0], found[1])


def metric_logged(session: Session, name: str, run_id: int | None) -> bool:
    """Whether ``name`` was ever stored as a metric (in ``run_id``, or in any run)."""
    query = select(Capture.id).where(Capture.kind == Kind.metric, Capture.name == name)
    if run_id is not None:
        query = query.where(Capture.run_id == run_id)
    return session.exec(query.limit(1)).first() is not None or has_points(session, name, run_id)


def approved_names(session: Session, experiment_id: int, limit: int) -> dict[str, str]:
    """Approved metric and param names of the experiment's runs: name → kind (at most
    ``limit``)."""
    runs = select(Run.id).where(Run.experiment_id == experiment_id)
    rows = session.exec(
        select(Capture.name, Capture.kind)
        .where(
            col(Capture.run_id).in_(runs),
            col(Capture.kind).in_(("metric", "param")),
            col(Capture.name).is_not(None),
            Capture.review == Review.approved,
        )
        .distinct()
        .limit(limit)
    ).all()
    found = {name: kind for name, kind in rows if name is not None}
    for name in logged_names(session, runs, limit=limit):  # the logged points' names
        found.setdefault(name, "metric")
    return found


def run_tags(session: Session, run_id: int) -> list[str]:
    return list(session.exec(select(RunTag.tag).where(RunTag.run_id == run_id)).all())


def derived(session: Session, parent_id: int, *, pending_only: bool = False) -> list[Capture]:
    """What was extracted from a capture (a voice note's values and notes), by id."""
    query = select(Capture).where(Capture.parent_id == parent_id)
    if pending_only:
        query = query.where(Capture.review == Review.pending)
    return list(session.exec(query.order_by(col(Capture.id))).all())


def drop_pending_derived(session: Session, parent_id: int) -> None:
    """Forget what an earlier reading of a capture extracted and nobody reviewed yet (a retry
    redoes it)."""
    for old in derived(session, parent_id, pending_only=True):
        session.delete(old)


def run_commits(session: Session, run_ids: Sequence[int]) -> dict[int, str | None]:
    rows = session.exec(select(Run.id, Run.git_commit).where(col(Run.id).in_(run_ids))).all()
    return {run_id: commit for run_id, commit in rows if run_id is not None}


def run_notes(session: Session, run_ids: Sequence[int]) -> list[tuple[int, str]]:
    """``(run_id, text)`` of the runs' typed notes, in the order they were written."""
    rows = session.exec(
        select(Capture.run_id, Capture.text)
        .where(
            col(Capture.run_id).in_(run_ids),
            Capture.kind == "note",
            col(Capture.text).is_not(None),
        )
        .order_by(col(Capture.timestamp), col(Capture.id))
    ).all()
    return [(run_id, note) for run_id, note in rows if note is not None]


def present_media(session: Session, shas: Iterable[str]) -> set[str]:
    """The digests among ``shas`` whose file the store has registered."""
    query = select(MediaFile.sha256).where(col(MediaFile.sha256).in_(list(shas)))
    return set(session.exec(query).all())


def run_by_source(session: Session, source_id: str) -> Run | None:
    """The run imported from ``source_id`` (another tool's run id), if any."""
    return session.exec(select(Run).where(Run.source_id == source_id)).first()


def lock_imported(session: Session, source_ids: Sequence[str], locked: set[int]) -> None:
    """PostgreSQL: lock the series (:func:`runnotes.store.sql.lock_series`) of the runs already
    imported under ``source_ids`` that are not in ``locked``, and add them to it. An import
    calls it before it touches any of their rows: a like or spoken value takes a run's lock
    and then moves the run's version (an UPDATE of its row), so an import updating the row
    first and locking second could deadlock with it. Every writer locks first, and runs in id
    order (all of an import's at the start of its transaction), so no cycle is possible."""
    tx = sql.of(session.connection())
    if tx.dialect != "postgresql" or not source_ids:
        return
    found = tx.rows("SELECT id FROM run WHERE source_id = ANY(?)", [list(source_ids)])
    ids = {int(row[0]) for row in found} - locked
    sql.lock_series(tx, ids)
    locked.update(ids)


def drop_captures(session: Session, run_id: int, source: str | None = None) -> None:
    """Delete a run's captures (only those from ``source`` when given): a re-import replaces
    what the previous import wrote."""
    stale = delete(Capture).where(col(Capture.run_id) == run_id)
    if source is not None:
        stale = stale.where(col(Capture.source) == source)
    session.execute(stale)
    delete_points(session, run_id, only_imported=source is not None)


def browser_state(session: Session, runs: int, likes: int) -> tuple[list[Run], list[Capture]]:
    """The browser popup's lists: the newest running runs, and the latest likes made from a
    browser."""
    running = session.exec(
        select(Run)
        .where(Run.status == "running", col(Run.deleted_at).is_(None))
        .order_by(col(Run.started_at).desc())
        .limit(runs)
    ).all()
    liked = session.exec(
        select(Capture)
        .where(Capture.via == "browser", col(Capture.liked))
        .order_by(col(Capture.id).desc())
        .limit(likes)
    ).all()
    return list(running), list(liked)
