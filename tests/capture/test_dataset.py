"""Fingerprints of the formats ML engineers keep data in."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from runnotes.capture.dataset import fingerprint
from runnotes.errors import RunnotesError


def test_formats(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("a\tb\tc\n1\t2\t3\n4\t5\t6\n")
    (tmp_path / "a.jsonl").write_text(
        "\n".join(json.dumps({"a": i, "b": i}) for i in range(5)) + "\n"
    )
    pq.write_table(pa.table({"x": list(range(7)), "y": ["q"] * 7}), tmp_path / "a.parquet")
    (tmp_path / "a.bin").write_bytes(b"\0" * 10)
    got = {p.suffix: fingerprint(p) for p in tmp_path.iterdir()}
    assert (got[".tsv"].rows, got[".tsv"].column_names) == (2, ["a", "b", "c"])
    assert (got[".jsonl"].rows, got[".jsonl"].columns) == (5, 2)
    assert (got[".parquet"].rows, got[".parquet"].column_names) == (7, ["x", "y"])
    assert (got[".bin"].rows, got[".bin"].size, got[".bin"].format) == (None, 10, "file")
    assert len(got[".bin"].sha256) == 64


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(RunnotesError, match="no such dataset file"):
        fingerprint(tmp_path / "nope.csv")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{oops\n')
    with pytest.raises(RunnotesError, match="bad.jsonl:2"):
        fingerprint(tmp_path / "bad.jsonl")
