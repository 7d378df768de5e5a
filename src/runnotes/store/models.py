"""The tables: Project → Experiment → Run → Capture, plus content-addressed MediaFile.

Times are Unix seconds (REAL): cheap to write in bulk, free of time-zone ambiguity, and the same
in SQLite and PostgreSQL. A Capture is one observed fact about a run: a metric value at a step, a
parameter, a note, a voice transcript, a screenshot, a dataset fingerprint, a diff, an artifact.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Index,
    Text,
    UniqueConstraint,
    and_,
    case,
    text,
)
from sqlmodel import Field, SQLModel

from runnotes.store.kinds import (  # noqa: F401 - the tables' enums, where they were defined
    ENDINGS,
    LOGGED_SOURCES,
    POINT_SOURCES,
    Kind,
    Review,
    RunStatus,
    Source,
)


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = ""
    created_at: float


class Experiment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str
    description: str = ""
    created_at: float
    # The projects overview as the user arranged it (migration 0016): NULL position sorts by
    # last activity after the placed cards; pinned cards come first; archived ones leave it.
    position: int | None = None
    pinned: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    archived_at: float | None = None


class Link(StrEnum):
    """How a run came from its parent (``run.link_how``)."""

    fork = "fork"  # same code, changed params
    resume = "resume"  # continued from the parent's checkpoint (``link_step``)
    finetune = "finetune"  # started from the parent's model
    rerun = "rerun"  # same everything
    variant = "variant"  # a sibling tried beside it


class Run(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    name: str = Field(index=True)
    status: str = "running"  # running, ok, failed, killed, crashed (its process died)
    started_at: float = Field(index=True)
    ended_at: float | None = None
    exit_code: int | None = None
    command: str | None = None
    cwd: str | None = None
    host: str | None = None
    pid: int | None = None  # the process that ends the run (None: ended by hand, `run end`)
    pid_started: float | None = None  # its start time: a reused pid is not taken for it
    python_version: str | None = None
    packages_sha: str | None = Field(default=None, foreign_key="mediafile.sha256")
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None
    git_diff_sha: str | None = Field(default=None, foreign_key="mediafile.sha256")
    # The installed distributions the run's script imports, space-separated (migration 0011):
    # what "how to reproduce" lists. None: not known (an import, a command that is no script).
    imports: str | None = None
    source_id: str | None = Field(default=None, unique=True)  # e.g. "mlflow:<run id>" for imports
    description: str = ""
    # Out of the way but kept: archived runs leave the lists, deleted ones every list and report;
    # `runnotes runs restore` brings either back (migration 0006).
    archived_at: float | None = None
    deleted_at: float | None = None
    # Moved by a trigger when a stored metric value changes in place (migration 0008), and by
    # the store's writers when any other capture does (``sql.changed_in_place``): the cached
    # series of :mod:`runnotes.store.series` and experiment trees know they are stale.
    series_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Lineage (migration 0016): the run this one came from and how. ``link_source`` says who
    # set it: "start" (given when it started), "hand" (edited later; an unlink too) or
    # "inferred" (runnotes, from ``link_evidence``); inference fills only a NULL source.
    parent_id: int | None = Field(default=None, index=True)
    link_how: str | None = None
    link_step: int | None = None
    link_source: str | None = None
    link_evidence: str | None = None

    # Bookkeeping of this store, not facts about the run: left out of exports and the API.
    INTERNAL: ClassVar[frozenset[str]] = frozenset({"series_version"})


class RunTag(SQLModel, table=True):
    run_id: int = Field(foreign_key="run.id", primary_key=True)
    tag: str = Field(primary_key=True, index=True)


class MediaFile(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    mime: str
    size: int
    original_name: str | None = None
    created_at: float


# The values on a run's timeline: metric and param captures that code did not log. No IN lists:
# SQLite tests a partial index's condition on every insert, and IN made that a third of the bulk
# metric insert (migration 0010).
OBSERVED = (
    "(kind = 'metric' OR kind = 'param') "
    "AND source <> 'sdk' AND source <> 'watch' AND source <> 'import'"
)


class Capture(SQLModel, table=True):
    # The partial indexes name their WHERE for SQLite here; PostgreSQL's, the same clause, is
    # added when a PostgreSQL engine is made (:func:`postgresql_partial_indexes`).
    __table_args__ = (
        # "Latest value of a metric/param per run" (filters, metric sorts): migration 0003.
        Index("ix_capture_run_kind_name", "run_id", "kind", "name", "id"),
        # The review queue: pending captures are few (what code records is approved), so this
        # index stays small and bulk logging never writes to it (migration 0005).
        Index(
            "ix_capture_pending",
            "id",
            sqlite_where=text("review = 'pending'"),
        ),
        # A run's timeline: values a person or the agent added (likes, spoken values), without
        # the values code logged, so a run with a million of those pages as fast (migration 0008).
        Index(
            "ix_capture_observed",
            "run_id",
            "id",
            sqlite_where=text(OBSERVED),
        ),
        # What a voice note gave (a retry replaces it), migration 0009.
        Index(
            "ix_capture_parent",
            "parent_id",
            sqlite_where=text("parent_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id")
    kind: str
    source: str
    name: str | None = None
    value: float | None = None
    text: str | None = None
    step: int | None = None
    timestamp: float
    origin: str | None = None  # the tool/window or file it came from
    review: str = Field(default=Review.pending)
    media_sha: str | None = Field(default=None, foreign_key="mediafile.sha256")
    # What code relies on is a column (migration 0009); ``extra`` keeps free-form detail only.
    role: str | None = None  # a note's or spoken value's role: rationale, next_step, goal, metric…
    confidence: float | None = None  # how sure Whisper was of the sentence it was heard in
    liked: bool = False  # a person pointed at it (hotkey, `runnotes like`, `run.like`)
    via: str | None = None  # how a like read it: selection, clipboard, ocr
    parent_id: int | None = None  # the capture this one came from (the voice note it was heard in)
    status: str | None = None  # a voice note's transcription: pending, ok or failed
    # A like from the browser extension (migration 0014): the page, its tool, and where the exact
    # value came from when the page showed a rounding of it (``tensorboard:scalars``…).
    url: str | None = None
    page_title: str | None = None
    tool: str | None = None
    exact_from: str | None = None
    # A like or spoken value beside the run's logged series (migration 0011): the logged point
    # it equals, or (with ``conflict`` saying why) the logged value it contradicts.
    logged_id: int | None = None
    conflict: str | None = None
    extra: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class SeriesName(SQLModel, table=True):
    """A metric name a run's code logged, interned: a point row carries its integer id
    (migration 0015)."""

    __tablename__ = "series_name"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


def postgresql_partial_indexes() -> None:
    """Give the capture table's partial indexes their WHERE for PostgreSQL (the same as SQLite's).

    Called when a PostgreSQL engine is made, which loads that dialect anyway: naming the clause
    in ``__table_args__`` loads it on import, ~35 ms of every CLI call on a SQLite store."""
    for index in Capture.__table__.indexes:
        where = index.dialect_options["sqlite"]["where"]
        if where is not None:
            index.dialect_options["postgresql"]["where"] = where


class SeriesPoint(SQLModel, table=True):
    """One value a run's code logged (SDK, ``watch``, imports): the narrow table of the series.

    A logged value is a fact, stored approved and never changed in place, so the row keeps only
    what a series needs (migration 0015). Likes, spoken values and every other capture stay in
    :class:`Capture`. Ids come from the capture ids' sequence (one id space): "the newest value"
    is the largest id across both tables, and a like's ``logged_id`` names one row of either.
    A value NULL is a NaN (SQLite keeps no NaN in a REAL column)."""

    __tablename__ = "series_point"
    __table_args__ = (Index("ix_series_point_run_name", "run_id", "name_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int  # of a run; no foreign key: checked once per batch, not per row (0020)
    name_id: int  # of a series_name row, from points.name_ids in the writer's transaction
    step: int | None = Field(default=None, sa_column=Column(BigInteger))
    value: float | None = None
    timestamp: float
    source: int = 0  # index into POINT_SOURCES


class SeriesChart(SQLModel, table=True):
    """A series' chart buckets, stored so a new process draws a long series without reading it
    (:mod:`runnotes.store.series`, migration 0015): the M4 points per ``max_points``, valid
    while the series' state (newest id, the run's ``series_version``) is ``newest``/``version``;
    newer values that only append are merged in on the next read."""

    __tablename__ = "series_chart"

    run_id: int = Field(foreign_key="run.id", primary_key=True)
    name: str = Field(primary_key=True)
    max_points: int = Field(primary_key=True)
    newest: int
    version: int
    shape: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


def counted() -> ColumnElement[bool]:
    """The trust model's rule, as a SQL condition: the captures that count as facts.

    Values code recorded (SDK, ``watch``, imports, likes) are stored approved; values runnotes
    inferred (spoken, low-confidence OCR) stay pending until a person approves them. Only approved
    values count in latest and best values, series, filters, comparisons and exports; pending ones
    are shown as such (review queue, run timeline) and reports say how many they left out.

    A like or spoken value of a name the run's code logged is an annotation beside that series
    (``logged_id`` set, :mod:`runnotes.store.annotations`): it never counts as the run's value.
    """
    return and_(Capture.review == Review.approved, Capture.logged_id.is_(None))


def finite_value(value: Any = None) -> ColumnElement[Any]:
    """A capture's value when it is a finite number, else NULL: what a best value is chosen
    from, so SQL's ``min``/``max`` follow the one "better" rule (``services.metrics.is_better``:
    a diverged run's ``inf`` is no result). SQLite keeps ±inf and stores NaN as NULL;
    PostgreSQL keeps NaN above every number, inf included. ``value``: another column of values
    (the logged points' union, :func:`runnotes.store.points.metric_rows`)."""
    value = Capture.value if value is None else value
    return case((and_(value > -math.inf, value < math.inf), value))


def mark(source: str | None, liked: bool) -> str | None:
    """How a value not logged by code is marked where it shows: "liked" or "said" (None: logged)."""
    if liked:
        return "liked"
    return "said" if source == Source.voice else None


class Draft(SQLModel, table=True):
    """A draft file runnotes keeps current, and the hash of what it last wrote there.

    A file whose hash no longer matches was edited by hand: the next refresh writes beside it.
    """

    path: str = Field(primary_key=True)
    kind: str  # readme, progress or listen (the spoken summary)
    project: str
    experiment_id: int | None = Field(default=None, foreign_key="experiment.id")
    sha256: str | None = Field(default=None, max_length=64)
    refreshed_at: float | None = None
    trigger: str | None = None
    edited: bool = False
    error: str | None = None


class PublishedReport(SQLModel, table=True):
    """A report frozen when it was published: the exact Markdown, its sha256 and its version.

    Versions count per experiment and reader; publishing a report whose hash matches the latest
    version adds nothing (migration 0013).
    """

    __table_args__ = (UniqueConstraint("experiment_id", "reader", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    reader: str  # engineer, manager, reviewer or a user's own template name
    version: int
    sha256: str = Field(max_length=64)
    markdown: str = Field(sa_column=Column(Text, nullable=False))
    published_at: float


class IngestKey(SQLModel, table=True):
    """A team-server write that was committed, by the key its client sent with it.

    A client that lost the answer (a worker killed, a connection reset) sends the same batch
    again with the same key; the server finds the key and answers what it answered the first
    time instead of storing the batch twice. Inserted in the batch's own transaction, so a key is
    here exactly when its values are (migration 0016).
    """

    __tablename__ = "ingest_key"

    key: str = Field(primary_key=True, max_length=64)
    run_id: int
    answer: str | None = None  # the JSON answer of the first request
    created_at: float = Field(index=True)


class LoginFailure(SQLModel, table=True):
    """Wrong tokens per client address, shared by every worker and server on this database
    (``web.security.Throttle``): a guesser cannot spread guesses over workers (migration 0016)."""

    __tablename__ = "login_failure"

    client: str = Field(primary_key=True, max_length=200)
    count: int
    last: float


# Whoever holds the tables has the hook that gives a new capture its id from the sequence it
# shares with the logged points (a flush of an ORM session on SQLite): registered here, as the
# tables load, since the store package itself no longer loads them.
from runnotes.store import points as _points  # noqa: E402, F401
