"""Likes in real tools on Xvfb (TensorBoard, JupyterLab, MLflow, xterm, LibreOffice Calc): values,
names and steps against each tool's own data; figures for the held-out screens separately.

    .venv/bin/python -m pytest tests/agent/test_real_tools.py -s   (prints the figures)
"""

from __future__ import annotations

import pytest

from agent import realtools

pytestmark = pytest.mark.slow


@pytest.mark.timeout(1800)  # ~550 likes in five real programs: 7-10 min on 2 cores
def test_likes_in_real_tools(xdisplay: str) -> None:
    results = realtools.run_all(xdisplay)
    figures = realtools.figures(results)
    for split, fig in figures.items():
        print(f"\n{split}: {fig.line()}")
    assert sum(f.likes for f in figures.values()) >= 60
    # Measured 2026-11-30 (README, one run after tuning on dev only): dev 297/298 values, 293 names,
    # 0 wrong; held-out 248/249 values, 234 names (94 %), 1 wrong value in 249. These bounds are
    # those levels with room for OCR's run-to-run wobble: a drop below them is a regression.
    levels = {"dev": (0.98, 0.95, 0), "held": (0.98, 0.92, 1)}
    for split, fig in figures.items():
        values, names, wrong = levels.get(split, (0.95, 0.80, fig.likes // 100))
        assert fig.values / fig.likes >= values, f"{split}: {fig.line()}"
        assert fig.names / fig.likes >= names, f"{split}: {fig.line()}"
        assert fig.wrong <= wrong, f"{split}: {fig.line()}"
