"""Start-up of the capture commands (issue #28 item 4): what they import, and the schema check.

A script that calls ``runnotes note``/``like``/``data``/``run start``/``run end`` in a loop pays
each call's imports; these tests keep the heavy parts (Alembic on a current store, the web
server, speech, reports, data frames) out of those commands' processes, and check that a store
whose schema is behind is still migrated when one of them opens it. Times are measured by
``benchmarks/startup.py``, never asserted here.
"""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command as alembic
from alembic.config import Config

from runnotes.cli import command
from runnotes.cli.help import walk
from runnotes.store.db import MIGRATIONS, make_engine, newest_revision

# Packages and runnotes parts a capture command never needs: each costs tens to hundreds of ms.
HEAVY = (
    "alembic",  # the store is current: a version check, not Alembic's script scan
    "sqlalchemy.dialects.postgresql",  # a SQLite store
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",  # the team server's client: a local store here
    "numpy",
    "faster_whisper",
    "spacy",
    "pyarrow",
    "pandas",
    "matplotlib",
    "docx",
    "markdown_it",
    "pynput",
    "PIL",
    "runnotes.web",
    "runnotes.backend.remote",
    "runnotes.voice.transcribe",
    "runnotes.voice.audio",
    "runnotes.interop",
    "runnotes.reports.render",
    "runnotes.reports.docx_writer",
    "runnotes.agent",
    "runnotes.watch",
)
# Only ending a run needs these (lineage inference, the charts stored for its page).
RUN_END_ONLY = ("runnotes.services.lineage", "runnotes.store.series")
# `note WORDS` and `like NAME=VALUE` on a current SQLite store: plain SQL through the stdlib
# driver (runnotes.store.sql), no ORM, no typer (its per-parameter pydantic validators), no
# psutil (no agent running); pydantic only for a settings section that is set (the suite sets
# [listen] and [drafts]: see test_settings_with_no_section_set_load_no_pydantic).
NOTE_AND_LIKE_NEVER = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "typer",
    "psutil",
    "runnotes.store.models",
    "runnotes.store.points",
    "runnotes.store.queries",
    "runnotes.cli.root",
    "runnotes.cli.runs",
    "runnotes.capture.context",
    "runnotes.voice.extract",
)

# Runs the CLI's main() once per command in one process, then prints every module loaded.
SCRIPT = """
import json, sys
from runnotes.cli import main
for args in json.loads(sys.argv[1]):
    sys.argv = ["runnotes", *args]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, (args, exc.code)
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(*commands: list[str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(commands)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names or m.startswith(names))


@pytest.fixture
def current_store(home: Path) -> Path:
    """A store made (and migrated) by an earlier call, as a user's is."""
    subprocess.run([sys.executable, "-m", "runnotes", "note", "first"], check=True)
    return home


def test_captures_load_only_what_they_need(current_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n")
    modules = _modules_after(["note", "x"], ["like", "val_acc=0.9"], ["data", str(data)])
    assert _loaded(modules, HEAVY + RUN_END_ONLY) == []
    assert "sqlite3" in modules  # the captures were stored (the store's driver)


def test_note_and_like_load_neither_the_orm_nor_typer(current_store: Path) -> None:
    modules = _modules_after(["note", "x"], ["like", "val_acc=0.9"], ["like", "lr=3e-4"])
    assert _loaded(modules, HEAVY + RUN_END_ONLY + NOTE_AND_LIKE_NEVER) == []
    assert "sqlite3" in modules and "runnotes.store.sql" in modules
    with sqlite3.connect(current_store / "runnotes.db") as conn:
        rows = conn.execute("SELECT kind, name, text, liked FROM capture ORDER BY id").fetchall()
    assert rows[1:] == [
        ("note", None, "x", 0),
        ("metric", "val_acc", "0.9", 1),
        ("metric", "lr", "3e-4", 1),
    ]


def test_settings_with_no_section_set_load_no_pydantic(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("RUNNOTES_LISTEN_ENGINE", "RUNNOTES_DRAFTS_AUTO"):  # the suite's own settings
        monkeypatch.delenv(var, raising=False)
    script = (
        "import sys; from runnotes.config import load_settings; s = load_settings(); "
        "s.store, s.drafts.root(s.home), s.listen; print(sorted(sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    modules = set(ast.literal_eval(done.stdout))
    assert _loaded(modules, ("pydantic", "pydantic_core", "annotated_types")) == []
    monkeypatch.setenv("RUNNOTES_STORE_BUSY_TIMEOUT", "0")  # set, and wrong: pydantic says so
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "setting [store] busy_timeout: input should be greater than 0" in done.stderr


def test_the_version_alone_loads_no_typer(home: Path) -> None:
    assert _loaded(_modules_after(["--version"]), ("typer", "pydantic", "sqlite3")) == []


def test_a_note_with_an_option_goes_through_typer_to_the_same_write(current_store: Path) -> None:
    modules = _modules_after(["note", "--run", "1", "via", "typer"])
    assert "runnotes.cli.root" in modules and "typer" in modules
    with sqlite3.connect(current_store / "runnotes.db") as conn:
        notes = conn.execute("SELECT run_id, text FROM capture WHERE kind = 'note'").fetchall()
    assert notes == [(1, "first"), (1, "via typer")]


def test_run_start_and_end_load_only_what_they_need(current_store: Path) -> None:
    modules = _modules_after(["run", "start", "r1"], ["run", "end"])
    assert _loaded(modules, HEAVY) == []


def test_a_store_behind_is_migrated_by_a_capture_command(home: Path) -> None:
    home.mkdir(mode=0o700)
    db = home / "runnotes.db"
    engine = make_engine(f"sqlite:///{db}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:  # the schema of the release before the newest migration
        cfg.attributes["connection"] = conn
        alembic.upgrade(cfg, "0016_lineage")
    engine.dispose()
    assert newest_revision() != "0016_lineage"

    note = [sys.executable, "-m", "runnotes", "note", "after", "the", "upgrade"]
    subprocess.run(note, check=True)

    with sqlite3.connect(db) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        notes = conn.execute("SELECT text FROM capture WHERE kind = 'note'").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert revision == newest_revision()
    assert notes == [("after the upgrade",)]
    assert "login_failure" in tables  # made by the newest migration (0017)


def _params(cmd: object) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(p.name, tuple(p.opts)) for p in cmd.params]  # type: ignore[attr-defined]


def test_a_call_builds_the_command_it_names_as_the_whole_cli_does() -> None:
    """`runnotes [root options] NAME …` converts only NAME's module; each command reached
    that way has the parameters it has in the whole CLI, and so does the root."""
    whole = dict(walk(command()))
    top = {path[0] for path in whole if path}
    assert len(top) > 20
    for name in top:
        for args in ([name], ["--home", "/x", name, "--help"], ["--db=sqlite://", name]):
            built = dict(walk(command(args)))
            assert _params(built[()]) == _params(whole[()])
            for path, cmd in built.items():
                assert _params(cmd) == _params(whole[path]), (args, path)
            assert {p for p in whole if p[:1] == (name,)} <= set(built), args
    assert dict(walk(command(["nosuch"]))).keys() == whole.keys()
    assert dict(walk(command(["--help"]))).keys() == whole.keys()


# `runnotes watch` with its plain options: what is loaded when the command starts. The run is
# made in plain SQL; the ORM, the parser, git and the reader's modules load while it runs.
WATCH_BEFORE_THE_COMMAND_NEVER = (
    "typer",
    "click",
    "pydantic",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "runnotes.cli.root",
    "runnotes.store.models",
    "runnotes.store.series",
)
# main() once, with the modules loaded at the moment the watched command (`sh`) is started.
WATCH_SCRIPT = """
import json, subprocess, sys
from runnotes.cli import main
seen = []
class Spy(subprocess.Popen):
    def __init__(self, args, *rest, **options):
        if args[0] == "sh":
            seen.append(sorted(sys.modules))
        super().__init__(args, *rest, **options)
subprocess.Popen = Spy
sys.argv = ["runnotes", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    print(json.dumps([exc.code, seen[0]]))
"""


def test_watch_starts_its_command_before_typer_the_orm_and_pydantic_load(
    current_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("RUNNOTES_LISTEN_ENGINE", "RUNNOTES_DRAFTS_AUTO"):  # the suite's own settings
        monkeypatch.delenv(var, raising=False)
    args = ["watch", "--name", "quick", "-t", "a", "--", "sh", "-c", "echo loss=0.5; exit 3"]
    done = subprocess.run(
        [sys.executable, "-c", WATCH_SCRIPT, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
    )
    code, modules = json.loads(done.stdout.splitlines()[-1])
    assert code == 3  # the command's exit code, passed through
    assert _loaded(set(modules), WATCH_BEFORE_THE_COMMAND_NEVER) == []
    ended = "runnotes: run 2 (quick) failed; exit 3; params: none; 1 metric values: loss"
    assert ended in done.stderr  # `sh -c`'s own -c is no parameter
    with sqlite3.connect(current_store / "runnotes.db") as conn:
        run = conn.execute("SELECT name, status, exit_code, command, pid FROM run WHERE id = 2")
        tags = conn.execute("SELECT tag FROM runtag WHERE run_id = 2").fetchall()
        (name, status, exit_code, command, pid) = run.fetchone()
    # What the ORM records while the command runs: the command, its owner, the tags.
    assert (name, status, exit_code, tags) == ("quick", "failed", 3, [("a",)])
    assert command == "sh -c 'echo loss=0.5; exit 3'" and pid is not None
    assert not (current_store / "spool").exists() or not list((current_store / "spool").iterdir())
