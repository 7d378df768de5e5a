"""Likes in real tools on Xvfb (TensorBoard, JupyterLab, MLflow, xterm, LibreOffice Calc): values,
names and steps against each tool's own data; figures for the held-out screens separately.

    .venv/bin/python -m pytest tests/agent/test_real_tools.py -s   (prints the figures)
"""

from __future__ import annotations

import pytest

from agent import realtools

pytestmark = pytest.mark.slow


def test_likes_in_real_tools(xdisplay: str) -> None:
    results = realtools.run_all(xdisplay)
    figures = realtools.figures(results)
    for split, fig in figures.items():
        print(f"\n{split}: {fig.line()}")
    assert sum(f.likes for f in figures.values()) >= 60
    for split, fig in figures.items():
        # Measured 2026-11-30 (README): dev 99 % values / 83 % names / 0 wrong, held-out 96 % /
        # 85 % / 1 wrong in 142. The targets (names >= 90 %, no wrong value) are not met
        # yet; these bounds catch a regression from what was measured.
        assert fig.values / fig.likes >= 0.95, f"{split}: {fig.line()}"
        assert fig.names / fig.likes >= 0.80, f"{split}: {fig.line()}"
        assert fig.wrong / fig.likes <= 0.01, f"{split}: {fig.line()}"
