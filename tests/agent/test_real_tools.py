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
    held = figures["held"]
    assert held.wrong == 0 and figures["dev"].wrong == 0, "\n".join(figures["dev"].misses)
    assert held.values / held.likes >= 0.95
