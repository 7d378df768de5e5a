"""The overview page's rows: every experiment with its activity and the best value of its main
metric (the one reported in the most runs; best by :mod:`runnotes.services.metrics`), and the
same experiments as the home page's cards, in the order the user gave them.

Cards: pinned ones first, then the others; within each, the stored position (dragged or moved
from the keyboard), and cards never placed after them by last activity, newest first. Archived
cards leave the list for a section of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from runnotes.services.metrics import ExperimentBest, experiment_bests
from runnotes.services.values import main_metrics
from runnotes.store.db import Store
from runnotes.store.lineage import (
    card_states,
    experiment_counts,
    latest_note,
    latest_runs,
    set_card_order,
)
from runnotes.store.review import experiment_activity
from runnotes.store.runs import shown_status

PROGRESS_CHARS = 160


@dataclass
class ExperimentOverview:
    project: str
    experiment: str
    runs: int
    last_activity: float | None
    best_metric: str | None = None
    best_value: float | None = None
    id: int | None = None


@dataclass
class Card:
    """An experiment on the home page."""

    exp: ExperimentOverview
    status: str | None  # of its newest run
    latest_run: str | None
    progress: str | None  # its newest note, shortened
    review: int  # captures of it waiting for review
    position: int | None
    pinned: bool
    archived: bool


def experiments_overview(
    store: Store, bests: dict[int, list[ExperimentBest]] | None = None
) -> list[ExperimentOverview]:
    bests = experiment_bests(store) if bests is None else bests
    rows = []
    for exp_id, project, experiment, runs, last in experiment_activity(store):
        main = bests.get(exp_id, [None])[0]
        rows.append(
            ExperimentOverview(
                project=project,
                experiment=experiment,
                runs=runs,
                last_activity=last,
                best_metric=main.metric if main else None,
                best_value=main.value if main else None,
                id=exp_id,
            )
        )
    return rows


def _short(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= PROGRESS_CHARS else text[: PROGRESS_CHARS - 1] + "…"


def _headline(store: Store, bests: list[ExperimentBest]) -> ExperimentBest | None:
    """The best value a card shows: of the metric a person looks at first (as the tree's key
    metric is chosen), not merely the most reported one."""
    chosen = main_metrics(
        [b.metric for b in bests],
        preferred=store.settings.reports.primary_metric,
        lower=store.settings.reports.lower_is_better,
        coverage={b.metric: b.runs for b in bests},
        limit=1,
    )
    return next((b for b in bests if chosen and b.metric == chosen[0]), None)


def cards(store: Store) -> list[Card]:
    """Every experiment as a card, in the user's order (see the module's rules)."""
    states = card_states(store)
    bests = experiment_bests(store)
    latest = latest_runs(store)
    pending = experiment_counts(store)
    found = []
    for exp in experiments_overview(store, bests):
        position, pinned, archived_at = states.get(exp.id, (None, False, None))  # type: ignore[arg-type]
        run = latest.get(exp.id)  # type: ignore[arg-type]
        headline = _headline(store, bests.get(exp.id, []))  # type: ignore[arg-type]
        if headline is not None:
            exp.best_metric, exp.best_value = headline.metric, headline.value
        found.append(
            Card(
                exp=exp,
                status=shown_status(run) if run else None,
                latest_run=run.name if run else None,
                progress=_short(latest_note(store, exp.id)) if exp.runs else None,  # type: ignore[arg-type]
                review=pending.get(exp.id, 0),  # type: ignore[arg-type]
                position=position,
                pinned=pinned,
                archived=archived_at is not None,
            )
        )
    found.sort(
        key=lambda c: (
            not c.pinned,
            c.position is None,
            c.position or 0,
            -(c.exp.last_activity or 0),
        )
    )
    return found


def move_card(store: Store, experiment_id: int, offset: int) -> None:
    """Move a card up (``offset`` < 0) or down among the shown cards; stores the whole order."""
    shown = [c.exp.id for c in cards(store) if not c.archived]
    if experiment_id not in shown:
        return
    here = shown.index(experiment_id)
    there = max(0, min(len(shown) - 1, here + offset))
    shown.insert(there, shown.pop(here))
    set_card_order(store, shown)  # type: ignore[arg-type]
