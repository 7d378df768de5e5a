"""Chosen columns of a runs list (web page, ``runnotes runs list --columns``).

Columns are named as in ``--where`` filters and CSV exports: ``params.lr`` is a parameter,
``metrics.val_acc`` a metric (its latest value, :mod:`runnotes.services.metrics`). A name without
a prefix is a metric, the common case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from runnotes.errors import RunnotesError
from runnotes.services.values import main_metrics
from runnotes.store.queries import RunSummary

PREFIXES = ("params", "metrics")


@dataclass(frozen=True)
class Column:
    kind: str  # "params" or "metrics"
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.name}"

    def value(self, run: RunSummary) -> str | float | None:
        return (run.params if self.kind == "params" else run.metrics).get(self.name)


def parse_columns(text: str | None) -> list[Column]:
    """``"params.lr, metrics.val_acc, loss"`` as columns; an unknown prefix is an error."""
    columns = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        prefix, dot, name = item.partition(".")
        if not dot or prefix not in PREFIXES:
            if dot and prefix.endswith(("param", "metric")):
                raise RunnotesError(f"column {item!r}: write params.NAME or metrics.NAME")
            prefix, name = "metrics", item
        if not name:
            raise RunnotesError(f"column {item!r} names no parameter or metric")
        columns.append(Column(prefix, name))
    return list(dict.fromkeys(columns))


def default_columns(runs: list[RunSummary], limit: int = 6) -> list[Column]:
    """Without a choice: the listed runs' main metrics (:func:`runnotes.services.values.
    main_metrics`: held-out over training, epoch-level over per-batch, never a count)."""
    coverage = Counter(k for r in runs for k in r.metrics)
    names = main_metrics(sorted(coverage), coverage=dict(coverage), limit=limit)
    return [Column("metrics", n) for n in names]
