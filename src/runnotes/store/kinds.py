"""The values of the store's text columns that code relies on: kinds, sources, review states and
run statuses. Kept apart from the tables (:mod:`runnotes.store.models`, which loads SQLAlchemy) so
that the capture commands' lean path (:mod:`runnotes.store.sql`) names them without it."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    metric = "metric"
    param = "param"
    note = "note"
    voice = "voice"
    screenshot = "screenshot"
    dataset = "dataset"
    code = "code"
    artifact = "artifact"


class Source(StrEnum):
    sdk = "sdk"
    cli = "cli"
    watch = "watch"
    hotkey = "hotkey"
    voice = "voice"
    import_ = "import"
    web = "web"
    browser = "browser"  # the browser extension (migration 0014)


class Review(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class RunStatus(StrEnum):
    running = "running"
    ok = "ok"
    failed = "failed"
    killed = "killed"
    crashed = "crashed"  # its process died: set by runnotes (close_stale), never by a writer


# What a writer (SDK, ``run end``, the team server's ``/end``) may end a run with.
ENDINGS = (RunStatus.ok, RunStatus.failed, RunStatus.killed)

# The sources of code-logged values, as the small integers ``series_point.source`` stores.
POINT_SOURCES = ("sdk", "watch", "import")

# Sources whose values are what code logged: the run's series (a like through them is not).
LOGGED_SOURCES = frozenset({Source.sdk, Source.watch, Source.import_})


def is_logged(kind: str, source: str, liked: bool, review: str) -> bool:
    """Whether a metric value is one code logged: it goes to ``series_point``."""
    return kind == Kind.metric and source in LOGGED_SOURCES and not liked and review == "approved"
