"""Metric curves as inline SVG polylines, computed on the server.

No charting library and no JavaScript: a page with fifty small step charts stays light, works
offline and prints. Callers read series with ``max_points=MAX_POINTS``
(:func:`runnotes.services.metrics.series`) because a screen is a few hundred pixels wide anyway.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

MAX_POINTS = 300
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777")

Points = Sequence[tuple[float, float]]


@dataclass
class Line:
    label: str
    color: str
    points: str  # "x,y x,y …" for <polyline points=…>
    last: float


@dataclass
class Chart:
    width: int
    height: int
    lines: list[Line]
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def _axis(values: Sequence[float]) -> Callable[[float], float]:
    """Where a value falls between the smallest and largest (0 to 1), for any finite values.

    Values are divided by the largest magnitude first, so neither a huge range (±1e308, whose
    width overflows) nor a flat series of huge numbers (3.2e18 ± 0.5 is 3.2e18 again) divides
    by zero; a flat series sits in the middle."""
    low, high = min(values), max(values)
    scale = max(abs(low), abs(high)) or 1.0
    lo, hi = low / scale, high / scale
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    return lambda v: (v / scale - lo) / (hi - lo)


def chart(
    series: Mapping[str, Points], width: int = 240, height: int = 60, pad: int = 3
) -> Chart | None:
    """One chart with a line per series, all on the same axes; None when nothing is finite."""
    clean = {
        k: [(float(x), float(y)) for x, y in v if math.isfinite(x) and math.isfinite(y)]
        for k, v in series.items()
    }
    clean = {k: v for k, v in clean.items() if v}
    if not clean:
        return None
    xs = [x for pts in clean.values() for x, _ in pts]
    ys = [y for pts in clean.values() for _, y in pts]
    fx, fy = _axis(xs), _axis(ys)

    def place(x: float, y: float) -> str:
        px = pad + fx(x) * (width - 2 * pad)
        py = height - pad - fy(y) * (height - 2 * pad)
        return f"{px:.1f},{py:.1f}"

    lines = [
        Line(
            label=label,
            color=PALETTE[i % len(PALETTE)],
            points=" ".join(place(x, y) for x, y in pts),
            last=pts[-1][1],
        )
        for i, (label, pts) in enumerate(clean.items())
    ]
    return Chart(
        width=width,
        height=height,
        lines=lines,
        x_range=(min(xs), max(xs)),
        y_range=(min(ys), max(ys)),
    )
