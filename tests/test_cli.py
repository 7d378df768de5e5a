"""The CLI as a user runs it: real store files, one-line errors. In-process through the real
``main()`` (``run_cli``); the entry point and its exit codes also as a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.store import Store
from runnotes.store.queries import list_runs
from runnotes.store.runs import NewCapture, add_captures


def test_run_lifecycle_likes_notes_and_compare(home: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n")
    for name, lr, acc in (("r1", "0.01", "0.91"), ("r2", "0.001", "0.93")):
        assert (
            "captures now go to it" in run_cli("run", "start", name, "-e", "cli", "-t", "x").stdout
        )
        run_cli("like", f"lr={lr}", f"val_acc={acc}")
        run_cli("note", "because", "the", "loss", "plateaued")
        run_cli("data", str(data))
        assert name in run_cli("run", "current").stdout
        assert "ok" in run_cli("run", "end").stdout
    listed = json.loads(
        run_cli("runs", "list", "--json", "--where", "metrics.val_acc > 0.92").stdout
    )
    assert [r["name"] for r in listed] == ["r2"]
    assert listed[0]["metrics"]["val_acc"] == 0.93 and listed[0]["tags"] == ["x"]
    table = run_cli("runs", "list", "--columns", "metrics.val_acc,lr").stdout
    header = table.splitlines()[1]
    assert "val_acc" in header and "lr" in header and "metrics" not in header
    assert "0.93" in table and "0.001" in table
    compared = run_cli("runs", "compare", "r1", "r2").stdout
    assert "val_acc" in compared and "0.93" in compared and "0.91" in compared
    shown = run_cli("runs", "show", "r1").stdout
    assert "because the loss plateaued" in shown and "d.csv: 1 rows × 2 columns" in shown
    cmp = json.loads(run_cli("runs", "compare", "r1", "r2", "--json").stdout)
    assert cmp["params"] == {} and cmp["metrics"]["lr"] == [0.01, 0.001]


def test_capture_without_active_run_is_kept(home: Path) -> None:
    run_cli("like", "acc=0.5")
    listed = json.loads(run_cli("runs", "list", "--json").stdout)
    assert listed[0]["name"].startswith("auto-") and listed[0]["metrics"] == {"acc": 0.5}
    assert listed[0]["status"] == "running"  # today's run takes captures all day


def test_a_past_days_auto_run_ends_when_todays_opens(store: Store) -> None:
    from runnotes.store.runs import AUTO_EXPERIMENT, create_run, target_run_id

    yesterday = create_run(store, "auto-2020-01-01", experiment=AUTO_EXPERIMENT)
    today = target_run_id(store)
    statuses = {r.name: r.status for r in list_runs(store)}
    assert statuses["auto-2020-01-01"] == "ok" and statuses[list_runs(store)[0].name] == "running"
    assert today != yesterday.id and target_run_id(store) == today


def test_help_on_every_command(home: Path) -> None:
    for args in ([], ["run"], ["runs"], ["runs", "list"], ["watch"], ["like"], ["data"]):
        out = run_cli(*args, "--help").stdout
        assert "Usage" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "show", "999"], "no run '999'"),
        (["runs", "list", "--where", "metrics.acc >"], "malformed --where"),
        (["runs", "list", "--where", "__import__('os')"], "malformed --where"),
        (["runs", "list", "--columns", "param.lr"], "write params.NAME or metrics.NAME"),
        (["data", "/nonexistent/file.csv"], "no such dataset file"),
        (["like", "novalue"], "expected NAME=VALUE"),
        (["run", "end"], "no active run"),
    ],
)
def test_bad_input_is_one_line(home: Path, args: list[str], message: str) -> None:
    done = run_cli(*args, check=False)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("runnotes: error: ") and message in lines[0]


@pytest.mark.slow  # four `python -m runnotes` processes
def test_a_real_process_exits_with_the_code_and_line_main_gives(home: Path) -> None:
    assert run_cli("--version", process=True).stdout.startswith("runnotes ")
    run_cli("note", "from", "a", "process", process=True)
    assert "from a process" in run_cli("runs", "show", "1", process=True).stdout
    for args, code in ((["like", "novalue"], 1), (["nosuch"], 2)):
        done = run_cli(*args, check=False, process=True)
        assert done.returncode == code and done.stderr.startswith("runnotes: error: ")
        assert len(done.stderr.splitlines()) == 1 and done.stdout == "", done.stderr


def test_unreadable_database_is_one_line(home: Path, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    for url in (f"sqlite:///{not_a_dir}/x.db", f"sqlite:///{garbage}", "nonsense://"):
        done = run_cli("runs", "list", env={"RUNNOTES_DB": url}, check=False)
        assert done.returncode != 0, url
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("runnotes: error: "), done.stderr


@pytest.mark.parametrize("name", ["[bold]x", "a[/]b", "[red]r\\[x]"])
def test_names_that_look_like_markup_are_printed_as_they_are(store: Store, name: str) -> None:
    """Run and experiment names, notes and likes are the user's text: rich's markup would take
    ``[bold]x`` for a style (``x`` printed) and ``a[/]b`` for a closing tag with nothing open
    (a MarkupError, a traceback)."""
    assert f"({name})" in run_cli("run", "start", name, "-e", name).stdout
    assert f"({name})" in run_cli("note", "why", name).stdout
    assert f"({name})" in run_cli("like", "val_acc=0.9").stdout
    assert name in run_cli("run", "current").stdout
    listed = run_cli("runs", "list").stdout
    assert listed.count(name) == 2  # its name and its experiment's
    shown = run_cli("runs", "show", name).stdout
    assert f"run 1: {name}" in shown and f"default/{name}" in shown and f"why {name}" in shown
    assert f"1: {name}" in run_cli("runs", "compare", name, name).stdout
    add_captures(store, 1, [NewCapture(kind="note", text=name, review="pending")])
    assert f"{name}  run 1 ({name})" in run_cli("review", "list").stdout
    assert f"({name})" in run_cli("run", "end").stdout
