"""The overview page's rows: every experiment with its activity and the best value of its main
metric (the one reported in the most runs; best by :mod:`runnotes.services.metrics`)."""

from __future__ import annotations

from dataclasses import dataclass

from runnotes.services.metrics import experiment_bests
from runnotes.store.db import Store
from runnotes.store.review import experiment_activity


@dataclass
class ExperimentOverview:
    project: str
    experiment: str
    runs: int
    last_activity: float | None
    best_metric: str | None = None
    best_value: float | None = None


def experiments_overview(store: Store) -> list[ExperimentOverview]:
    bests = experiment_bests(store)
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
            )
        )
    return rows
