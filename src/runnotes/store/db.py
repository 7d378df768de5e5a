"""Opening a store: the engine (WAL, busy timeout, immediate write transactions), migrations, media.

SQLite is one file beside its media folder. Writers take the write lock when their transaction
begins (``BEGIN IMMEDIATE``), so concurrent processes queue on the busy timeout instead of failing
with "database is locked" when a read transaction tries to upgrade. PostgreSQL works through any
SQLAlchemy URL in ``RUNNOTES_DB``.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from runnotes import events
from runnotes.config import Settings, load_settings
from runnotes.errors import NotFound, RunnotesError
from runnotes.store.folders import check_file, check_folder, private_dir, warn_if_open
from runnotes.store.media import MediaStore

if TYPE_CHECKING:  # SQLAlchemy loads with the first engine: a current SQLite store's captures
    from sqlalchemy import Engine  # never make one (see runnotes.store.sql)
    from sqlalchemy.engine import Connection
    from sqlmodel import Session, SQLModel

BUSY_TIMEOUT_S = 60  # default; `[store] busy_timeout` / RUNNOTES_STORE_BUSY_TIMEOUT
CONNECT_TIMEOUT_S = 10  # `[store] connect_timeout` / RUNNOTES_STORE_CONNECT_TIMEOUT
# Connections a process keeps (POOL_SIZE) and may add under load (POOL_OVERFLOW). A server runs
# at most this many requests against the store at once (runnotes.web.app), so a burst of
# clients waits for a thread instead of timing out on the pool.
POOL_SIZE = 10
POOL_OVERFLOW = 10
POOL_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW
MIGRATIONS = Path(__file__).parent / "migrations"


class Store:
    """An open store: the settings it was opened with, its media folder, and its database: the
    SQLAlchemy engine, made when first used, and for a SQLite file the stdlib connections the
    lean writes of :mod:`runnotes.store.sql` use (one per thread, open while the store is)."""

    def __init__(self, settings: Settings, media: MediaStore, engine: Engine | None = None) -> None:
        self.settings = settings
        self.media = media
        self.db_file = _sqlite_file(settings.db_url)
        self._engine = engine
        self._lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[tuple[int, sqlite3.Connection]] = []  # (pid, connection)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (made, and SQLAlchemy loaded, on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    cfg = self.settings.store
                    self._engine = make_engine(
                        self.settings.db_url, cfg.busy_timeout, cfg.connect_timeout
                    )
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.db_file is not None or self.engine.dialect.name == "sqlite"

    def sqlite(self) -> sqlite3.Connection:
        """This thread's stdlib connection to the SQLite file, set up as the engine's are (WAL,
        busy timeout, foreign keys; transactions begun by the caller). Never closed before the
        store: see ``_OPENED``. A forked child makes its own (SQLite's connections must not
        cross a fork), leaving its parent's alone."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            if self.db_file is None:
                raise RunnotesError("not a SQLite file store")
            timeout = self.settings.store.busy_timeout
            conn = _connect_sqlite(self.db_file, timeout)
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._connections.append((os.getpid(), conn))
        return conn

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A read session. SQLite: one snapshot (``BEGIN``). PostgreSQL: READ COMMITTED, each
        statement sees what was committed before it; with ``snapshot``, one read-only
        REPEATABLE READ transaction, for reads that must agree with each other (a chart's state
        and its values, :mod:`runnotes.store.series`). psycopg sets both in its ``BEGIN``: no
        round trip more."""
        from sqlmodel import Session

        if not snapshot or self.engine.dialect.name != "postgresql":
            with Session(self.engine) as session:
                yield session
            return
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with Session(bind=conn) as session:
                yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction holds the write lock from the start and commits on exit;
        then the events its writes queued (:func:`runnotes.events.queue`) are published."""
        from sqlmodel import Session

        with Session(self.engine.execution_options(immediate=True)) as session:
            try:
                with session.begin():
                    yield session
            except BaseException:
                events.discard_queued(session)
                raise
            events.publish_queued(self, session)

    @contextmanager
    def write_conn(self) -> Iterator[Connection]:
        """A Core connection in an immediate write transaction, for bulk inserts (events queued
        on it are published after the commit, as :meth:`write` does)."""
        with self.engine.execution_options(immediate=True).connect() as conn:
            try:
                with conn.begin():
                    yield conn
            except BaseException:
                events.discard_queued(conn)
                raise
            events.publish_queued(self, conn)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        with self._lock:
            connections, self._connections = self._connections, []
        for pid, conn in connections:
            if pid == os.getpid():  # a parent's, in a forked child: the parent's to close
                conn.close()


def _connect_sqlite(db_file: Path, busy_timeout: float) -> sqlite3.Connection:
    """A stdlib connection with the pragmas every connection of a store has (see
    :func:`_sqlite_engine`); ``BEGIN`` is issued by its user."""
    conn = sqlite3.connect(
        db_file, timeout=busy_timeout, check_same_thread=False, isolation_level=None
    )
    _pragmas(conn, busy_timeout)
    return conn


def _pragmas(dbapi_conn: Any, busy_timeout: float) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory ones).

    ``sqlite:///relative.db`` and ``sqlite:////abs.db`` are read here; a URL with a query or an
    escape is left to SQLAlchemy's parser (loaded only then)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] != "sqlite":
        return None
    if "?" in rest or "%" in rest:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            path = make_url(url).database
        except ArgumentError:
            return None
    else:
        path = rest[1:] if rest.startswith("/") else None
    return Path(path).expanduser() if path and path != ":memory:" else None


# Database files this process has opened. SQLite holds POSIX (fcntl) locks on the file, and
# closing *any* descriptor of it drops every such lock of the process: a process that has the
# store open must never open and close the file itself again, or its writes could go into a WAL
# another process resets (seen as likes the agent acknowledged and nobody could read).
_OPENED: set[Path] = set()


@contextmanager
def _opening(db_file: Path | None) -> Iterator[None]:
    """Tell a store being created from an empty, truncated one: creators take an ``flock`` on a
    lock file beside the database (never on the database file, see ``_OPENED``) and hold it
    until the schema is in; an opener waits for it, then checks the file's header once."""
    if db_file is None or db_file.resolve() in _OPENED:
        yield
        return
    check_file(db_file, "database")
    private_dir(db_file.parent, "database folder")
    try:
        fd = os.open(db_file.with_name(db_file.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise RunnotesError(f"cannot open database {db_file}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if db_file.exists():
            _check_header(db_file)
        else:  # user-only from the start (SQLite gives its -wal and -shm files the same mode)
            os.close(os.open(db_file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        yield
        _OPENED.add(db_file.resolve())
    finally:
        os.close(fd)  # releases the flock


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(
        url,
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        _pragmas(dbapi_conn, busy_timeout)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


SQLITE_MAGIC = b"SQLite format 3\x00"


def _check_header(db_file: Path) -> None:
    """Refuse a database file that is not one: an existing file of 0 bytes (a truncated copy, a
    full disk) would otherwise silently become a new, empty store. Pages inside are checked by
    ``runnotes doctor`` (``PRAGMA quick_check``): reading every page on each open costs too much."""
    with db_file.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if not head:
        raise RunnotesError(
            f"database {db_file} is empty (0 bytes): restore it from a backup, or delete it "
            "to start a new store"
        )
    if head != SQLITE_MAGIC:
        raise RunnotesError(f"database {db_file} is not a SQLite database (damaged or overwritten)")


def make_engine(
    url: str, busy_timeout: float = BUSY_TIMEOUT_S, connect_timeout: float = CONNECT_TIMEOUT_S
) -> Engine:
    """An engine for ``url``; ``busy_timeout`` is how long a SQLite writer waits for the lock,
    ``connect_timeout`` how long to wait for a database server to answer."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    # The tables, and with them the hook that numbers new captures (runnotes.store.points), are
    # there for every session of the engine.
    import_module("runnotes.store.models")
    try:
        dialect = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise RunnotesError(f"not a database URL: {url!r}") from exc
    if dialect == "sqlite":
        return _sqlite_engine(url, busy_timeout)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if dialect == "postgresql":
        from runnotes.store.models import postgresql_partial_indexes

        postgresql_partial_indexes()
    try:
        # A server that does not answer is one error line after CONNECT_TIMEOUT_S, not a hang.
        timeout = (
            {"connect_timeout": max(1, round(connect_timeout))} if dialect == "postgresql" else {}
        )
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args=timeout,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
    except ModuleNotFoundError:
        raise  # the driver of an extra this install lacks: the CLI names the extra
    except (NoSuchModuleError, ImportError) as exc:
        raise RunnotesError(f"unsupported database URL {url!r}: {exc}") from exc


def newest_revision() -> str:
    """The newest migration's revision id, from the file names alone.

    Each migration's file is named after its revision (``0010_observed_without_in.py`` holds
    revision ``0010_observed_without_in``) and numbered in order, so the newest is the largest name
    (``tests/store/test_upgrade.py`` checks it is Alembic's head). Opening a current store then
    needs neither Alembic's import nor its scan of every script: ~0.5 s of each CLI call."""
    return max(p.stem for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))


def _current_revision(engine: Engine) -> str | None:
    """The revision a database is at, read without Alembic (None: no schema yet)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _is_current(store: Store) -> bool:
    """Whether a SQLite file's schema is the newest, read through the store's own connection:
    opening a current store loads neither Alembic nor SQLAlchemy."""
    if store.db_file is None:
        return False
    conn = store.sqlite()
    table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    if conn.execute(table).fetchone() is None:
        return False
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row is not None and row[0] == newest_revision()


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest Alembic revision; a no-op when it is already there.
    Returns whether the database was empty (the store is being created)."""
    current = _current_revision(engine)
    if current == newest_revision():
        return False
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.execution_options(immediate=True).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")  # one migrator at a time
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return current is None


def open_store(settings: Settings | None = None) -> Store:
    """Open (creating and migrating if needed) the store the settings point at."""
    settings = settings or load_settings()
    folders = store_folders(settings)
    for path, what in folders:  # a file or a device given as a folder: refused, nothing touched
        check_folder(path, what)
    # The store folder holds notes, drafts and recordings: user-only in every mode when made here.
    private_dir(settings.home, "store folder")
    store = Store(settings, MediaStore(settings.media_dir))
    with _opening(store.db_file):
        try:
            created = not _is_current(store) and migrate(store.engine)
        except Exception as exc:
            reason = _database_error(exc)
            if reason is None:
                raise
            store.close()
            raise RunnotesError(
                f"cannot open database {_safe_url(settings.db_url)}: {reason}"
            ) from exc
    if created:  # the store's first write: name the existing folders others can read
        for path, what in folders:
            warn_if_open(path, what)
    return store


def _database_error(exc: BaseException) -> str | None:
    """The first line of a database's own error (None: ``exc`` is not one)."""
    if isinstance(exc, sqlite3.Error):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    database = sys.modules.get("sqlalchemy.exc")  # loaded by whoever made an engine
    if database is None or not isinstance(exc, database.DBAPIError):
        return None
    return str(exc.orig).splitlines()[0] if exc.orig else str(exc)


def store_folders(settings: Settings) -> list[tuple[Path, str]]:
    """The folders a store writes in, with what each is called in a message."""
    drafts = settings.drafts
    return list(
        dict.fromkeys(
            [
                (settings.home, "store folder"),
                (settings.media_dir, "media folder"),
                (drafts.root(settings.home), "drafts folder"),
                *(
                    (p.dir.expanduser(), f"drafts folder of {name}")
                    for name, p in drafts.projects.items()
                ),
            ]
        )
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


Row = TypeVar("Row", bound="SQLModel")


def get_row(session: Session, model: type[Row], row_id: int) -> Row:
    """``session.get`` that says what is missing ("no run with id 7") instead of returning None.

    An id beyond 64 bits is missing too (the database driver would overflow on it)."""
    row = session.get(model, row_id) if is_row_id(row_id) else None
    if row is None:
        raise NotFound(f"no {model.__name__.lower()} with id {row_id}")
    return row


ID_BATCH = 10_000  # ids bound in one IN (...): PostgreSQL takes 65 535 parameters, SQLite 32 766


def id_batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``ids`` in slices small enough for one statement on either database."""
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def is_row_id(value: object) -> bool:
    """Whether ``value`` can be a row id: an int that fits the 64-bit columns."""
    return isinstance(value, int) and 0 <= value < 2**63


def upsert(dialect: str, table: Any) -> Any:
    """An ``INSERT`` into ``table`` that takes ``ON CONFLICT`` clauses, for ``dialect``
    (PostgreSQL and SQLite both have them, each through its own construct). Each dialect's
    module is loaded when first asked, as its engine loads it: a SQLite store's commands never
    load PostgreSQL's (~35 ms of a CLI call's start-up)."""
    name = "postgresql" if dialect == "postgresql" else "sqlite"
    return import_module(f"sqlalchemy.dialects.{name}").insert(table)
