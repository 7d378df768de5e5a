"""The store: tables, sessions, migrations and the functions that read and write them.

Its public surface is :data:`PUBLIC`: the modules the services, parts and shells may import, and
from them only names without a leading underscore. The rest (``migrations``, ``filters``,
``media``) is the store's own. SQL is written only here: elsewhere a module asks one of these
functions (``tests/test_layers.py`` checks both rules).

Importing it loads no table: a capture command on a current SQLite store writes through
:mod:`runnotes.store.sql` without SQLAlchemy. The tables named below load when first asked for,
and with them (:mod:`runnotes.store.models`) the hook of :mod:`runnotes.store.points` that gives
new captures ids from the sequence they share with the logged points.
"""

from typing import Any

from runnotes.store.db import Store, open_store
from runnotes.store.kinds import Kind, Review, Source

# The modules outside code may import (``runnotes.store.<name>``), by what they are for.
PUBLIC = frozenset(
    {
        "db",  # Store, open_store, get_row: sessions and the store's folders
        "models",  # the tables and their enums (Run, Capture, RunStatus, Kind, Review…)
        "runs",  # writing runs and captures, the active-run stack
        "queries",  # runs lists, filters, run details, comparisons, latest values
        "series",  # metric series: names, points, extremes
        "review",  # the review queue: pending captures, set/edit reviews
        "annotations",  # likes and spoken values linked to the logged series
        "lifecycle",  # archive, delete, restore runs
        "timeline",  # the timeline page's counts and rows
        "folders",  # private folders and files the store makes
        "experiments",  # reports and drafts: experiments, periods, published versions
        "captures",  # capture look-ups: known values, names, derived captures, imports
        "health",  # the doctor's reads
        "ingest",  # team-server batches: Idempotency-Key checks
        "logins",  # the login throttle's shared count of wrong tokens
        "lineage",  # where runs came from (links, evidence), the overview's card order
        "kinds",  # the enums of the text columns (Kind, Source, Review, RunStatus)
    }
)
_TABLES = frozenset({"Capture", "Experiment", "MediaFile", "Project", "Run"})


def __getattr__(name: str) -> Any:
    """The tables, loaded (with SQLAlchemy) only when a caller asks for one."""
    if name in _TABLES:
        from runnotes.store import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PUBLIC",
    "Capture",
    "Experiment",
    "Kind",
    "MediaFile",
    "Project",
    "Review",
    "Run",
    "Source",
    "Store",
    "open_store",
]
