"""The store: tables, sessions, migrations and the functions that read and write them.

Its public surface is :data:`PUBLIC`: the modules the services, parts and shells may import, and
from them only names without a leading underscore. The rest (``migrations``, ``filters``,
``media``) is the store's own. SQL is written only here: elsewhere a module asks one of these
functions (``tests/test_layers.py`` checks both rules).

Importing it registers the hook of :mod:`runnotes.store.points` that gives new captures ids from
the sequence they share with the logged points, wherever a capture is inserted from.
"""

from runnotes.store import points as _points  # noqa: F401
from runnotes.store.db import Store, open_store
from runnotes.store.models import Capture, Experiment, Kind, MediaFile, Project, Review, Run, Source

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
    }
)

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
