"""Data fingerprints: rows, columns, size, sha256 and modified time of a dataset file.

A fingerprint is what lets runnotes say "data changed since run 7: 1 204 → 1 317 rows" — the
silent cause of many results that cannot be reproduced.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.store.db import Store, get_row

_CHUNK = 1 << 20


@dataclass
class Fingerprint:
    path: str
    format: str
    size: int
    sha256: str
    modified: float
    rows: int | None = None
    columns: int | None = None
    column_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        shape = f"{self.rows} rows × {self.columns} columns, " if self.rows is not None else ""
        return f"{self.path}: {shape}{self.size} bytes, sha256 {self.sha256[:12]}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _delimited(path: Path, delimiter: str) -> tuple[int, list[str]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, [])
        rows = sum(1 for _ in reader)
    return rows, header


def _jsonl(path: Path) -> tuple[int, list[str]]:
    rows, names = 0, {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunnotesError(f"{path}:{line_no}: not JSON ({exc.msg})") from exc
            rows += 1
            if isinstance(record, dict):
                names.update(dict.fromkeys(record))
    return rows, list(names)


def _parquet(path: Path) -> tuple[int, list[str]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow ships with runnotes[data]
        raise RunnotesError("reading Parquet needs pyarrow: pip install 'runnotes[data]'") from exc
    meta = pq.ParquetFile(path).metadata
    return meta.num_rows, list(meta.schema.names)


_READERS = {
    ".csv": ("csv", lambda p: _delimited(p, ",")),
    ".tsv": ("tsv", lambda p: _delimited(p, "\t")),
    ".jsonl": ("jsonl", _jsonl),
    ".ndjson": ("jsonl", _jsonl),
    ".parquet": ("parquet", _parquet),
    ".pq": ("parquet", _parquet),
}


def fingerprint(path: Path | str) -> Fingerprint:
    path = Path(path)
    if not path.is_file():
        raise RunnotesError(f"no such dataset file: {path}")
    stat = path.stat()
    fmt, reader = _READERS.get(path.suffix.lower(), ("file", None))
    fp = Fingerprint(
        path=str(path.resolve()),
        format=fmt,
        size=stat.st_size,
        sha256=_sha256(path),
        modified=stat.st_mtime,
    )
    if reader is not None:
        try:
            fp.rows, fp.column_names = reader(path)
        except (OSError, csv.Error, ValueError) as exc:
            raise RunnotesError(f"cannot read {path} as {fmt}: {exc}") from exc
        fp.columns = len(fp.column_names)
    return fp


def change_message(old: dict[str, Any], new: Fingerprint, old_run: str) -> str | None:
    """A one-line account of how ``new`` differs from the fingerprint an earlier run recorded."""
    if old.get("sha256") == new.sha256:
        return None
    parts = []
    if old.get("rows") != new.rows:
        parts.append(f"{_n(old.get('rows'))} → {_n(new.rows)} rows")
    if old.get("column_names") != new.column_names:
        parts.append(f"{_n(old.get('columns'))} → {_n(new.columns)} columns")
    if not parts:
        parts.append(f"content changed (sha256 {str(old.get('sha256'))[:12]} → {new.sha256[:12]})")
    return f"data changed since run {old_run}: " + ", ".join(parts)


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}".replace(",", " ")


def previous_change(store: Store, run_id: int, name: str, fp: Fingerprint) -> str | None:
    """What changed in ``name`` since the experiment's previous run that used a file of that
    name: the "data changed since run 7" message, or None when nothing did or no run used it."""
    from runnotes.store.captures import previous_dataset
    from runnotes.store.models import Run as RunRow

    with store.read() as session:
        this = get_row(session, RunRow, run_id)
        previous = previous_dataset(session, this, name)
    if previous is None:
        return None
    capture, run = previous
    return change_message(capture.extra or {}, fp, f"{run.id} ({run.name})")
