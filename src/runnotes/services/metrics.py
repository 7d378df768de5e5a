"""The one place that says what a run's metric values mean: latest, best, direction and series.

The web pages, the reports, export, the CLI and Jupyter all call this module, so a value shows the
same everywhere. The rules:

- **What counts.** Only approved values (:func:`runnotes.store.models.counted`): what code
  recorded (SDK, ``watch``, imports) and what a person liked or approved. Pending values (heard in
  speech, unconfirmed OCR) wait in the review queue; rejected values are kept but never count.
- **Latest** is the most recently stored counted value, whatever its step (MLflow's and W&B's
  "summary" value). It is read in SQL: :func:`runnotes.store.queries.latest_values` for many runs
  at once, :func:`runnotes.store.filters.latest_column` inside filters and sorts.
- **Direction.** Lower is better for loss- and error-like names (loss, error, rmse, mae,
  perplexity, wer…), for times (latency, time, duration, seconds) and for "how long until"
  counts (``epochs_to_90pct``, ``steps_to_target``); a rate is judged by what it counts
  (``seconds_per_epoch`` lower, ``tokens_per_sec`` higher). ``[reports] lower_is_better`` adds
  names. Everything else is better when higher.
- **Better** (:func:`is_better`, :func:`rank_key`): only finite numbers compete. A finite value
  beats a missing one, NaN, inf and -inf (a diverged run's ``inf`` loss or a ``-inf`` score is no
  result, in either direction); an equal value is not better. Every ranking (best run, runs
  table order, "new best", a goal's gap, a metric's move) uses these two functions.
- **Best** of a set of runs is the best of their latest values (ties: the earliest run, which
  found the value first); :func:`best_values` is the best value anywhere in a run's series.
- **Series** are ``(step, value)`` points sorted by step. A step logged twice keeps the value
  stored last (a resumed run overwrites the steps it repeats). When a metric has stepped values,
  values without a step (a liked or spoken value: an observation, not a point on the curve) are
  left out; when none has a step, the values are numbered 0, 1, 2… in the order they were logged.
  ``max_points`` downsamples a long series for a chart in SQL: per bucket of steps its first,
  last, lowest and highest point, so no extreme is lost (:mod:`runnotes.store.series`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from runnotes.config import Settings
from runnotes.store.db import Store
from runnotes.store.queries import latest_values, metric_extremes, metric_points
from runnotes.store.series import metric_names, series_extremes, series_points, series_states

T = TypeVar("T")
Point = tuple[float, float]
Curves = dict[str, dict[int, list[Point]]]

# Words of a metric name that make smaller better; matched as whole words of the name
# ("val_loss", "train-rmse", "eval/perplexity"), so "terrain_acc" is not an error.
LOWER_WORDS = frozenset(
    {
        "loss",
        "error",
        "err",
        "errors",
        "rmse",
        "mae",
        "mse",
        "mape",
        "perplexity",
        "ppl",
        "wer",
        "cer",
        "l1",
        "l2",
        "logloss",
        "nll",
        "fpr",
        "fnr",
        # times
        "latency",
        "time",
        "runtime",
        "duration",
        "seconds",
        "secs",
    }
)
# "<count>_to_<target>" names a cost: epochs_to_90pct, steps_to_target.
COUNT_WORDS = frozenset({"epoch", "epochs", "step", "steps", "iter", "iters", "iterations"})
_WORDS = re.compile(r"[a-z0-9]+")


def lower_is_better(name: str, extra: Iterable[str] = ()) -> bool:
    """Whether smaller values of metric ``name`` are better (see the module's rules)."""
    if name in set(extra):
        return True
    words = _WORDS.findall(name.lower())
    if "per" in words:  # a rate is judged by what it counts: seconds_per_epoch, tokens_per_sec
        words = words[: words.index("per")]
    if any(word in LOWER_WORDS for word in words):
        return True
    return "to" in words and any(w in COUNT_WORDS for w in words[: words.index("to")])


def is_better(new: float | None, old: float | None, lower: bool) -> bool:
    """Whether ``new`` beats ``old`` when ``lower`` (or higher) is better (see "Better" above)."""
    if new is None or not math.isfinite(new):
        return False
    if old is None or not math.isfinite(old):
        return True
    return new < old if lower else new > old


def rank_key(value: float | None, lower: bool) -> tuple[bool, float]:
    """Sort key putting the best value first and every non-finite or missing one last."""
    if value is None or not math.isfinite(value):
        return (True, 0.0)
    return (False, value if lower else -value)


@dataclass(frozen=True)
class Directions:
    """Which way is better for each metric: the name rules plus configured names."""

    lower: frozenset[str] = frozenset()

    def lower_is_better(self, name: str) -> bool:
        return lower_is_better(name, self.lower)

    def direction(self, name: str) -> str:
        return "lower is better" if self.lower_is_better(name) else "higher is better"

    def is_better(self, name: str, new: float | None, old: float | None) -> bool:
        return is_better(new, old, self.lower_is_better(name))

    def best_of(
        self, name: str, items: Iterable[T], value: Callable[[T], float | None]
    ) -> T | None:
        """The item with the best value of ``name`` (the first one on ties); None when no item
        has a finite value."""
        best: T | None = None
        best_value: float | None = None
        for item in items:
            number = value(item)
            if self.is_better(name, number, best_value):
                best, best_value = item, number
        return best

    def best(self, name: str, values: Iterable[float | None]) -> float | None:
        """The best of ``values`` (None when there is no finite one)."""
        return self.best_of(name, values, lambda v: v)


def column_bests(
    settings: Settings, table: Mapping[str, Sequence[float | None]]
) -> dict[str, float | None]:
    """The best value in each row of a comparison table ``{metric: [value per run]}``."""
    dirs = directions(settings)
    return {name: dirs.best(name, values) for name, values in table.items()}


def directions(settings: Settings) -> Directions:
    """The directions a store's settings give (``[reports] lower_is_better``)."""
    return Directions(frozenset(settings.reports.lower_is_better))


# -- reading values ---------------------------------------------------------------------------


def latest(store: Store, run_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Each run's latest counted value of each metric."""
    with store.read() as session:
        return latest_values(session, run_ids).metrics


# Up to this many runs, best values come from each series' cached extremes (a page: a million-value
# run is not read again on every view); more runs, from one grouped query (exports, reports).
FEW_RUNS = 20


def best_values(store: Store, run_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Each run's best value of each metric over its whole series (counted values only)."""
    dirs = directions(store.settings)
    found: dict[int, dict[str, float]] = {run_id: {} for run_id in run_ids}
    if not run_ids:
        return found
    with store.read(snapshot=True) as session:  # the series' states and their values
        if len(run_ids) <= FEW_RUNS:
            rows = [
                (run_id, name, 1, *extremes)
                for (run_id, name), state in series_states(session, run_ids).items()
                if (extremes := series_extremes(session, (run_id, name), state)) is not None
            ]
        else:
            rows = metric_extremes(session, run_ids=run_ids)
    for run_id, name, _, low, high in rows:
        found[run_id][name] = low if dirs.lower_is_better(name) else high
    return found


@dataclass(frozen=True)
class ExperimentBest:
    experiment_id: int
    metric: str
    runs: int  # how many runs reported it
    value: float


def experiment_bests(store: Store) -> dict[int, list[ExperimentBest]]:
    """Per experiment, each metric's best value over all its runs, most widely reported first."""
    dirs = directions(store.settings)
    with store.read() as session:
        rows = metric_extremes(session, by_experiment=True)
    found: dict[int, list[ExperimentBest]] = defaultdict(list)
    for exp_id, name, runs, low, high in rows:
        value = low if dirs.lower_is_better(name) else high
        found[exp_id].append(ExperimentBest(exp_id, name, runs, value))
    for bests in found.values():
        bests.sort(key=lambda b: (-b.runs, b.metric))
    return dict(found)


def curves(
    store: Store,
    run_ids: Sequence[int],
    names: Sequence[str] | None = None,
    *,
    max_points: int | None = None,
) -> Curves:
    """``{metric: {run_id: [(step, value), …]}}`` for the runs (all metrics, or ``names``).

    With ``max_points`` (charts), each series is downsampled in SQL to at most that many points,
    every bucket's extremes kept (:func:`runnotes.store.series.series_points`), and cached until
    it changes; without, every point, read in one query (reports, exports)."""
    if max_points is not None:
        return _downsampled(store, run_ids, names, max_points)
    with store.read() as session:
        rows = metric_points(session, run_ids, names)
    raw: dict[str, dict[int, list[tuple[int | None, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for name, run_id, step, value in rows:
        raw[name][run_id].append((step, value))
    return {
        name: {run_id: _points(values) for run_id, values in by_run.items()}
        for name, by_run in raw.items()
    }


def _downsampled(
    store: Store, run_ids: Sequence[int], names: Sequence[str] | None, max_points: int
) -> Curves:
    found: Curves = defaultdict(dict)
    with store.read(snapshot=True) as session:  # the series' states and their values
        for (run_id, name), state in series_states(session, run_ids).items():
            if names is None or name in names:
                points = series_points(session, (run_id, name), state, max_points)
                if points:
                    found[name][run_id] = points
    return {name: found[name] for name in sorted(found)}


def metric_names_of(store: Store, run_id: int) -> list[str]:
    """The run's metric names, sorted (one index seek each, however long the series)."""
    with store.read() as session:
        return metric_names(session, [run_id])[run_id]


def series(store: Store, run_id: int, name: str, *, max_points: int | None = None) -> list[Point]:
    """One metric's curve in one run (see the module's series rules)."""
    return curves(store, [run_id], [name], max_points=max_points).get(name, {}).get(run_id, [])


def _points(values: Sequence[tuple[int | None, float]]) -> list[Point]:
    stepped: dict[int, float] = {}
    for step, value in values:
        if step is not None:
            stepped[step] = value  # stored later wins
    if stepped:
        return [(float(step), stepped[step]) for step in sorted(stepped)]
    return [(float(i), value) for i, (_, value) in enumerate(values)]
