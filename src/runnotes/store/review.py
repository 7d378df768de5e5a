"""Reviewing what was captured: overviews, the pending queue, approving, rejecting and fixing.

Plain functions over the store so the web page, its JSON API and the CLI share one behaviour.
A logged value a person reviews or fixes leaves the narrow table of logged values for the
capture table, under its id (:func:`runnotes.store.points.unpack_points`). A fix never loses the
captured original: it is kept in ``extra["edited_from"]``, so a wrong
transcript or a misread OCR value can always be traced back to what the machine produced.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from runnotes import events
from runnotes.errors import RunnotesError
from runnotes.store import sql
from runnotes.store.db import Store, get_row, id_batches
from runnotes.store.filters import latest_column, parse_where
from runnotes.store.models import Capture, Experiment, Project, Review, Run
from runnotes.store.points import unpack_points
from runnotes.store.queries import ALL_RUNS, RunFilter, RunSummary, count_runs, summaries
from runnotes.store.runs import MAX_NAME, plain_text

# A spoken value whose sentence Whisper heard with less confidence than this is flagged for a
# closer look: garbled sentences measured 0.39–0.48 on the espeak-ng fixtures, clean ones 0.6–0.7.
UNSURE_BELOW = 0.5


def unsure(capture: Capture) -> bool:
    """Whether a voice mention came from a sentence Whisper was unsure of."""
    return capture.confidence is not None and capture.confidence < UNSURE_BELOW


RUN_SORTS = {
    "id": Run.id,
    "name": Run.name,
    "status": Run.status,
    "started": Run.started_at,
    "duration": Run.ended_at - Run.started_at,
    "experiment": Experiment.name,
}


@dataclass
class ReviewItem:
    capture: Capture
    run_id: int
    run_name: str
    experiment: str


def experiment_activity(store: Store) -> list[tuple[int, str, str, int, float | None]]:
    """``(experiment id, project, experiment, runs, last activity)`` for every experiment."""
    with store.read() as session:
        return list(
            session.exec(
                select(
                    Experiment.id,
                    Project.name,
                    Experiment.name,
                    func.count(Run.id),
                    func.max(func.coalesce(Run.ended_at, Run.started_at)),
                )
                .join(Project, Experiment.project_id == Project.id)
                .join(Run, Run.experiment_id == Experiment.id, isouter=True)
                .group_by(Experiment.id, Project.name, Experiment.name)
                .order_by(Project.name, Experiment.name)
            ).all()
        )


def _order(sort: str, descending: bool) -> Any:
    """``sort`` is a run column (``name``, ``started``…) or ``metrics.NAME``."""
    if sort.startswith("metrics."):
        column = latest_column("metric", sort.removeprefix("metrics."))
    elif sort in RUN_SORTS:
        column = RUN_SORTS[sort]
    else:
        raise RunnotesError(f"cannot sort by {sort!r}: use {', '.join(RUN_SORTS)} or metrics.NAME")
    ordered = column.desc() if descending else column.asc()
    # NULLS LAST only where NULLs occur: it keeps SQLite from walking the id index in order,
    # which is what lets a filtered first page stop after 50 matches.
    return ordered.nulls_last() if sort.startswith("metrics.") or sort == "duration" else ordered


@dataclass
class RunsPage:
    """One page of runs. ``has_more`` comes from fetching one row past the page, so a filtered
    page never evaluates its filter on every run; ``total`` is the exact count, only when asked."""

    runs: list[RunSummary]
    offset: int
    limit: int
    has_more: bool
    total: int | None = None


def runs_page(
    store: Store,
    filters: RunFilter = ALL_RUNS,
    *,
    sort: str = "id",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    count: bool = False,
) -> RunsPage:
    """Like :func:`runnotes.store.queries.list_runs`, sorted by any column or metric.

    Paging is "next/previous" (as datasette does): the exact count of a filtered list costs the
    filter on every run, which is what made a filtered page slow on a large store."""
    if filters.where:
        parse_where(filters.where)  # a malformed filter is a user error before it is a query
    query = (
        filters.query()
        .order_by(_order(sort, descending), Run.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    with store.read() as session:
        rows = session.exec(query).all()
        runs = summaries(session, rows[:limit])
    total = count_runs(store, filters) if count else None
    return RunsPage(runs=runs, offset=offset, limit=limit, has_more=len(rows) > limit, total=total)


def pending_captures(
    store: Store, *, run_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[ReviewItem]:
    """The review queue, oldest first: every pending capture. What code recorded (SDK, ``watch``,
    imports) is stored approved, so what waits here is what runnotes inferred: values heard in a
    voice note, unconfirmed OCR, transcripts, anything a person should check."""
    query = (
        select(Capture, Run.name, Experiment.name)
        .join(Run, Capture.run_id == Run.id)
        .join(Experiment, Run.experiment_id == Experiment.id)
        .where(Capture.review == Review.pending)
        .order_by(Capture.id)
        .limit(limit)
        .offset(offset)
    )
    if run_id is not None:
        query = query.where(Capture.run_id == run_id)
    with store.read() as session:
        return [
            ReviewItem(capture=c, run_id=c.run_id, run_name=run, experiment=exp)
            for c, run, exp in session.exec(query).all()
        ]


def count_pending(store: Store) -> int:
    with store.read() as session:
        return session.exec(
            select(func.count(Capture.id)).where(Capture.review == Review.pending)
        ).one()


def pending_ids(store: Store, *, run_id: int | None = None) -> list[int]:
    """Every pending capture's id (of one run, if given): what ``review approve --all`` takes."""
    query = select(Capture.id).where(Capture.review == Review.pending)
    if run_id is not None:
        query = query.where(Capture.run_id == run_id)
    with store.read() as session:
        return list(session.exec(query.order_by(Capture.id)).all())


# What a pending capture is, in a reader's words: (kind, source) → singular, plural.
_LABELS = {
    ("metric", "voice"): ("spoken value", "spoken values"),
    ("param", "voice"): ("spoken value", "spoken values"),
    ("metric", "hotkey"): ("value read by OCR", "values read by OCR"),
    ("param", "hotkey"): ("value read by OCR", "values read by OCR"),
    ("metric", "browser"): ("value liked in a browser", "values liked in a browser"),
    ("param", "browser"): ("value liked in a browser", "values liked in a browser"),
    ("note", "voice"): ("spoken note", "spoken notes"),
    ("voice", "voice"): ("voice transcript", "voice transcripts"),
}
_KIND_LABELS = {
    "metric": ("value", "values"),
    "param": ("value", "values"),
    "note": ("note", "notes"),
    "voice": ("voice transcript", "voice transcripts"),
    "screenshot": ("screenshot", "screenshots"),
    "dataset": ("dataset fingerprint", "dataset fingerprints"),
}


_CONFLICT = ("like that differs from the logged value", "likes that differ from the logged values")
_SAID_CONFLICT = (
    "spoken value that differs from the logged value",
    "spoken values that differ from the logged values",
)
_UNHEARD = ("voice note not transcribed", "voice notes not transcribed")


def pending_left_out(session: Session, run_ids: Any) -> list[str]:
    """Everything of these runs a report leaves out, counted in words (["3 spoken values",
    "1 voice transcript"]), most first; ``run_ids`` a list or subquery. Pending captures by what
    they are, likes that contradict the logged series, and voice notes with no transcript yet
    (failed or still running), so a draft never looks fully reviewed when it is not."""
    rows = session.exec(
        select(
            Capture.kind,
            Capture.source,
            Capture.conflict.is_not(None),
            (Capture.kind == "voice") & (func.coalesce(Capture.status, "ok") != "ok"),
            func.count(Capture.id),
        )
        .where(
            Capture.run_id.in_(run_ids),
            or_(
                Capture.review == Review.pending,
                (Capture.kind == "voice") & (func.coalesce(Capture.status, "ok") != "ok"),
            ),
            Capture.review != Review.rejected,
        )
        .group_by(Capture.kind, Capture.source, Capture.conflict.is_not(None), Capture.status)
    ).all()
    counts: dict[tuple[str, str], int] = {}
    for kind, source, conflict, unheard, count in rows:
        if conflict:
            label = _SAID_CONFLICT if source == "voice" else _CONFLICT
        elif unheard:
            label = _UNHEARD
        else:
            label = _LABELS.get((kind, source)) or _KIND_LABELS.get(kind, (kind, f"{kind}s"))
        counts[label] = counts.get(label, 0) + count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return [f"{n} {one if n == 1 else many}" for (one, many), n in ranked]


def _check_review(review: str) -> None:
    if review not in {r.value for r in Review}:
        raise RunnotesError(f"review must be approved, rejected or pending, not {review!r}")


def set_review(store: Store, capture_id: int, review: str) -> Capture:
    """Approve (goes into reports) or reject (kept, but left out of reports and summaries)."""
    _check_review(review)
    with store.write() as session:
        unpack_points(session, [capture_id])
        capture = get_row(session, Capture, capture_id)
        capture.review = review
        session.add(capture)
        session.flush()
        if review == Review.rejected:
            _reject_derived(session, [capture_id])
        sql.changed_in_place(sql.of(session.connection()), [capture.run_id])
        session.expunge(capture)
        events.queue(session, events.ReviewChanged(capture.run_id))
    return capture


def _reject_derived(session: Session, ids: Sequence[int]) -> None:
    """A rejected transcript takes what was heard in it along: the values and notes derived
    from it (``parent_id``) leave the drafts with it."""
    for batch in id_batches(ids):  # PostgreSQL binds at most 65 535 parameters a statement
        session.exec(
            update(Capture)
            .where(Capture.parent_id.in_(batch), Capture.review != Review.rejected)
            .values(review=Review.rejected)
        )


def set_reviews(store: Store, capture_ids: Sequence[int], review: str) -> list[int]:
    """Bulk approve or reject, in one transaction; returns the ids of the runs touched.

    An unknown id is an error and nothing changes (a stale page must not half-apply)."""
    _check_review(review)
    ids = sorted(set(capture_ids))
    if not ids:
        raise RunnotesError("no captures picked")
    with store.write() as session:
        unpack_points(session, ids)
        found: list[tuple[int, int]] = []
        for batch in id_batches(ids):  # PostgreSQL binds at most 65 535 parameters a statement
            query = select(Capture.id, Capture.run_id).where(Capture.id.in_(batch))
            found += session.exec(query).all()
        missing = sorted(set(ids) - {cid for cid, _ in found})
        if missing:
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise RunnotesError(f"no capture with id {', '.join(map(str, missing[:10]))}{more}")
        for batch in id_batches(ids):
            session.exec(update(Capture).where(Capture.id.in_(batch)).values(review=review))
        if review == Review.rejected:
            _reject_derived(session, ids)
        runs = sorted({run_id for _, run_id in found})
        sql.changed_in_place(sql.of(session.connection()), runs)
        for run_id in runs:
            events.queue(session, events.ReviewChanged(run_id))
    return runs


def edit_capture(
    store: Store,
    capture_id: int,
    *,
    value: str | float | None = None,
    text: str | None = None,
    name: str | None = None,
) -> Capture:
    """Fix a value, a name or a transcript; the fixed capture counts as reviewed (approved)."""
    for what, given, limit in (
        ("a value", value, None),
        ("a text", text, None),
        ("a name", name, MAX_NAME),
    ):
        if isinstance(given, str):
            plain_text(what, given, limit)
    with store.write() as session:
        unpack_points(session, [capture_id])
        capture = get_row(session, Capture, capture_id)
        before = {"value": capture.value, "text": capture.text, "name": capture.name}
        if value is not None and str(value).strip() != "":
            raw = str(value).strip()
            capture.value = _number(raw) if capture.kind != "param" else _maybe_number(raw)
            if capture.kind in ("metric", "param"):
                capture.text = raw
        if text is not None:
            capture.text = text
        if name is not None and name.strip():
            capture.name = name.strip()
        extra = dict(capture.extra or {})
        extra.setdefault("edited_from", before)
        extra["edited_at"] = time.time()
        capture.extra = extra
        capture.review = Review.approved
        session.add(capture)
        session.flush()
        sql.changed_in_place(sql.of(session.connection()), [capture.run_id])
        session.expunge(capture)
        events.queue(session, events.ReviewChanged(capture.run_id))
    return capture


def _maybe_number(value: str) -> float | None:
    try:
        return float(value.rstrip("%"))
    except ValueError:
        return None


def _number(value: str) -> float:
    number = _maybe_number(value)
    if number is None:
        raise RunnotesError(f"not a number: {value!r}")
    return number
