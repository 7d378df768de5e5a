"""Damaged and unreachable stores are noticed in one line (issue 16, item 7), and ``runnotes
doctor`` checks the database's pages, media, permissions, stale runs and drafts."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

import runnotes
from conftest import run_cli
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.reports import drafts
from runnotes.store import Store, open_store
from runnotes.store.models import Run


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), lines


def test_a_zero_length_database_is_refused_not_replaced(home: Path) -> None:
    home.mkdir(mode=0o700)
    (home / "runnotes.db").write_bytes(b"")
    with pytest.raises(RunnotesError, match="is empty"):
        open_store(load_settings())
    _one_line_error(run_cli("runs", "list", check=False), "runnotes.db", "empty")
    assert (home / "runnotes.db").stat().st_size == 0  # nothing was written over it


def test_a_file_that_is_not_a_database_is_refused(home: Path) -> None:
    home.mkdir(mode=0o700)
    (home / "runnotes.db").write_text("my notes\n")
    _one_line_error(run_cli("runs", "list", check=False), "not a SQLite database")


def _filled(store: Store) -> None:
    with runnotes.start_run("many", store=store) as run:
        for i in range(400):
            run.note(f"note {i} " + "x" * 400)
        run.artifact(__file__)


@pytest.mark.slow
def test_doctor_finds_a_corrupt_page(store: Store, home: Path) -> None:
    _filled(store)
    assert run_cli("doctor").returncode == 0
    db = home / "runnotes.db"
    with sqlite3.connect(db) as conn:  # a page in use (a free page is never read by the check)
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'capture'"
        ).fetchone()
    store.close()
    drafts.wait_idle(store)  # the detached refresh of the run's end reads the store too
    with sqlite3.connect(db) as conn:  # every page in the file itself: none newer in the WAL
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
    with db.open("r+b") as handle:
        handle.seek((root - 1) * size)  # the capture table's root page, and the two after it
        handle.write(os.urandom(3 * size))
    done = run_cli("doctor", "--json", check=False)
    assert done.returncode == 1, done.stderr
    database = [f for f in json.loads(done.stdout) if f["check"] == "database"]
    assert database[0]["level"] == "error" and "quick_check" in database[0]["message"]


@pytest.mark.slow
def test_doctor_finds_damaged_media_open_files_and_stale_runs(store: Store, home: Path) -> None:
    _filled(store)
    script = "import os, runnotes; runnotes.start_run('killed'); os._exit(0)"  # no clean end
    subprocess.run([sys.executable, "-c", script], check=True, env=os.environ)
    media = next(p for p in (home / "media").rglob("*") if p.is_file())
    media.write_bytes(b"changed")
    os.chmod(home / "runnotes.db", 0o644)
    findings = {f["check"]: f for f in json.loads(run_cli("doctor", "--json", check=False).stdout)}
    assert findings["media"]["level"] == "error" and "damaged" in findings["media"]["message"]
    assert findings["permissions"]["level"] == "warning"
    assert "runnotes.db" in findings["permissions"]["message"]
    assert findings["runs"]["level"] == "warning" and "close-stale" in findings["runs"]["message"]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung or firewalled server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def test_an_unanswering_postgresql_is_one_line_within_the_timeout(
    home: Path, silent_server: int
) -> None:
    env = {
        "RUNNOTES_DB": f"postgresql://u@127.0.0.1:{silent_server}/db",
        "RUNNOTES_STORE_CONNECT_TIMEOUT": "1",
    }
    _one_line_error(run_cli("runs", "list", env=env, check=False, timeout=60), "cannot open")


def test_an_unreachable_mlflow_server_is_one_line(home: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = run_cli("import", "mlflow", "--tracking-uri", f"http://127.0.0.1:{port}", check=False)
    _one_line_error(done, "MLflow store", "Connection refused")


def test_a_store_open_in_this_process_is_never_reopened_as_a_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing any descriptor of the database file drops SQLite's POSIX locks of the process:
    the header is read once, by the first open, never while a connection holds locks."""
    first = open_store(load_settings())
    try:
        with first.write() as session:  # a connection of this process holds the file now
            session.exec(select(Run)).all()

        def reopened(db_file: Path) -> None:
            raise AssertionError(f"{db_file} opened again while a connection holds its locks")

        monkeypatch.setattr("runnotes.store.db._check_header", reopened)
        open_store(load_settings()).close()
    finally:
        first.close()
