"""Ending a run: one place for what every writer does when a run ends, in this order.

The run's row gets its status, exit code and end time; it leaves the active-run stack (the run
below it, if any, is active again); then subscribers hear ``run_ended`` (the drafts refresh).
The SDK (local runs, ``runnotes run end``, ``watch``, Jupyter) and the team server's ``/end``
all end runs through :func:`finish_run`. Last, the run's charts are drawn and stored
(:func:`runnotes.store.series.store_charts`), so its page opens at once in any process.
"""

from __future__ import annotations

from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.runs import end_run, remove_active
from runnotes.store.series import store_charts


def finish_run(store: Store, run_id: int, status: str, exit_code: int | None) -> Run:
    """End the run and take it off the active stack; returns its row."""
    row = end_run(store, run_id, status, exit_code)  # publishes RunEnded once committed
    remove_active(store, run_id)
    with store.read() as session:  # its page's charts, ready for any process's first view
        store_charts(session, [run_id])
    return row
