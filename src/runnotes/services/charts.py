"""One definition of a metric chart for the web page, the notebook and the reports' figures.

A :class:`ChartSpec` says what a chart shows (a line per run, or a bar per run for a metric that
has one value per run), its title, axes, unit, default scale and which run is best; it holds
numbers only. Three renderers draw the same spec: ``web/static/charts.js`` (uPlot, vendored) on
the run and compare pages, the same script inlined in a notebook's output
(:mod:`runnotes.interop.jupyter`), and matplotlib for the .docx and README figures
(:mod:`runnotes.reports.plots`). So a chart cannot say one thing on the page and another in the
report.

Long series come downsampled (``max_points``, :func:`runnotes.services.metrics.curves`): every
bucket of steps keeps its first, last, lowest and highest point, so a 1 M-value run draws as fast
as a short one and no spike is lost. When a run logged an ``epoch`` metric, its points go with the
spec, so a renderer can put epochs on the x axis (step → epoch, exact where the epoch was logged).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from runnotes.services.metrics import Curves, curves, directions
from runnotes.store.db import Store
from runnotes.store.queries import step_times
from runnotes.store.series import CHART_POINTS

# Per series: a chart is a few hundred pixels wide; the API's default too. The size whose
# charts a run's end stores (runnotes.store.series), so a first view reads them.
MAX_POINTS = CHART_POINTS
EPOCH = "epoch"  # the metric whose values put epochs on the x axis
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777")
DECADES = 100  # positive values spanning this ratio or more are drawn on a log axis by default

# Units only where the name spells them (a wrong unit is worse than none): the last word(s).
UNITS = {
    ("s",): "s",
    ("sec",): "s",
    ("secs",): "s",
    ("seconds",): "s",
    ("ms",): "ms",
    ("min",): "min",
    ("minutes",): "min",
    ("pct",): "%",
    ("percent",): "%",
    ("mb",): "MB",
    ("gb",): "GB",
    ("per", "sec"): "/s",
    ("per", "s"): "/s",
    ("per", "second"): "/s",
}
_WORDS = re.compile(r"[a-z0-9]+")

Point = tuple[float, float]


@dataclass(frozen=True)
class Series:
    """One run's line (or bar): ``points`` are ``(step, value)`` sorted by step."""

    run_id: int
    label: str
    color: str
    points: list[Point]
    best: bool = False  # the run the report calls best for this metric: drawn bold, ★
    times: list[float | None] | None = None  # when each point was logged (None: not read)


@dataclass(frozen=True)
class ChartSpec:
    metric: str
    unit: str
    direction: str  # "lower is better" / "higher is better"
    kind: str  # "line": a curve per run; "bar": one value per run
    series: list[Series]
    log: bool  # the y scale a renderer starts with (the user can switch)
    epochs: dict[int, list[Point]] = field(default_factory=dict)  # run → (step, epoch)

    @property
    def title(self) -> str:
        return f"{self.metric} ({self.direction})"

    @property
    def y_label(self) -> str:
        return f"{self.metric} ({self.unit})" if self.unit else self.metric

    def as_json(self) -> dict[str, Any]:
        """The spec for the JavaScript renderer: plain JSON (a non-finite value is a gap)."""
        return {
            "metric": self.metric,
            "title": self.title,
            "unit": self.unit,
            "yLabel": self.y_label,
            "kind": self.kind,
            "log": self.log,
            "series": [
                {
                    "run": s.run_id,
                    "label": s.label,
                    "color": s.color,
                    "best": s.best,
                    "x": [x for x, _ in s.points],
                    "y": [_finite(y) for _, y in s.points],
                    **({} if s.times is None else {"t": s.times}),
                }
                for s in self.series
            ],
            "epochs": {str(run): [list(p) for p in pts] for run, pts in self.epochs.items()},
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def unit_of(metric: str) -> str:
    """The unit a metric's name spells (``step_time_s`` → s, ``tokens_per_sec`` → /s), or ''."""
    words = tuple(_WORDS.findall(metric.lower()))
    for size in (2, 1):
        unit = UNITS.get(words[-size:]) if len(words) >= size else None
        if unit:
            return unit
    return ""


def spans_decades(values: Sequence[float], ratio: float = DECADES) -> bool:
    """Positive values over two orders of magnitude or more (``ratio``): a log axis shows them
    better."""
    return bool(values) and min(values) > 0 and max(values) / min(values) >= ratio


def build_specs(
    store: Store,
    found: Curves,
    labels: Mapping[int, str],
    best: Mapping[str, int] | None = None,
) -> list[ChartSpec]:
    """A spec per metric of ``found`` (``{metric: {run: points}}``), runs in ``labels`` order.

    A metric where every run has at most one point is a bar chart (a line of one point is an
    empty card); ``best`` names the run to draw bold per metric."""
    dirs = directions(store.settings)
    colors = {run: PALETTE[i % len(PALETTE)] for i, run in enumerate(labels)}
    epochs = found.get(EPOCH, {})
    specs = []
    for metric in sorted(found):
        by_run = found[metric]
        lines = [
            Series(
                run, labels[run], colors[run], list(by_run[run]), run == (best or {}).get(metric)
            )
            for run in labels
            if by_run.get(run)
        ]
        if not lines:
            continue
        values = [y for s in lines for _, y in s.points if math.isfinite(y)]
        specs.append(
            ChartSpec(
                metric=metric,
                unit=unit_of(metric),
                direction=dirs.direction(metric),
                kind="line" if any(len(s.points) > 1 for s in lines) else "bar",
                series=lines,
                log=spans_decades(values),
                epochs={s.run_id: epochs[s.run_id] for s in lines if s.run_id in epochs},
            )
        )
    return specs


def chart_specs(
    store: Store,
    labels: Mapping[int, str],
    names: Sequence[str] | None = None,
    *,
    max_points: int | None = MAX_POINTS,
    best: Mapping[str, int] | None = None,
) -> list[ChartSpec]:
    """The charts of the runs ``labels`` names (``{run_id: label}``): every metric, or ``names``
    (plus ``epoch`` when logged, for the x axis), downsampled to ``max_points`` per series (None:
    every point, for a static figure), in the order of ``names`` (else by name)."""
    wanted = None if names is None else [*names, EPOCH]
    found = curves(store, list(labels), wanted, max_points=max_points)
    specs = {s.metric: s for s in build_specs(store, found, labels, best)}
    return list(specs.values()) if names is None else [specs[n] for n in names if n in specs]


def point_times(
    store: Store, run_id: int, points: Sequence[Point], metric: str
) -> list[float | None]:
    """When each point of a run's series was logged (None for a point without a logged step):
    read on demand, for the points drawn only, since a wall-time axis is a view few ask for."""
    steps = [int(x) for x, _ in points]
    with store.read() as session:
        found = step_times(session, run_id, metric, steps)
    return [found.get(step) for step in steps]


def with_times(store: Store, specs: Sequence[ChartSpec]) -> list[ChartSpec]:
    """The specs with each point's wall time filled in (a notebook has no server to ask later)."""
    return [
        replace(
            spec,
            series=[
                replace(s, times=point_times(store, s.run_id, s.points, spec.metric))
                for s in spec.series
            ],
        )
        for spec in specs
    ]


def sparkline(points: Sequence[Point], width: int = 120, height: int = 24, pad: int = 2) -> str:
    """``"x,y x,y …"`` for an SVG ``<polyline>`` of one series (no axes: a glance in a list);
    '' when fewer than two points are finite. Values are divided by their largest magnitude
    first, so neither ±1e308 (whose range overflows) nor a flat series divides by zero."""
    clean = [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]
    if len(clean) < 2:
        return ""

    def axis(values: list[float]) -> tuple[float, float, float]:
        scale = max(abs(min(values)), abs(max(values))) or 1.0
        lo, hi = min(values) / scale, max(values) / scale
        return (scale, lo - 0.5, hi + 0.5) if hi - lo < 1e-12 else (scale, lo, hi)

    (sx, x0, x1), (sy, y0, y1) = axis([x for x, _ in clean]), axis([y for _, y in clean])
    return " ".join(
        f"{pad + (x / sx - x0) / (x1 - x0) * (width - 2 * pad):.1f},"
        f"{height - pad - (y / sy - y0) / (y1 - y0) * (height - 2 * pad):.1f}"
        for x, y in clean
    )
