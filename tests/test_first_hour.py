"""The first hour's rough edges (issue #29, item 3): what a new user types first answers plainly.

In-process through the real ``main()`` (see tests/test_cli_help.py) where a subprocess is not the
point; ``watch`` runs real commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select

from conftest import cli_main
from runnotes.capture.parse import parse_args
from runnotes.store import Store
from runnotes.store.models import Capture, Run


def test_an_empty_store_and_an_unknown_name_say_so(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli_main(monkeypatch, capsys, "runs", "list")
    assert code == 0 and out.startswith("no runs yet")
    cli_main(monkeypatch, capsys, "like", "val_acc=0.9")
    cli_main(monkeypatch, capsys, "like", "loss=0.1")
    for where, said in (
        ("metrics.val_acc2 > 0.5", "no run has a metric `val_acc2`; known: loss, val_acc"),
        ('params["lr"] < 1', "no run has a param `lr`; known: none"),
        ("metrics.val_acc > 0.95", "no runs match"),
    ):
        code, out, _ = cli_main(monkeypatch, capsys, "runs", "list", "--where", where)
        assert code == 0 and out.strip() == said


def test_python_c_and_m_give_the_scripts_params_only() -> None:
    assert parse_args(["python", "-c", "import x; x.main()", "--lr", "0.1"]) == {"lr": "0.1"}
    assert parse_args(["python3.11", "-u", "-m", "pkg.train", "--lr=0.1"]) == {"lr": "0.1"}
    assert parse_args(["tool", "-c", "config.yaml"]) == {"c": "config.yaml"}  # not Python's -c


def test_a_command_that_cannot_start_leaves_no_run(
    store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for command, why in (
        ("nosuchcmd", "'nosuchcmd': no such command (not on PATH)"),
        ("./nosuch.sh", "'./nosuch.sh': no such file"),
    ):
        code, out, err = cli_main(monkeypatch, capsys, "watch", "--", command, "--lr", "1")
        assert code == 1 and err == f"runnotes: error: cannot run {why}; no run was recorded\n"
    with store.read() as session:
        assert session.exec(select(Run)).all() == []


def test_watch_fingerprints_the_data_of_an_unmodified_script(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "train.csv"
    script = "print('epoch 1 loss: 0.5', flush=True)"
    for rows in ("a,b\n1,2\n", "a,b\n1,2\n3,4\n"):
        data.write_text(rows)
        args = ("watch", "-e", "e", "--data", str(data), "--", sys.executable, "-c", script)
        code, _, err = cli_main(monkeypatch, capsys, *args)
        assert code == 0, err
    assert "runnotes: data changed since run 1" in err and "1 → 2 rows" in err
    with store.read() as session:
        kinds = session.exec(select(Capture.kind, Capture.name).where(Capture.run_id == 2)).all()
    assert ("dataset", "train.csv") in kinds and ("param", "c") not in kinds
    code, _, err = cli_main(monkeypatch, capsys, "watch", "--data", "missing.csv", "--", "true")
    assert code == 1 and err.strip() == (
        "runnotes: error: --data missing.csv: no such file; no run was recorded"
    )


def test_voice_add_of_a_missing_file_is_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli_main(monkeypatch, capsys, "voice", "add", "missing.wav")
    assert code == 1 and out == "" and err == "runnotes: error: no such file: missing.wav\n"


def test_agent_start_takes_the_agents_options(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli_main(monkeypatch, capsys, "agent", "start", "--help")
    text = " ".join(out.split())
    assert code == 0 and "--like" in text and "[default: (ctrl+alt+l)]" in text
    code, _, err = cli_main(monkeypatch, capsys, "agent", "start", "--region-size", "big")
    assert code == 1 and err == (
        "runnotes: error: --region-size must look like 640x240, not 'big'\n"
    )
