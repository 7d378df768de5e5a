"""A run's timeline, by kind and a page at a time: what people said, liked and captured.

Metric values and params that code logged (SDK, ``watch``, imports) are shown as charts and
tables, not as timeline entries, so the timeline of a run with a million logged values is still
its handful of notes, likes, voice notes and screenshots. Both halves are index ranges: the
non-value kinds through ``ix_capture_run_kind_name``, the values a person or the agent added
through the partial index ``ix_capture_observed`` (migration 0008), so a page never scans the
logged values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select, text, union_all
from sqlmodel import select as sqlmodel_select

from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.store.models import OBSERVED, Capture, Kind

VALUE_KINDS = (Kind.metric.value, Kind.param.value)
OTHER_KINDS = tuple(k.value for k in Kind if k.value not in VALUE_KINDS)
KINDS = (*OTHER_KINDS, *VALUE_KINDS)


def _ids(run_id: int, kind: str | None, dialect: str) -> list[Any]:
    """Selects of the timeline's capture ids (of one kind, or all). A partial index serves a
    query only when the query repeats its condition word for word, hence ``text(OBSERVED)``;
    and SQLite, without statistics, would still pick the bigger ``(run_id, kind, …)`` index and
    read every logged value, so there the partial index is named (``INDEXED BY``)."""
    if dialect == "sqlite":
        observed = select(literal_column("id")).select_from(
            text("capture INDEXED BY ix_capture_observed")
        )
        observed = observed.where(literal_column("run_id") == run_id, text(OBSERVED))
        if kind is not None:
            observed = observed.where(literal_column("kind") == kind)
    else:
        observed = select(Capture.id).where(Capture.run_id == run_id, text(OBSERVED))
        if kind is not None:
            observed = observed.where(Capture.kind == kind)
    others = select(Capture.id).where(Capture.run_id == run_id, Capture.kind.in_(OTHER_KINDS))
    if kind is None:
        return [others, observed]
    if kind in VALUE_KINDS:
        return [observed]
    return [select(Capture.id).where(Capture.run_id == run_id, Capture.kind == kind)]


def _shown(run_id: int, kind: str | None, dialect: str) -> Any:
    return Capture.id.in_(union_all(*_ids(run_id, kind, dialect)))


@dataclass
class TimelinePage:
    captures: list[Capture]
    offset: int
    has_more: bool


def timeline_counts(store: Store, run_id: int) -> dict[str, int]:
    """How many timeline entries the run has of each kind (kinds with none left out)."""
    ids = union_all(*_ids(run_id, None, store.engine.dialect.name))
    with store.read() as session:
        rows = session.exec(
            select(Capture.kind, func.count()).where(Capture.id.in_(ids)).group_by(Capture.kind)
        ).all()
    found = dict(rows)
    return {kind: found[kind] for kind in KINDS if found.get(kind)}


def timeline_page(
    store: Store, run_id: int, kind: str | None = None, *, limit: int = 50, offset: int = 0
) -> TimelinePage:
    """Entries oldest first (of one kind, or all); ``has_more`` says whether more follow."""
    if kind is not None and kind not in KINDS:
        raise RunnotesError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    with store.read() as session:
        found = list(
            session.exec(
                sqlmodel_select(Capture)
                .where(_shown(run_id, kind, store.engine.dialect.name))
                .order_by(Capture.timestamp, Capture.id)
                .limit(limit + 1)
                .offset(offset)
            ).all()
        )
        for capture in found:
            session.expunge(capture)
    return TimelinePage(found[:limit], offset, len(found) > limit)
