"""Ending a run: one place for what every writer does when a run ends, in this order.

The run's row gets its status, exit code and end time; it leaves the active-run stack (the run
below it, if any, is active again); then subscribers hear ``run_ended`` (the drafts refresh).
Before all that, its lineage is inferred where nobody set it (:mod:`runnotes.services.lineage`):
by now its params and artifacts are stored, and the drafts refreshed next show the link.
The SDK (local runs, ``runnotes run end``, ``watch``, Jupyter) and the team server's ``/end``
all end runs through :func:`finish_run`.
"""

from __future__ import annotations

from runnotes.services.lineage import infer_quietly
from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.runs import end_run, remove_active


def finish_run(store: Store, run_id: int, status: str, exit_code: int | None) -> Run:
    """End the run and take it off the active stack; returns its row."""
    infer_quietly(store, run_id)  # first, so the drafts that RunEnded refreshes show the link
    row = end_run(store, run_id, status, exit_code)  # publishes RunEnded once committed
    remove_active(store, run_id)
    return row
