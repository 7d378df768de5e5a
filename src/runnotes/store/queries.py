"""Reading runs back: lists with filters, one run in detail, and side-by-side comparisons.

Each returns plain data classes, so the CLI, the web page and reports render the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, or_, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select

from runnotes.errors import NotFound, RunnotesError
from runnotes.formatting import local_time, same_number
from runnotes.store.db import Store, is_row_id
from runnotes.store.filters import named_values, parse_where
from runnotes.store.models import (
    Capture,
    Experiment,
    Project,
    Run,
    RunTag,
    SeriesName,
    SeriesPoint,
    counted,
    finite_value,
    mark,
)
from runnotes.store.points import metric_rows, newest_points, point_captures, point_rows
from runnotes.store.runs import shown_status


@dataclass
class RunSummary:
    id: int
    name: str
    project: str
    experiment: str
    status: str
    started_at: float
    ended_at: float | None
    tags: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    archived_at: float | None = None
    deleted_at: float | None = None
    # Values no code logged, by name: where they came from ("liked", "said"), shown beside them.
    marks: dict[str, str] = field(default_factory=dict)

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at

    @property
    def state(self) -> str:
        """The status with the mark an archived or deleted run carries ("ok, archived")."""
        mark = ", deleted" if self.deleted_at else ", archived" if self.archived_at else ""
        return self.status + mark

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "duration": self.duration}


@dataclass
class RunDetail:
    summary: RunSummary
    run: Run
    captures: list[Capture]


@dataclass
class Comparison:
    runs: list[RunSummary]
    params: dict[str, list[str | None]]
    metrics: dict[str, list[float | None]]
    # Per name, per run: where a value no code logged came from ("liked", "said"), else None.
    marks: dict[str, list[str | None]] = field(default_factory=dict)

    def differs(self, values: Sequence[Any]) -> bool:
        """Whether the runs' values differ: numbers as numbers (``3e-4`` is ``0.0003``)."""
        shown = [None if v is None else str(v) for v in values]
        return any(not same_number(shown[0], v) for v in shown[1:])


def resolve_run(session: Session, ref: str | int) -> Run:
    """A run by id, or by a name only one run has: a name several runs share is an error that
    lists them (picking the newest silently would put a like or a comparison on the wrong run)."""
    text = str(ref).strip()
    number = int(text) if text.isascii() and text.isdigit() else None
    run = session.get(Run, number) if is_row_id(number) else None
    if run is not None:
        return run
    named = session.exec(
        select(Run).where(Run.name == text).order_by(Run.id.desc()).limit(11)
    ).all()
    if not named:
        raise NotFound(f"no run {text!r} (give a run id or name; see `runnotes runs list`)")
    if len(named) > 1:
        shown = "; ".join(_candidate(r) for r in named[:10]) + ("; …" if len(named) > 10 else "")
        raise RunnotesError(f"{len(named)} runs are named {text!r}, give an id: {shown}")
    return named[0]


def _candidate(run: Run) -> str:
    started = local_time(run.started_at)
    hidden = " archived" if run.archived_at else ""
    hidden = " deleted" if run.deleted_at else hidden
    return f"{run.id} ({run.status}{hidden}, started {started})"


def latest_rows(
    session: Session,
    run_ids: Sequence[int] | Any,
    kinds: Sequence[str] = ("metric", "param"),
    condition: Any = None,
) -> list[tuple[int, str, str, float | None, str | None, int | None, str | None]]:
    """``(run_id, kind, name, value, text, step, mark)`` of each run's latest metric/param
    values, in one grouped query, in the order they were stored; ``mark`` is None for a value
    code logged, else where it came from ("liked", "said": :func:`runnotes.store.models.mark`).

    The one "latest" rule (see :mod:`runnotes.services.metrics`): the most recently stored value
    that counts (:func:`runnotes.store.models.counted`, or ``condition``), whatever its step.
    ``run_ids`` may be a list or a subquery of ids.

    Grouping every capture of a run by name reads all of its values (2 s for a run of a million),
    so the names are found with a skip scan of ``ix_capture_run_kind_name`` (a recursive query:
    the next name after the last one, one index seek each) and each name's latest value with one
    more seek from its newest id down: the cost follows the number of names, not of values."""
    latest = latest_ids(run_ids, kinds, counted() if condition is None else condition).subquery()
    rows = session.exec(
        select(
            Capture.id,
            Capture.run_id,
            Capture.kind,
            Capture.name,
            Capture.value,
            Capture.text,
            Capture.step,
            Capture.source,
            Capture.liked,
        ).join(latest, Capture.id == latest.c.cid)
    ).all()
    if "metric" in kinds and condition is None:  # the logged values: always counted
        rows = _with_points(session, run_ids, rows)
    rows = sorted(rows, key=lambda row: row[0])
    return [(*row[1:7], mark(source, liked)) for *row, source, liked in rows]


def _with_points(session: Session, run_ids: Sequence[int] | Any, rows: Sequence[Any]) -> list[Any]:
    """``rows`` (newest counted captures) with each run's newest logged point of a name where
    it is newer than the capture of that name (one id space: newer is a larger id)."""
    found = {(row[1], row[3]): row for row in rows if row[2] == "metric"}
    newer = [
        pid
        for run_id, name, pid in newest_points(session, run_ids)
        if (run_id, name) not in found or found[(run_id, name)][0] < pid
    ]
    if not newer:
        return list(rows)
    p = point_rows().subquery()
    points = session.exec(
        select(p.c.id, p.c.run_id, p.c.kind, p.c.name, p.c.value, p.c.text, p.c.step).where(
            p.c.id.in_(newer)
        )
    ).all()
    for row in points:
        found[(row[1], row[3])] = (*row, None, False)
    return [row for row in rows if row[2] != "metric"] + list(found.values())


def latest_ids(run_ids: Sequence[int] | Any, kinds: Sequence[str], condition: Any) -> Any:
    """``SELECT cid``: the newest capture id that meets ``condition`` per (run, kind, name)."""
    kind_rows = union_all(*(select(literal(k).label("kind")) for k in kinds)).subquery("kinds")
    seeds = (
        select(Run.id.label("run_id"), kind_rows.c.kind)
        .join(kind_rows, true())  # every run × every kind
        .where(Run.id.in_(run_ids))
        .subquery("seeds")
    )

    def first_name(run_id: Any, kind: Any, *after: Any) -> Any:
        other = aliased(Capture)
        where = [other.run_id == run_id, other.kind == kind, *(other.name > a for a in after)]
        return select(func.min(other.name)).where(*where).scalar_subquery()

    names = select(
        seeds.c.run_id, seeds.c.kind, first_name(seeds.c.run_id, seeds.c.kind).label("name")
    ).cte("names", recursive=True)
    names = names.union_all(
        select(
            names.c.run_id, names.c.kind, first_name(names.c.run_id, names.c.kind, names.c.name)
        ).where(names.c.name.is_not(None))
    )
    newest = (
        select(Capture.id)
        .where(
            Capture.run_id == names.c.run_id,
            Capture.kind == names.c.kind,
            Capture.name == names.c.name,
            condition,
        )
        .order_by(Capture.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(newest.label("cid")).where(names.c.name.is_not(None))


@dataclass
class Latest:
    """Latest param text and metric value per run, and the marks of values no code logged."""

    params: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    metrics: dict[int, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    marks: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))


def latest_values(session: Session, run_ids: Sequence[int]) -> Latest:
    """Latest param text and metric value per run (:func:`latest_rows`), names sorted."""
    found = Latest()
    if not run_ids:
        return found
    rows = sorted(latest_rows(session, run_ids), key=lambda row: row[2])
    for run_id, kind, name, value, text, _, marked in rows:
        if kind == "param":
            found.params[run_id][name] = text if text is not None else _num(value)
        elif value is not None:
            found.metrics[run_id][name] = value
        else:
            continue
        if marked:
            found.marks[run_id][name] = marked
    return found


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def summaries(session: Session, rows: Sequence[tuple[Run, str, str]]) -> list[RunSummary]:
    """``(run, project, experiment)`` rows as summaries, with tags and latest values fetched in
    two queries for all of them (not two per run), so a page of 50 runs costs the same as one."""
    ids = [run.id for run, _, _ in rows if run.id is not None]
    tags: dict[int, list[str]] = defaultdict(list)
    if ids:
        for run_id, tag in session.exec(
            select(RunTag.run_id, RunTag.tag).where(RunTag.run_id.in_(ids)).order_by(RunTag.tag)
        ):
            tags[run_id].append(tag)
    latest = latest_values(session, ids)
    return [
        RunSummary(
            id=run.id,
            name=run.name,
            project=proj,
            experiment=exp,
            status=shown_status(run),  # "crashed" when its process died while it ran
            started_at=run.started_at,
            ended_at=run.ended_at,
            tags=tags[run.id],
            params=latest.params[run.id],
            metrics=latest.metrics[run.id],
            archived_at=run.archived_at,
            deleted_at=run.deleted_at,
            marks=latest.marks[run.id],
        )
        for run, proj, exp in rows
        if run.id is not None
    ]


# Which runs a list shows: the active ones by default; archived and deleted ones when asked.
SHOW = {
    "active": (Run.archived_at.is_(None), Run.deleted_at.is_(None)),
    "archived": (Run.archived_at.is_not(None), Run.deleted_at.is_(None)),
    "deleted": (Run.deleted_at.is_not(None),),
    "kept": (Run.deleted_at.is_(None),),  # active and archived: what an export covers
    "all": (),
}


@dataclass(frozen=True)
class RunFilter:
    """Which runs a list, a page, a count or an export covers (empty: all of them).

    ``tags`` must all be on a run; ``where`` is a ``--where`` expression
    (:mod:`runnotes.store.filters`); ``search`` is text in names, descriptions, notes, transcripts;
    ``show`` picks active (the default), archived, deleted, kept (not deleted) or all runs.
    """

    experiment: str | None = None
    project: str | None = None
    tags: Sequence[str] = ()
    where: str | None = None
    search: str | None = None
    show: str = "active"  # or "archived", "deleted", "all" (see SHOW)

    def query(self) -> Select[tuple[Run, str, str]]:
        """``(run, project, experiment)`` rows that match, unordered and unpaged: the one place
        the filters are defined, so lists, pages and counts always agree."""
        query = (
            select(Run, Project.name, Experiment.name)
            .join(Experiment, Run.experiment_id == Experiment.id)
            .join(Project, Experiment.project_id == Project.id)
        )
        if self.show not in SHOW:
            raise RunnotesError(f"show must be one of {', '.join(SHOW)}, not {self.show!r}")
        query = query.where(*SHOW[self.show])
        if self.experiment:
            query = query.where(Experiment.name == self.experiment)
        if self.project:
            query = query.where(Project.name == self.project)
        for tag in self.tags:
            query = query.where(Run.id.in_(select(RunTag.run_id).where(RunTag.tag == tag)))
        if self.where:
            query = query.where(parse_where(self.where))
        if self.search:
            like = f"%{self.search}%"
            notes = select(Capture.run_id).where(
                Capture.kind.in_(("note", "voice")), Capture.text.ilike(like)
            )
            query = query.where(
                or_(Run.name.ilike(like), Run.description.ilike(like), Run.id.in_(notes))
            )
        return query


ALL_RUNS = RunFilter()


def list_runs(
    store: Store, filters: RunFilter = ALL_RUNS, *, limit: int | None = 100, offset: int = 0
) -> list[RunSummary]:
    """Runs newest first, those ``filters`` pick."""
    query = filters.query().order_by(Run.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    with store.read() as session:
        return summaries(session, session.exec(query).all())


def value_names(store: Store, kind: str) -> list[str]:
    """The names of every metric (``kind="metric"``) or param any run has, sorted."""
    with store.read() as session:
        query = select(Capture.name).where(Capture.kind == kind, Capture.name.is_not(None))
        names = set(session.exec(query.distinct()).all())
        if kind == "metric":
            logged = select(SeriesPoint.id).where(SeriesPoint.name_id == SeriesName.id)
            names.update(session.exec(select(SeriesName.name).where(logged.exists())).all())
        return sorted(names)


def why_none_match(store: Store, filters: RunFilter) -> str:
    """Why a list came back empty: no runs at all, a ``--where`` naming a metric or param no
    run has (with the names there are), or simply no run matching."""
    if count_runs(store, RunFilter(show="all")) == 0:
        return "no runs yet: `runnotes watch -- python train.py` records one"
    for namespace, name in named_values(filters.where or ""):
        kind = namespace.removesuffix("s")
        known = value_names(store, kind)
        if name not in known:
            return f"no run has a {kind} `{name}`; known: {', '.join(known) or 'none'}"
    return "no runs match"


def count_runs(store: Store, filters: RunFilter = ALL_RUNS) -> int:
    query = filters.query().subquery()
    with store.read() as session:
        return session.exec(select(func.count()).select_from(query)).one()


def _summary_rows(session: Session, run_ids: Sequence[int]) -> list[tuple[Run, str, str]]:
    query = (
        select(Run, Project.name, Experiment.name)
        .join(Experiment, Run.experiment_id == Experiment.id)
        .join(Project, Experiment.project_id == Project.id)
        .where(Run.id.in_(run_ids))
    )
    by_id = {row[0].id: row for row in session.exec(query).all()}
    return [by_id[i] for i in run_ids if i in by_id]


def run_overview(store: Store, ref: str | int) -> tuple[RunSummary, Run]:
    """A run's summary and row without its captures: what a page needs, whatever the run's size
    (its timeline and series are read a page and a chart at a time)."""
    with store.read() as session:
        run = resolve_run(session, ref)
        summary = summaries(session, _summary_rows(session, [run.id]))[0]  # type: ignore[list-item]
        session.expunge(run)
        return summary, run


def run_detail(store: Store, ref: str | int) -> RunDetail:
    """A run with every capture (exports, the CLI's ``runs show``); pages use
    :func:`run_overview` and :mod:`runnotes.store.timeline`."""
    with store.read() as session:
        run = resolve_run(session, ref)
        summary = summaries(session, _summary_rows(session, [run.id]))[0]  # type: ignore[list-item]
        captures = list(session.exec(select(Capture).where(Capture.run_id == run.id)).all())
        captures += point_captures(session, SeriesPoint.run_id == run.id)
        captures.sort(key=lambda c: (c.timestamp, c.id))
        return RunDetail(summary=summary, run=run, captures=captures)


def compare_runs(store: Store, refs: Sequence[str | int]) -> Comparison:
    if len(refs) < 2:
        raise RunnotesError("compare needs at least two runs")
    with store.read() as session:
        ids = [resolve_run(session, ref).id for ref in refs]
        runs = summaries(session, _summary_rows(session, ids))
    param_names = sorted({k for r in runs for k in r.params})
    metric_names = sorted({k for r in runs for k in r.metrics})
    return Comparison(
        runs=runs,
        params={k: [r.params.get(k) for r in runs] for k in param_names},
        metrics={k: [r.metrics.get(k) for r in runs] for k in metric_names},
        marks={k: [r.marks.get(k) for r in runs] for k in [*param_names, *metric_names]},
    )


def _counted_values(run_ids: Sequence[int] | None = None) -> Any:
    """The counted metric values (logged points and counted metric captures) as a subquery."""
    where = [counted(), Capture.value.is_not(None)]
    if run_ids is not None:
        where.append(Capture.run_id.in_(run_ids))
    return metric_rows(*where)


def metric_points(
    session: Session, run_ids: Sequence[int], names: Sequence[str] | None = None
) -> list[tuple[str, int, int | None, float]]:
    """``(name, run_id, step, value)`` of every counted metric value, in the order logged.

    The raw material of :func:`runnotes.services.metrics.curves`, which applies the series rules.
    """
    if not run_ids:
        return []
    m = _counted_values(run_ids)
    query = select(m.c.name, m.c.run_id, m.c.step, m.c.value).where(
        m.c.run_id.in_(run_ids), m.c.value.is_not(None)
    )
    if names:
        query = query.where(m.c.name.in_(names))
    return list(session.exec(query.order_by(m.c.name, m.c.run_id, m.c.id)).all())


def step_times(session: Session, run_id: int, name: str, steps: Sequence[int]) -> dict[int, float]:
    """When each of ``steps`` of a run's metric was logged (the last counted value of the step,
    the one its series shows): the wall-time axis of a chart, read for the points it draws only."""
    if not steps:
        return {}
    m = _counted_values([run_id])
    rows = session.exec(
        select(m.c.step, func.max(m.c.timestamp))
        .where(m.c.run_id == run_id, m.c.name == name, m.c.step.in_(steps))
        .group_by(m.c.step)
    ).all()
    return {int(step): float(when) for step, when in rows}


def metric_extremes(
    session: Session, by_experiment: bool = False, run_ids: Sequence[int] | None = None
) -> list[tuple[Any, str, int, float, float]]:
    """``(group, metric, runs, lowest, highest)`` over counted values, grouped by run (or by
    experiment): which of the two is best is the caller's call."""
    m = _counted_values(run_ids)
    group = Run.experiment_id if by_experiment else m.c.run_id
    query = (
        select(
            group,
            m.c.name,
            func.count(func.distinct(m.c.run_id)),
            func.min(finite_value(m.c.value)),
            func.max(finite_value(m.c.value)),
        )
        .join(Run, m.c.run_id == Run.id)
        .where(finite_value(m.c.value).is_not(None))
        .group_by(group, m.c.name)
    )
    if run_ids is not None:
        query = query.where(m.c.run_id.in_(run_ids))
    return list(session.exec(query).all())
