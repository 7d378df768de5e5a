"""The figures of a report: metric curves of the top runs, and each varied param against the result.

matplotlib is imported here only, and only when a figure is drawn, so the CLI stays instant. The
object API (``Figure``, no pyplot) keeps no global state, and PNGs are saved without the
"Software" stamp, so the same data gives the same bytes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from runnotes.reports.data import ExperimentData
from runnotes.services.charts import ChartSpec, chart_specs, spans_decades

log = logging.getLogger(__name__)

CURVE_RUNS = 8  # more lines than this make a curve plot unreadable: the best ones are drawn
MAX_PANELS = 2  # one row: each extra panel costs ~0.1 s of drawing, and reports must stay fast
DPI = 100


@dataclass
class Figure:
    """A PNG written for a report; ``file`` is how the report refers to it (relative path)."""

    path: Path
    caption: str
    file: str = ""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def experiment_figures(
    store,
    data: ExperimentData,
    folder: Path,
    prefix: str = "",
) -> list[Figure]:
    """Curves of the reported metrics for the top runs, then params against the primary metric.

    A figure matplotlib cannot draw (values such as ±1e308, whose axis range overflows) is left
    out with a warning: the report itself never fails on a value the store accepted."""
    figures = []
    for draw in (
        lambda: _curves(store, data, folder, prefix),
        lambda: _scatter(data, folder, prefix),
    ):
        try:
            figure = draw()
        except (ValueError, OverflowError, FloatingPointError) as exc:
            log.warning("runnotes: a figure of %s is left out: %s", data.name, exc)
            continue
        if figure is not None:
            figures.append(figure)
    return figures


def _panels(count: int):
    """A one-row figure of ``count`` plots (fixed margins: automatic layout doubles the time)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(4.8 * count + 0.6, 3.4), dpi=DPI)
    fig.subplots_adjust(
        left=0.6 / (4.8 * count + 0.6) + 0.04, right=0.97, bottom=0.15, top=0.9, wspace=0.28
    )
    return fig, fig.subplots(1, count, squeeze=False).ravel()


def _save(fig, path: Path) -> None:
    """PNG without the "Software" stamp (stable bytes) and with fast, light compression."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(
        path, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1}
    )


# A parameter searched over a decade or more (lr 3e-4 … 1e-2) is read on a log axis: that is
# how the search was laid out.
PARAM_DECADE = 10
MAX_LABELS = 20  # points labelled with their run in a scatter


def _curves(store, data: ExperimentData, folder: Path, prefix: str) -> Figure | None:
    """The main metrics by step, one line per run (the best run per metric drawn bold, ★): the
    page's chart specs (:mod:`runnotes.services.charts`) with every point, drawn statically."""
    runs = sorted(data.top_runs(CURVE_RUNS), key=lambda r: r.id)
    metrics = data.main_metrics
    if not runs or not metrics:
        return None
    specs = chart_specs(
        store,
        {r.id: r.label for r in runs},
        [m.name for m in metrics],
        max_points=None,
        best={m.name: m.best_run.id for m in metrics},
    )
    plotted = [s for s in specs if s.kind == "line"][:MAX_PANELS]
    if not plotted:
        return None
    fig, axes = _panels(len(plotted))
    for ax, spec in zip(axes, plotted, strict=False):
        draw_spec(ax, spec)
    path = folder / f"{prefix}{slug(data.name)}-curves.png"
    _save(fig, path)
    shown = ", ".join(s.metric for s in plotted)
    more = f" (the best {len(runs)})" if len(data.result_runs) > len(runs) else ""
    return Figure(path, f"{shown} by step, one line per run{more}; ★ the best run")


def draw_spec(ax, spec: ChartSpec) -> None:
    """A line chart spec on matplotlib axes, as the page draws it: a line per run (a run with a
    single value is no curve), the best bold and starred, its title, axis labels, unit, scale."""
    from matplotlib.ticker import MaxNLocator

    for series in spec.series:
        if len(series.points) < 2:
            continue
        ax.plot(
            [p[0] for p in series.points],
            [p[1] for p in series.points],
            label=f"{series.label}{' ★' if series.best else ''}",
            color=series.color,
            linewidth=2.4 if series.best else 1.2,
            zorder=3 if series.best else 2,
        )
    if spec.log:
        ax.set_yscale("log")
    ax.set_title(spec.title, fontsize=10)
    ax.set_xlabel("step", fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(spec.y_label, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def _numeric_params(data: ExperimentData, metric: str) -> list[str]:
    """Params with a number in at least two runs that report ``metric``, and more than one value."""
    names = sorted({p for r in data.runs for p in r.params})
    varied = []
    for name in names:
        values = {
            r.params[name].value
            for r in data.runs
            if name in r.params and r.params[name].value is not None and metric in r.metrics
        }
        if len(values) > 1:
            varied.append(name)
    return varied[:MAX_PANELS]


def _label_points(ax, runs, xs: Sequence[float], ys: Sequence[float]) -> None:
    """Each point named by its run; runs at the same point share one label, and labels of
    nearby points step up so they do not print over each other."""
    at: dict[tuple[float, float], list[str]] = {}
    for run, x, y in zip(runs, xs, ys, strict=True):
        at.setdefault((x, y), []).append(f"run {run.id}")
    for i, ((x, y), names) in enumerate(sorted(at.items())):
        ax.annotate(
            ", ".join(names),
            (x, y),
            xytext=(5, 4 + 9 * (i % 3)),
            textcoords="offset points",
            fontsize=7,
            color="#333333",
        )


def _scatter(data: ExperimentData, folder: Path, prefix: str) -> Figure | None:
    primary = data.primary
    if primary is None:
        return None
    params = _numeric_params(data, primary.name)
    if not params:
        return None
    from matplotlib.ticker import MaxNLocator

    fig, axes = _panels(len(params))
    for ax, name in zip(axes, params, strict=False):
        runs = [
            r
            for r in data.runs
            if name in r.params and r.params[name].value is not None and primary.name in r.metrics
        ]
        xs: Sequence[float] = [r.params[name].value for r in runs]  # type: ignore[misc]
        ys = [r.metrics[primary.name].value for r in runs]
        ax.scatter(xs, ys, s=22, zorder=3)
        if len(runs) <= MAX_LABELS:
            _label_points(ax, runs, xs, ys)  # type: ignore[arg-type]
        if spans_decades(xs, PARAM_DECADE):
            ax.set_xscale("log")
        else:  # few ticks, 3e-4 rather than 0.0003: small learning rates stay legible
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.tick_params(labelsize=8)
        ax.set_xlabel(name, fontsize=9)
        ax.set_ylabel(primary.name, fontsize=9)
        ax.grid(alpha=0.3)
    path = folder / f"{prefix}{slug(data.name)}-params.png"
    _save(fig, path)
    return Figure(
        path, f"{primary.name} ({primary.direction}) against {', '.join(params)}, one point per run"
    )
