"""Shared fixtures: a private RUNNOTES_HOME per test, a real SQLite store, a real PostgreSQL DB."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
ENV_VARS = ("RUNNOTES_DB", "RUNNOTES_MEDIA", "RUNNOTES_SERVER", "RUNNOTES_TOKEN")
# The spoken summary beside each README draft: espeak-ng (fast) even where Piper is installed,
# for the whole session (drafts left queued at exit included); Piper's own test asks for it.
os.environ.setdefault("RUNNOTES_LISTEN_ENGINE", "espeak-ng")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store folder, exported as RUNNOTES_HOME for this test and its subprocesses."""
    path = tmp_path / "home"
    monkeypatch.setenv("RUNNOTES_HOME", str(path))
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    opened = open_store(load_settings())
    yield opened
    opened.close()


def run_cli(
    *args: str,
    check: bool = True,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``runnotes`` CLI in a subprocess (the environment of this test included)."""
    done = subprocess.run(
        [sys.executable, "-m", "runnotes", *args],
        capture_output=True,
        text=True,
        input=input,
        errors="replace",
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"runnotes {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server that scripts/test starts (RUNNOTES_TEST_PG)."""
    server = os.environ.get("RUNNOTES_TEST_PG")
    if not server:
        pytest.skip(
            "RUNNOTES_TEST_PG is not set: run the suite through scripts/test (it starts PostgreSQL)"
        )
    from sqlalchemy import create_engine, text

    name = f"rn_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means: no server
        pytest.skip(f"PostgreSQL at RUNNOTES_TEST_PG is not reachable: {exc}")
    url = server.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, store: Store) -> Iterator[Store]:
    """The test's SQLite store, or a fresh database on the PostgreSQL server: a test that
    takes it runs on both backends."""
    if request.param == "sqlite":
        yield store
        return
    pg = open_store(load_settings(db_url=request.getfixturevalue("pg_url")))
    try:
        yield pg
    finally:
        pg.close()


def cli_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``runnotes ARGS`` in this process through the real ``main()`` (its error lines and exit
    codes, without a Python start per call): (exit code, stdout, stderr)."""
    from runnotes.cli import main

    monkeypatch.setattr(sys, "argv", ["runnotes", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out, err = capsys.readouterr()
    code = exit_.value.code
    return (code if isinstance(code, int) else 0), out, err
