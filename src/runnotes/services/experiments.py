"""An experiment's goal: what its runs are for, as the drafts state it at the top.

The goal is the experiment's description, set from the CLI (``runnotes goal``), the SDK
(``runnotes.set_goal``), the web run page or the API. A spoken "the goal is …" is stored as a
pending note with role ``goal``; once approved, reports use the latest one when no description
was set (:attr:`runnotes.reports.data.ExperimentData.goal`).
"""

from __future__ import annotations

from runnotes import events
from runnotes.errors import RunnotesError
from runnotes.store.db import Store, get_row
from runnotes.store.models import Experiment, Run
from runnotes.store.runs import ensure_experiment, plain_text

MAX_GOAL = 10_000  # characters: a goal is a sentence or a paragraph, not a document

MAX_GOAL = 2000  # characters: a goal is a sentence or two, not a document


def _clean(text: str) -> str:
    goal = " ".join(text.split())
    if len(goal) > MAX_GOAL:
        raise RunnotesError(f"a goal is at most {MAX_GOAL} characters (this one is {len(goal)})")
    return goal


def goal_of(store: Store, experiment_id: int) -> str:
    """The experiment's goal as set (its description; "" when none was)."""
    with store.read() as session:
        return get_row(session, Experiment, experiment_id).description


def set_goal(store: Store, experiment: str, text: str, *, project: str | None = None) -> None:
    """Set (or, with empty text, clear) the goal of ``experiment``, created if new."""
    with store.write() as session:
        exp = ensure_experiment(session, project, experiment)
        exp.description = plain_text("a goal", _clean(text), MAX_GOAL)
        session.add(exp)


def set_run_goal(store: Store, run_id: int, text: str) -> str:
    """Set the goal of the experiment ``run_id`` belongs to; returns the experiment's name."""
    with store.write() as session:
        run = get_row(session, Run, run_id)
        exp = get_row(session, Experiment, run.experiment_id)
        exp.description = plain_text("a goal", _clean(text), MAX_GOAL)
        session.add(exp)
        events.queue(session, events.ReviewChanged(run_id))
        return exp.name
