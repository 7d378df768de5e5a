"""One row per run: the spreadsheets engineers keep (CSV, Parquet) in and out of the store.

Columns are mapped by a prefix rule shared with the ``--where`` language: ``params.lr`` is a
parameter, ``metrics.val_acc`` a metric; ``--params``/``--metrics`` name plain columns instead.
``name``, ``experiment``, ``project``, ``status``, ``started_at``, ``ended_at``, ``tags`` and
``notes`` fill the run itself. The same layout is what ``runnotes export --format csv`` writes,
so an export imports back as it was.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.interop.bulk import ImportedRun, ImportResult, write_runs
from runnotes.store.db import Store

RUN_COLUMNS = ("name", "experiment", "project", "status", "started_at", "ended_at", "tags", "notes")
TAG_SEP = "; "
_TAG = re.compile(r"(?:\\.|[^;\\]|\\$)+")  # a tag in a cell: up to an unescaped ";"


def join_tags(tags: Iterable[str]) -> str:
    """Tags in one cell, ``"; "`` between them; a ``;`` or ``\\`` inside a tag is escaped with
    ``\\``, so every tag comes back whole (:func:`split_tags`)."""
    return TAG_SEP.join(t.replace("\\", "\\\\").replace(";", "\\;") for t in tags)


def split_tags(cell: str) -> list[str]:
    """The tags of a cell written by :func:`join_tags` (or by hand: ``a; b``)."""
    tags = (re.sub(r"\\(.)", r"\1", m.group()).strip() for m in _TAG.finditer(cell))
    return [t for t in tags if t]


@dataclass
class Columns:
    """Which columns are parameters and which are metrics."""

    params: dict[str, str] = field(default_factory=dict)  # column → parameter name
    metrics: dict[str, str] = field(default_factory=dict)  # column → metric name

    @classmethod
    def for_header(
        cls, header: Sequence[str], params: Sequence[str] = (), metrics: Sequence[str] = ()
    ) -> Columns:
        missing = [c for c in (*params, *metrics) if c not in header]
        if missing:
            raise RunnotesError(f"no column {', '.join(map(repr, missing))} in the header")
        mapping = cls({c: c for c in params}, {c: c for c in metrics})
        for column in header:
            for prefix, target in (("params.", mapping.params), ("metrics.", mapping.metrics)):
                if column.startswith(prefix) and column not in mapping.params | mapping.metrics:
                    target[column] = column.removeprefix(prefix)
        if not mapping.params and not mapping.metrics:
            raise RunnotesError(
                "say which columns are params and metrics: --params a,b "
                "--metrics c,d, or name them params.X and metrics.X"
            )
        return mapping


def _time(value: str, where: str) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError as exc:
        raise RunnotesError(f"{where}: {value!r} is not a time (Unix seconds or ISO 8601)") from exc


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def row_to_run(
    row: dict[str, Any],
    mapping: Columns,
    source_id: str,
    where: str,
    *,
    default_name: str,
    default_time: float,
    experiment: str | None,
    project: str | None,
) -> ImportedRun:
    """One table row as a run; ``where`` ("file:line") names the row in error messages.

    Columns other than the run's own and the mapped ones (``id``, ``duration``, ``best.X`` in
    exports) are derived or belong to the store they came from, so they are not imported.
    """
    started = _text(row.get("started_at"))
    ended = _text(row.get("ended_at"))
    run = ImportedRun(
        source_id=source_id,
        name=_text(row.get("name")) or default_name,
        experiment=_text(row.get("experiment")) or experiment,
        project=_text(row.get("project")) or project,
        status=_text(row.get("status")) or "ok",
        started_at=_time(started, where) if started else default_time,
        ended_at=_time(ended, where) if ended else None,
        tags=split_tags(_text(row.get("tags"))),
        notes=[_text(row.get("notes"))] if _text(row.get("notes")) else [],
    )
    run.params = {name: _text(row[c]) for c, name in mapping.params.items() if _text(row.get(c))}
    for column, name in mapping.metrics.items():
        cell = _text(row.get(column))
        if not cell:
            continue
        try:
            value = float(cell.rstrip("%"))
        except ValueError as exc:
            raise RunnotesError(f"{where}: column {column!r}: {cell!r} is not a number") from exc
        run.metrics.append((name, value, None, run.ended_at or run.started_at))
    return run


def read_csv(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; a row with too few or too many fields is an error."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise RunnotesError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
            rows = []
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                if len(fields) != len(header):
                    raise RunnotesError(
                        f"{path}:{reader.line_num}: {len(fields)} fields, "
                        f"the header has {len(header)}"
                    )
                rows.append((reader.line_num, dict(zip(header, fields, strict=True))))
        except StopIteration:
            raise RunnotesError(f"{path}: empty file") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RunnotesError(f"{path}:{reader.line_num}: {exc}") from exc
    return header, rows


def read_parquet(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise RunnotesError(f"cannot read {path}: {exc}") from exc
    return table.column_names, list(enumerate(table.to_pylist(), 1))


def read_table_runs(
    path: str | Path,
    *,
    params: Sequence[str] = (),
    metrics: Sequence[str] = (),
    experiment: str | None = None,
    project: str | None = None,
) -> list[ImportedRun]:
    path = Path(path).expanduser().resolve()
    parquet = path.suffix.lower() in (".parquet", ".pq")
    header, rows = read_parquet(path) if parquet else read_csv(path)
    mapping = Columns.for_header(header, params, metrics)
    kind = "parquet" if parquet else "csv"
    mtime = path.stat().st_mtime
    return [
        row_to_run(
            row,
            mapping,
            f"{kind}:{path}:{line}",
            f"{path}:{line}",
            default_name=f"{path.stem}-{line}",
            default_time=mtime,
            experiment=experiment or path.stem,
            project=project,
        )
        for line, row in rows
    ]


def import_table(store: Store, path: str | Path, **options: Any) -> ImportResult:
    """Import a CSV or Parquet sheet, one run per row, in one transaction."""
    return write_runs(store, read_table_runs(path, **options))


def split_names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def header_for(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Run columns first, then every params./metrics./best. column any row has, sorted."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    fixed = [c for c in ("id", *RUN_COLUMNS, "duration", "git_commit") if c in seen]
    return fixed + sorted(c for c in seen if c not in fixed)
