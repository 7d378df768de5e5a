"""Getting everything out: JSON Lines (every capture of every run), CSV and Parquet (a row a run).

JSON Lines is the complete, lossless form: one run per line with its context, tags and captures;
``runnotes import jsonl`` restores it (a snapshot: importing the same runs again resets them to it).
CSV and Parquet are the spreadsheet form: params, each metric's last and best value, tags, notes
and duration, laid out as :mod:`runnotes.interop.tables` reads them back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from runnotes.errors import RunnotesError
from runnotes.interop.bulk import ImportedRun, ImportResult, write_runs
from runnotes.interop.tables import header_for, join_tags
from runnotes.services.metrics import best_values
from runnotes.store.captures import present_media, run_commits, run_notes
from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.queries import (
    ALL_RUNS,
    RunFilter,
    RunSummary,
    list_runs,
    resolve_run,
    run_detail,
)
from runnotes.store.runs import NewCapture

FORMATS = ("jsonl", "csv", "parquet")
# Run columns a snapshot restores; ids and media links belong to the store it came from.
RUN_FIELDS = (
    "status",
    "ended_at",
    "exit_code",
    "command",
    "cwd",
    "host",
    "python_version",
    "git_commit",
    "git_branch",
    "git_dirty",
    "description",
    "pid",  # the owner process (a run still running shows as crashed when it is gone)
    "pid_started",
    "archived_at",
    "deleted_at",
)


def select_runs(
    store: Store, filters: RunFilter = ALL_RUNS, *, refs: Sequence[str] = ()
) -> list[RunSummary]:
    """The runs to export, oldest first: all, or those the filters (and ``refs``) pick; a run
    named in ``refs`` is exported even when archived or deleted."""
    if refs:
        filters = replace(filters, show="all")
    runs = list_runs(store, filters, limit=None)
    if refs:
        with store.read() as session:
            wanted = {resolve_run(session, ref).id for ref in refs}
        runs = [r for r in runs if r.id in wanted]
    return runs[::-1]


def table_rows(store: Store, runs: Sequence[RunSummary]) -> list[dict[str, Any]]:
    """One flat dict per run: the CSV/Parquet layout (``metrics.X`` latest, ``best.X`` the best
    value of the series: :mod:`runnotes.services.metrics`)."""
    ids = [r.id for r in runs]
    notes: dict[int, list[str]] = {i: [] for i in ids}
    best = best_values(store, ids)
    with store.read() as session:
        commits = run_commits(session, ids)
        for run_id, text in run_notes(session, ids):
            notes[run_id].append(text)
    return [
        {
            "id": r.id,
            "name": r.name,
            "experiment": r.experiment,
            "project": r.project,
            "status": r.status,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "duration": r.duration,
            "tags": join_tags(r.tags),
            "notes": "\n\n".join(notes[r.id]),
            "git_commit": commits.get(r.id),
            **{f"params.{k}": v for k, v in r.params.items()},
            **{f"metrics.{k}": v for k, v in r.metrics.items()},
            **{f"best.{k}": v for k, v in best[r.id].items()},
        }
        for r in runs
    ]


def jsonl_records(store: Store, runs: Sequence[RunSummary]) -> Iterator[dict[str, Any]]:
    for summary in runs:
        detail = run_detail(store, summary.id)
        yield {
            "run": detail.run.model_dump(exclude=set(Run.INTERNAL)),
            "project": summary.project,
            "experiment": summary.experiment,
            "tags": summary.tags,
            # logged_id is an id of this store: a restore links the like again
            "captures": [
                c.model_dump(exclude={"id", "run_id", "logged_id"}) for c in detail.captures
            ],
        }


def write_export(
    store: Store,
    runs: Sequence[RunSummary],
    fmt: str,
    stream: IO[str] | None = None,
    path: Path | None = None,
) -> None:
    """Write ``runs`` in ``fmt`` to ``path`` (or, for jsonl and csv, to ``stream``)."""
    if fmt not in FORMATS:
        raise RunnotesError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "parquet":
        if path is None:
            raise RunnotesError("Parquet needs a file: --output runs.parquet")
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = table_rows(store, runs)
        header = header_for(rows)
        pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in header}), path)
        return
    handle = path.open("w", encoding="utf-8", newline="") if path else stream
    assert handle is not None
    try:
        if fmt == "jsonl":
            for record in jsonl_records(store, runs):
                handle.write(json.dumps(record, default=str) + "\n")
        else:
            rows = table_rows(store, runs)
            writer = csv.DictWriter(handle, fieldnames=header_for(rows), restval="")
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if path:
            handle.close()


# -- restoring a JSON Lines export ------------------------------------------------------------


def _restored(record: dict[str, Any]) -> ImportedRun:
    run = record["run"]
    return ImportedRun(
        source_id=run.get("source_id") or f"runnotes:{run['id']}:{run['started_at']!r}",
        name=run["name"],
        experiment=record["experiment"],
        project=record["project"],
        status=run["status"],
        started_at=run["started_at"],
        ended_at=run.get("ended_at"),
        fields={k: run.get(k) for k in RUN_FIELDS if k not in ("status", "ended_at")},
        tags=list(record.get("tags") or ()),
        captures=[NewCapture(**c) for c in record["captures"]],
        replace_all=True,
    )


def read_jsonl(path: str | Path) -> list[ImportedRun]:
    path = Path(path).expanduser()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnotesError(f"cannot read {path}: {exc}") from exc
    runs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            runs.append(_restored(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise RunnotesError(f"{path}:{number}: not a runnotes export record ({exc})") from exc
    return runs


def _unlink_missing_media(store: Store, runs: Sequence[ImportedRun]) -> None:
    """Media files do not travel in JSON Lines: keep the digest in ``extra`` when it is absent."""
    shas = {c.media_sha for r in runs for c in r.captures if c.media_sha}
    with store.read() as session:
        present = present_media(session, shas)
    for capture in (c for r in runs for c in r.captures):
        if capture.media_sha and capture.media_sha not in present:
            capture.extra = {**(capture.extra or {}), "media_sha": capture.media_sha}
            capture.media_sha = None


def import_jsonl(store: Store, path: str | Path) -> ImportResult:
    runs = read_jsonl(path)
    _unlink_missing_media(store, runs)
    return write_runs(store, runs)
