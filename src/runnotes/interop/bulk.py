"""Storing imported runs: all of them in one transaction, keyed by ``Run.source_id``.

Importers read first and write last, so a bad file found halfway leaves the store untouched. A run
already imported (same source id) is updated in place: its imported captures are replaced, while
what people added to it since (likes, voice notes, screenshots) stays, and so does its end once it
has ended (status and end time, as everywhere). A status is one of :class:`RunStatus`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from runnotes.errors import RunnotesError
from runnotes.store.annotations import annotate, is_annotation
from runnotes.store.captures import drop_captures, run_by_source, run_tags
from runnotes.store.db import Store
from runnotes.store.models import Capture, Kind, Review, Run, RunStatus, RunTag, Source
from runnotes.store.runs import (
    MetricValues,
    NewCapture,
    ensure_experiment,
    insert_metric_rows,
    param_captures,
    register_media,
    store_logged,
)

IMPORT = str(Source.import_)
STATUSES = tuple(s.value for s in RunStatus)


@dataclass
class ImportedFile:
    """An artifact listed by the source; ``data`` is set only when it is copied into the store."""

    path: str
    uri: str
    size: int | None = None
    data: bytes | None = None


@dataclass
class ImportedRun:
    """One run as read from a source, before anything is written."""

    source_id: str
    name: str
    experiment: str | None = None
    project: str | None = None
    status: str = "ok"
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # other Run columns (git_commit, command…)
    tags: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    # (name, value, step, timestamp): stored through the bulk insert path
    metrics: list[tuple[str, float, int | None, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    artifacts: list[ImportedFile] = field(default_factory=list)
    captures: list[NewCapture] = field(default_factory=list)  # anything else, stored as given
    replace_all: bool = False  # a snapshot (JSON Lines): re-import resets every capture of the run

    def new_captures(self) -> list[NewCapture]:
        when = self.ended_at or self.started_at
        made = param_captures(IMPORT, self.params, self.started_at)
        made += [
            NewCapture(
                kind=Kind.note, source=IMPORT, text=text, review=Review.approved, timestamp=when
            )
            for text in self.notes
        ]
        return made + self.captures


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    run_ids: list[int] = field(default_factory=list)
    values: int = 0

    def describe(self, what: str) -> str:
        return (
            f"imported {len(self.run_ids)} runs from {what} ({self.created} new, "
            f"{self.updated} updated, {self.values} metric values)"
        )


def write_runs(store: Store, runs: Sequence[ImportedRun]) -> ImportResult:
    """Create or update every run in one transaction; nothing is stored if any of it fails."""
    result = ImportResult()
    metric_rows: list[MetricValues] = []
    stored: list[tuple[list[Capture], bool]] = []
    with store.write() as session:
        for imported in runs:
            row, created = _upsert_run(session, imported)
            result.created += created
            result.updated += not created
            result.run_ids.append(row.id)
            _add_tags(session, row.id, imported.tags)
            captures = [Capture(run_id=row.id, **c.__dict__) for c in imported.new_captures()]
            captures += [_artifact(session, store, row.id, a, imported) for a in imported.artifacts]
            session.add_all(captures)
            session.flush()
            store_logged(session, captures)  # a restored export's logged values: points
            stored.append((captures, row.ended_at is not None))
            metric_rows += [
                (row.id, "metric", IMPORT, name, value, step, ts, "approved", None)
                for name, value, step, ts in imported.metrics
            ]
        session.flush()
        insert_metric_rows(session.connection(), metric_rows)
        for captures, ended in stored:  # likes beside the imported series, as when logged
            annotate(session, [c for c in captures if is_annotation(c)], final=ended)
    result.values = len(metric_rows)
    return result


def _upsert_run(session: Session, imported: ImportedRun) -> tuple[Run, bool]:
    if imported.status not in STATUSES:
        raise RunnotesError(
            f"run {imported.name!r}: unknown status {str(imported.status)[:80]!r} "
            f"(one of {', '.join(STATUSES)})"
        )
    exp = ensure_experiment(session, imported.project, imported.experiment)
    row = run_by_source(session, imported.source_id)
    created = row is None
    if row is None:
        row = Run(
            experiment_id=exp.id,
            name=imported.name,
            started_at=imported.started_at,
            source_id=imported.source_id,
        )
    else:
        drop_captures(session, row.id, None if imported.replace_all else IMPORT)
    row.experiment_id, row.name = exp.id, imported.name  # type: ignore[assignment]
    if row.status == RunStatus.running:  # an end is final: re-importing an ended run keeps it
        row.status, row.ended_at = imported.status, imported.ended_at
    row.started_at = imported.started_at
    for key, value in imported.fields.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    return row, created


def _add_tags(session: Session, run_id: int, tags: Sequence[str]) -> None:
    have = set(run_tags(session, run_id))
    session.add_all(RunTag(run_id=run_id, tag=t) for t in dict.fromkeys(tags) if t not in have)


def _artifact(
    session: Session, store: Store, run_id: int, item: ImportedFile, imported: ImportedRun
) -> Capture:
    sha = None
    if item.data is not None:
        name = item.path.rsplit("/", 1)[-1]
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        sha = register_media(session, store, item.data, "application/octet-stream", suffix, name)
    return Capture(
        run_id=run_id,
        kind=Kind.artifact,
        source=IMPORT,
        name=item.path,
        text=item.uri,
        origin=item.uri,
        media_sha=sha,
        review=Review.approved,
        timestamp=imported.ended_at or imported.started_at,
        extra={"size": item.size} if item.size is not None else None,
    )
