"""The store: tables, sessions, migrations and the functions that read and write them.

Importing it registers the hook of :mod:`runnotes.store.points` that gives new captures ids from
the sequence they share with the logged points, wherever a capture is inserted from.
"""

from runnotes.store import points as _points  # noqa: F401
from runnotes.store.db import Store, open_store
from runnotes.store.models import Capture, Experiment, Kind, MediaFile, Project, Review, Run, Source

__all__ = [
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
