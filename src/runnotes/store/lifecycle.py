"""Archiving, deleting and restoring runs: nothing is removed, so everything can come back.

An archived run leaves the lists (``runs list``, the runs page, the API) but stays in reports and
comparisons; a deleted run leaves the reports too. Both keep every capture, and ``restore``
clears either mark. A run still logging can be archived too: its captures go on arriving.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from runnotes import events
from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.queries import resolve_run

ACTIONS = ("archive", "delete", "restore")


@dataclass(frozen=True)
class Changed:
    id: int
    name: str
    action: str


def change_runs(store: Store, refs: Sequence[str | int], action: str) -> list[Changed]:
    """Archive, delete or restore the runs ``refs`` name (ids or unambiguous names), all in one
    transaction: one unknown or ambiguous reference changes nothing."""
    if action not in ACTIONS:
        raise RunnotesError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    now = time.time()
    done = []
    with store.write() as session:
        for ref in refs:
            run: Run = resolve_run(session, ref)
            if action == "archive":
                run.archived_at = run.archived_at or now
            elif action == "delete":
                run.deleted_at = run.deleted_at or now
            else:
                run.archived_at = run.deleted_at = None
            session.add(run)
            done.append(Changed(id=run.id, name=run.name, action=action))
            events.queue(session, events.ReviewChanged(run.id))
    return done
