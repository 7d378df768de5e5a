"""Likes and spoken values beside what the run's code logged: linked, never a replacement.

What code logged (SDK, ``watch``, hooks, imports) is the run's series. A like (``runnotes like``,
the hotkey, ``run.like``) or a spoken value of a name the run logged is an annotation of that
series: :func:`annotate` links it to the logged value it equals (``logged_id``), or, when it
equals none of them, to the run's last logged value with ``conflict`` saying so ("you liked
0.9321, the run logged 0.8834 at its last step") and sends it to the review queue. Either way it
no longer counts as the run's value (:func:`runnotes.store.models.counted`). A like or spoken value
of a name no code logged stays the run's value, marked with where it came from
(:func:`runnotes.store.models.mark`).

While the run is still running a value may be liked before the script's buffered values are
written: a like that matches nothing is left alone then, and :func:`annotate_run` (called when
the run ends) decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from runnotes.formatting import fmt_value, shown_interval
from runnotes.store.models import (
    LOGGED_SOURCES,
    Capture,
    Kind,
    Review,
    Run,
    SeriesName,
    SeriesPoint,
    Source,
)
from runnotes.store.points import changed_in_place, point_rows


def is_annotation(capture: Capture) -> bool:
    """A liked or spoken metric/param value (what a person pointed at or said, not code)."""
    return (
        capture.kind in (Kind.metric, Kind.param)
        and bool(capture.name)
        and (capture.liked or capture.source == Source.voice)
    )


def _logged(capture: Capture) -> tuple[Any, Any, Any, Any]:
    """The query of the run's logged values of the capture's name, newest first, and the id,
    value and text columns it is matched on: metric values code logged are points
    (:mod:`runnotes.store.points`), params are captures."""
    if capture.kind == Kind.metric:
        query = point_rows().where(
            SeriesPoint.run_id == capture.run_id, SeriesName.name == capture.name
        )
        return query.order_by(SeriesPoint.id.desc()), SeriesPoint.id, SeriesPoint.value, None
    query = select(Capture).where(
        Capture.run_id == capture.run_id,
        Capture.kind == capture.kind,
        Capture.name == capture.name,
        col(Capture.source).in_(list(LOGGED_SOURCES)),
        col(Capture.liked).is_(False),
        Capture.review == Review.approved,
    )
    return query.order_by(col(Capture.id).desc()), Capture.id, Capture.value, Capture.text


def _equal(capture: Capture, id_: Any, value: Any, text_col: Any) -> object:
    """SQL: a logged value that shows as the annotation does (rounded to its digits)."""
    text = (capture.text or "").strip()
    try:
        intervals = shown_interval(text)
    except ValueError:
        intervals = []
    if not intervals and capture.value is not None:
        intervals = [(capture.value, capture.value)]
    ranges = [and_(value >= lo, value <= hi) for lo, hi in intervals]
    if text_col is not None and capture.text is not None:
        ranges.append(text_col == capture.text)
    return or_(*ranges) if ranges else id_.is_(None)


def _message(capture: Capture, logged: Capture) -> str:
    verb = "liked" if capture.liked else "said"
    shown = (capture.text or fmt_value(capture.value)).strip()
    value = logged.text if logged.kind == Kind.param and logged.text else fmt_value(logged.value)
    if logged.kind == Kind.param:
        return f"you {verb} {capture.name}={shown}, the run logged {capture.name}={value}"
    return f"you {verb} {shown}, the run logged {value} at its last step"


def annotate(session: Session, captures: Sequence[Capture], *, final: bool) -> None:
    """Link each like or spoken value among ``captures`` to the run's logged series of its name
    (see the module). ``final``: the run has ended, so a value that matches nothing logged is
    a contradiction to review."""
    changed = set()
    for capture in captures:
        if not is_annotation(capture) or capture.id is None:
            continue
        newest, *columns = _logged(capture)
        last = _first(session, newest)
        if last is None:
            continue  # nothing logged of this name: the value is the run's, marked
        match = _first(session, newest.where(_equal(capture, *columns)))
        if match is not None:
            if capture.conflict and capture.liked:
                capture.review = Review.approved  # the values it waited for were logged
            capture.logged_id, capture.conflict = match.id, None
        elif final or capture.conflict:
            if not capture.conflict:  # newly found: a person looks before a draft quotes it
                capture.review = Review.pending
            capture.logged_id, capture.conflict = last.id, _message(capture, last)
        else:
            continue
        session.add(capture)
        changed.add(capture.run_id)
    changed_in_place(session, changed)


def _first(session: Session, query: Any) -> Any:
    """The first row of a query of captures or capture-shaped point rows (None: no row)."""
    row = session.exec(query.limit(1)).first()
    return row if row is None or isinstance(row, Capture) else Capture(**row._mapping)


def annotate_run(session: Session, run_id: int) -> None:
    """When a run ends: decide its likes and spoken values not linked to a logged value yet
    (and look again at the contradictions: the values they waited for may be there now)."""
    rows = session.exec(
        select(Capture).where(
            Capture.run_id == run_id,
            col(Capture.kind).in_([Kind.metric, Kind.param]),
            or_(col(Capture.liked).is_(True), Capture.source == Source.voice),
            or_(col(Capture.logged_id).is_(None), col(Capture.conflict).is_not(None)),
            Capture.review != Review.rejected,
        )
    ).all()
    annotate(session, rows, final=True)


def run_ended(session: Session, run_id: int) -> bool:
    run = session.get(Run, run_id)
    return run is not None and run.ended_at is not None
