"""A sweep as a user runs it: three `runnotes watch` runs, a like on one that is NOT the best,
then the drafts. The README must name the run that really did best, not the liked one."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from reports.conftest import render_pages

TRAIN = textwrap.dedent(
    """
    import sys
    lr = float(sys.argv[sys.argv.index("--lr") + 1])
    peak = {0.1: 0.81, 0.01: 0.934, 0.001: 0.88}[lr]  # 0.01 is the sweet spot
    for epoch in range(1, 6):
        print(f"Epoch {epoch}/5")
        acc = peak - (peak - 0.4) * 0.5 ** epoch
        print(f"val_acc={acc:.4f} loss={2.0 * 0.4 ** epoch + (1 - peak):.4f}")
    """
)


@pytest.mark.slow
def test_watch_sweep_drafts_name_the_true_best_run(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    for lr in ("0.1", "0.01", "0.001"):
        run_cli("watch", "-e", "sweep", "--name", f"lr-{lr}", "--", sys.executable, str(script),
                "--lr", lr)  # fmt: skip
    run_cli("like", "--run", "lr-0.1", "val_acc=0.80")  # liked, but not the best run
    run_cli("goal", "-e", "sweep", "find the learning rate for the digits MLP")

    readme = tmp_path / "README.md"
    run_cli("report", "readme", "-e", "sweep", "-o", str(readme))
    text = readme.read_text()
    assert text.splitlines()[2] == "**Goal:** find the learning rate for the digits MLP"
    best = re.search(r"^## How to reproduce the best run\n(.*?)(?=^## )", text, re.M | re.S)
    assert best, text
    assert "[run 2 (lr-0.01)](#run-2), best by `val_acc` (0.9173):" in best.group(1)
    assert "train.py --lr 0.01" in best.group(1)  # the command that reproduces it
    assert "the best `val_acc` (higher is better) is **0.9173**, reached by [run 2" in text
    assert "README_files/sweep-curves.png" in text

    docx = tmp_path / "progress.docx"
    run_cli("report", "progress", "--since", "1d", "-o", str(docx))
    from docx import Document

    doc = Document(str(docx))
    assert len(doc.inline_shapes) >= 1  # the curves
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    runs_table = next(
        t for t, h in zip(doc.tables, headers, strict=True) if h[:2] == ["run", "status"]
    )
    assert "val_acc ↑" in [c.text for c in runs_table.rows[0].cells]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in runs_table.rows[1:]}
    assert "0.9173 ★" in rows["run 2 (lr-0.01)"]
    assert len(render_pages(docx, tmp_path)) <= 2  # dense pages
