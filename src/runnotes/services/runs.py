"""Ending a run: one place for what every writer does when a run ends, in this order.

The run's row gets its status, exit code and end time; it leaves the active-run stack (the run
below it, if any, is active again); then subscribers hear ``run_ended`` (the drafts refresh).
Before all that, its lineage is inferred where nobody set it (:mod:`runnotes.services.lineage`):
by now its params and artifacts are stored, and the drafts refreshed next show the link.
The SDK (local runs, ``runnotes run end``, ``watch``, Jupyter) and the team server's ``/end``
all end runs through :func:`finish_run`, with the status an exit code gives (:func:`status_of`)
when the writer has a code and no status of its own (``watch``, ``run end``, W&B-style calls).
Last, the run's charts are drawn and stored (:func:`runnotes.store.series.store_charts`), so its
page opens at once in any process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnotes.store.db import Store
from runnotes.store.kinds import RunStatus
from runnotes.store.runs import end_run, remove_active

if TYPE_CHECKING:
    from runnotes.store.models import Run

# A process stopped by Ctrl-C exits 130 (128 + SIGINT), as shells report it.
CTRL_C_EXIT = 130


def status_of(exit_code: int | None, *, signalled: bool = False) -> RunStatus:
    """The status an exit code says: 0 (or none recorded) ``ok``; Ctrl-C's 130, or a command
    runnotes itself stopped with a signal (``signalled``), ``killed``; anything else ``failed``."""
    if signalled or exit_code == CTRL_C_EXIT:
        return RunStatus.killed
    return RunStatus.ok if not exit_code else RunStatus.failed


def finish_run(
    store: Store, run_id: int, status: str, exit_code: int | None, *, charts: bool = True
) -> Run:
    """End the run and take it off the active stack; returns its row. ``charts``: draw and
    store its charts now (not while its values are still arriving: ``watch``'s reader draws
    them when it has stored the last one)."""
    # Loaded here: a capture command (`runnotes note`) needs status_of only, not the inference
    # and the chart reads (their queries are ~10 % of its start-up).
    from runnotes.services.lineage import infer_quietly
    from runnotes.store.series import store_charts

    infer_quietly(store, run_id)  # first, so the drafts that RunEnded refreshes show the link
    row = end_run(store, run_id, status, exit_code)  # publishes RunEnded once committed
    remove_active(store, run_id)
    if charts:
        with store.read(snapshot=True) as session:  # its charts, for any process's first view
            store_charts(session, [run_id])
    return row
