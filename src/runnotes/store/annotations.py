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

from sqlalchemy import or_
from sqlmodel import Session, col, select

from runnotes.store import sql
from runnotes.store.models import Capture, Kind, Review, Source


def is_annotation(capture: Capture) -> bool:
    """A liked or spoken metric/param value (what a person pointed at or said, not code)."""
    return sql.is_annotation(capture.kind, capture.name, capture.liked, capture.source)


def annotate(session: Session, captures: Sequence[Capture], *, final: bool) -> None:
    """Link each like or spoken value among ``captures`` to the run's logged series of its name
    (see the module). ``final``: the run has ended, so a value that matches nothing logged is
    a contradiction to review. The rule is :func:`runnotes.store.sql.annotate`, run on the
    session's connection; the captures are read again afterwards."""
    session.flush()
    chosen = [c for c in captures if c.id is not None and is_annotation(c)]
    if not chosen:
        return
    sql.annotate(sql.of(session.connection()), [c.id for c in chosen if c.id], final=final)
    for capture in chosen:
        session.expire(capture)


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
