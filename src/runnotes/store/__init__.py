"""The store: tables, sessions, migrations and the functions that read and write them."""

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
