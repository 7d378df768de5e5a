"""Shared fixtures: a private RUNNOTES_HOME per test, a real SQLite store, a real PostgreSQL DB."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from runnotes.config import load_settings
from runnotes.store import Store, db, open_store

ROOT = Path(__file__).resolve().parents[1]
ENV_VARS = ("RUNNOTES_DB", "RUNNOTES_MEDIA", "RUNNOTES_SERVER", "RUNNOTES_TOKEN")
# The spoken summary beside each README draft: espeak-ng (fast) even where Piper is installed,
# for the whole session (drafts left queued at exit included); Piper's own test asks for it.
os.environ.setdefault("RUNNOTES_LISTEN_ENGINE", "espeak-ng")
# Drafts do not refresh by themselves in tests (charts, a .docx, a spoken summary: most of the
# fast tier's CPU went into refreshes that tests about other things set off, in the test process
# or a detached drainer). A test of drafts asks for them with the ``auto_drafts`` fixture (a
# module: ``pytestmark = pytest.mark.usefixtures("auto_drafts")``). Child processes inherit it.
os.environ["RUNNOTES_DRAFTS_AUTO"] = "false"


@pytest.fixture
def auto_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts refresh by themselves, as a user's do (the settings' default or config.toml's)."""
    monkeypatch.delenv("RUNNOTES_DRAFTS_AUTO", raising=False)


@pytest.fixture(scope="session", autouse=True)
def new_stores_from_a_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new SQLite store made in this process (or a child forked from it) starts as a copy of
    one store Alembic made at the session's start, instead of running every migration again
    (0.1-0.25 s of CPU per store; the fast tier makes hundreds).

    Only an empty database file is filled, with the bytes Alembic's own migrations wrote, and
    ``migrate`` still says the store is new. The bytes are held in memory, so a forked child
    acting as another user (``tests/bystanders.py``) can fill its own file (it could not read a
    template file of root's). Databases that hold anything, PostgreSQL, processes started anew
    (``runnotes`` as a user starts it) and the migration tests (``tests/store/test_upgrade.py``
    calls them directly) take the real path."""
    path = tmp_path_factory.mktemp("template") / "runnotes.db"
    real_migrate = db.migrate
    engine = db.make_engine(f"sqlite:///{path}")
    real_migrate(engine)
    with engine.connect() as conn:  # every page in the file itself, none left in its WAL
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    template = path.read_bytes()

    def migrate(engine: Engine) -> bool:
        file = engine.url.database if engine.dialect.name == "sqlite" else None
        if not file or file == ":memory:" or os.path.getsize(file) != 0:
            return real_migrate(engine)
        engine.dispose()  # no connection of this process may hold the file while it is filled
        with open(file, "r+b") as handle:  # the file keeps its owner and mode
            handle.write(template)
        return True

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "migrate", migrate)
        yield


@pytest.fixture(autouse=True)
def no_draft_refresh_outlives_its_test() -> Iterator[None]:
    """A test's queued draft refreshes end with it: what is queued is dropped, a refresh under
    way is waited for, and the next test gets new refreshers. Otherwise a refresher thread
    renders after its test (into a folder or PostgreSQL database already removed, through
    another test's monkeypatches), and ``drafts.refresher(store)`` — keyed by ``id(store)`` —
    hands a new store the old store's refresher when the id is reused."""
    yield
    drafts = sys.modules.get("runnotes.reports.drafts")
    if drafts is None:
        return
    for refresher in list(drafts._refreshers.values()):
        with refresher._cond:
            refresher._pending.clear()
        if refresher._busy.acquire(timeout=120):
            refresher._busy.release()
    drafts._refreshers.clear()


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
    process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``runnotes ARGS`` as a user runs it (the environment of this test included): in this
    process through the real ``main()`` (:func:`as_new_process`), or with ``process=True`` as a
    real ``python -m runnotes`` child, for what only a process shows (its exit, signals, a start
    in a base install, other processes at the same time)."""
    if process:
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
    else:
        with as_new_process(*args, env=env, input=input) as result:
            result.returncode = _main_exit_code()
        done = subprocess.CompletedProcess(["runnotes", *args], result.returncode)
        done.stdout, done.stderr = result.stdout, result.stderr
    if check and done.returncode != 0:
        raise AssertionError(f"runnotes {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


@dataclass
class _Result:
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


@contextmanager
def as_new_process(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> Iterator[_Result]:
    """This process as a fresh ``runnotes`` process sees it, and its exit, for a CLI call made
    in-process (no Python start and no imports per call: 1-2 s each on the shared 2 cores).

    Inside: ``sys.argv`` is ``runnotes ARGS``, ``env`` added to the environment, stdin/stdout/
    stderr those of Typer's ``CliRunner``, the SDK's per-process state (open stores, active run
    handles, team clients) empty. On the way out, what an exit does — the SDK's exit handler on
    those handles, queued draft refreshes handed to a detached process — then the stores closed,
    and the environment (commands set defaults in it), the ``runnotes`` logger's handlers and the
    SDK's state put back as they were. The output is on the result once the block has ended."""
    from runnotes.backend import local, remote
    from runnotes.sdk.run import OPEN

    saved_env = dict(os.environ)
    logger = logging.getLogger("runnotes")
    saved_handlers = list(logger.handlers)
    drafts = sys.modules.get("runnotes.reports.drafts")
    refreshing = set(drafts._refreshers) if drafts else set()
    result = _Result()
    with pytest.MonkeyPatch.context() as patch:
        for holder, name in (
            (local, "_stores"),
            (local, "_backends"),
            (remote, "_backends"),
            (OPEN, "stack"),
            (OPEN, "handles"),
            (OPEN, "exit_codes"),
        ):
            patch.setattr(holder, name, type(getattr(holder, name))())
        patch.setattr(sys, "argv", ["runnotes", *args])
        os.environ.update(env or {})
        runner = CliRunner()
        try:
            with runner.isolation(input=input) as (out, err, _):
                try:
                    yield result
                finally:
                    OPEN.close()  # the exit handler, on this call's runs and handles
                    OPEN.stack.clear()
                    OPEN.handles.clear()
                    drafts = sys.modules.get("runnotes.reports.drafts")
                    for key in set(drafts._refreshers) - refreshing if drafts else ():
                        drafts._refreshers.pop(key).hand_over()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    result.stdout = out.getvalue().decode("utf-8", "replace")
                    result.stderr = err.getvalue().decode("utf-8", "replace")
        finally:
            for opened in local._stores.values():
                opened.close()
            os.environ.clear()
            os.environ.update(saved_env)
            logger.handlers[:] = saved_handlers


def _main_exit_code() -> int:
    """``main()`` on ``sys.argv``: its exit code as the process's would be (a traceback on stderr
    and 1 for an exception it lets through)."""
    from runnotes.cli import main

    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


@contextmanager
def _pg_database(template: str | None = None) -> Iterator[str]:
    """A new database on the PostgreSQL server that scripts/test starts (RUNNOTES_TEST_PG),
    empty or a copy of ``template``; dropped on the way out."""
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
            conn.execute(
                text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            )
    except Exception as exc:  # noqa: BLE001 - any connection failure means: no server
        pytest.skip(f"PostgreSQL at RUNNOTES_TEST_PG is not reachable: {exc}")
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def pg_url(home: Path) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server that scripts/test starts (its store's
    folder — drafts, their requests, media — is the test's ``home``, never ``~``)."""
    with _pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def _pg_store_template() -> Iterator[str]:
    """A database migrated once per session by Alembic, with no connection left to it, for
    :func:`pg_store_url` to copy (0.2 s a copy against 3 s of migrations, measured)."""
    with _pg_database() as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        engine.dispose()
        yield url.rsplit("/", 1)[1]


@pytest.fixture
def pg_store_url(_pg_store_template: str, home: Path) -> Iterator[str]:
    """A fresh database on the PostgreSQL server holding a new, migrated store (a copy of
    :func:`_pg_store_template`): for tests of a store on PostgreSQL, not of its migrations;
    its folder is the test's ``home``."""
    with _pg_database(template=_pg_store_template) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, store: Store) -> Iterator[Store]:
    """The test's SQLite store, or a fresh database on the PostgreSQL server: a test that
    takes it runs on both backends."""
    if request.param == "sqlite":
        yield store
        return
    pg = open_store(load_settings(db_url=request.getfixturevalue("pg_store_url")))
    try:
        yield pg
    finally:
        pg.close()


def cli_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``runnotes ARGS`` in this process (:func:`run_cli`): (exit code, stdout, stderr)."""
    done = run_cli(*args, check=False)
    return done.returncode, done.stdout, done.stderr


def stored_values(store: Store, run_id: int, name: str) -> list[tuple[int, float]]:
    """Every value logged under ``name`` in a run, in the order stored (a series would keep one
    per step): how a test sees that each value was stored once."""
    from sqlalchemy import text

    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT p.step, p.value FROM series_point p JOIN series_name n"
                " ON n.id = p.name_id WHERE p.run_id = :run AND n.name = :name ORDER BY p.id"
            ),
            {"run": run_id, "name": name},
        )
        return [(step, value) for step, value in rows]
