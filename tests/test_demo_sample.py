"""The demo's training script is one a user could have written (issue #29): it imports nothing
of runnotes, and `watch --data` still gives the README draft its data fingerprint and the note
that the data changed between the two runs. The steps are scripts/demo's."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import runnotes.samples.train_digits as train_digits
from conftest import cli_main
from runnotes.samples.make_digits import write_digits
from runnotes.store import Store

pytestmark = pytest.mark.slow


def test_the_training_script_knows_nothing_of_runnotes() -> None:
    tree = ast.parse(Path(train_digits.__file__).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    assert imported and not [n for n in imported if n.split(".")[0] == "runnotes"], imported


def _runnotes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> str:
    code, _, err = cli_main(monkeypatch, capsys, *args)
    assert code == 0, (args, err)
    return err


def test_watch_data_gives_the_readme_its_fingerprint_and_the_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    data = tmp_path / "digits.csv"
    train = [sys.executable, "-m", "runnotes.samples.train_digits", "--data", str(data)]
    err = ""
    for name, rows, lr in (("baseline", 1500, "0.001"), ("higher-lr", None, "0.01")):
        write_digits(data, rows)
        watch = ["watch", "-e", "digits-sgd", "--name", name, "--data", str(data)]
        err += _runnotes(monkeypatch, capsys, *watch, "--", *train, "--lr", lr, "--epochs", "2")
    change = re.compile(r"data changed since run 1 \(baseline\): 1\W?500 → 1\W?797 rows")
    assert change.search(err), err
    assert "params: data, lr, epochs, alpha, rows;" in err  # command line, then config line
    assert "metric values: train_loss, val_acc" in err
    readme = tmp_path / "README.md"
    _runnotes(monkeypatch, capsys, "report", "readme", "-e", "digits-sgd", "-o", str(readme))
    text = readme.read_text()
    assert "- Data: `digits.csv`, 1797 rows × 65 columns, sha256 `" in text
    assert change.search(text), text
