"""Ending a run: one place for what every writer does when a run ends, in this order.

The run's row gets its status, exit code and end time; it leaves the active-run stack (the run
below it, if any, is active again); then subscribers hear ``run_ended`` (the drafts refresh).
The SDK (local runs, ``runnotes run end``, ``watch``, Jupyter) and the team server's ``/end``
all end runs through :func:`finish_run`.
"""

from __future__ import annotations

from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.runs import end_run, remove_active


def finish_run(store: Store, run_id: int, status: str, exit_code: int | None) -> Run:
    """End the run and take it off the active stack; returns its row."""
    row = end_run(store, run_id, status, exit_code)  # publishes RunEnded once committed
    remove_active(store, run_id)
    return row


def status_of(exit_code: int | None) -> str:
    """The status an exit code says: 0 (or none recorded) ok, 130 (Ctrl-C) killed, else failed."""
    if not exit_code:
        return "ok"
    return "killed" if exit_code == 130 else "failed"
