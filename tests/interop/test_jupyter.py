"""The notebook magics, run headless in a real ipykernel through nbclient (and in plain IPython)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from runnotes.services.metrics import series
from runnotes.store import Store
from runnotes.store.queries import run_detail

CELLS = [
    "%load_ext runnotes",
    "%runnotes start nb-run -e notebook -t jupyter",
    "import runnotes\nfor step in range(10):\n"
    "    runnotes.log_metric('loss', 1 / (step + 1), step)",
    "%like val_acc=0.93 optimizer=adam",
    "%note dropout 0.3 <b>because</b> it overfit",
    "%runnotes show",
    "%runnotes end",
    "%runnotes start nb-run-2 -e notebook\nfor step in range(10):\n"
    "    runnotes.log_metric('loss', 2 / (step + 1), step)",
    "%runnotes compare nb-run nb-run-2",
    "%like oops",
    "%runnotes end",
]


def _outputs(cell: nbformat.NotebookNode, kind: str) -> str:
    parts = []
    for output in cell.outputs:
        if kind == "stream" and output.output_type == "stream":
            parts.append(output.text)
        elif kind != "stream" and output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get(kind, ""))
    return "".join(parts)


@pytest.mark.slow
def test_magics_in_a_real_kernel(store: Store, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    cells = notebook.cells

    assert "started run" in _outputs(cells[1], "stream")
    assert "liked val_acc=0.93, optimizer=adam" in _outputs(cells[3], "stream")
    html = _outputs(cells[5], "text/html")
    assert "<table>" in html and "<svg" in html and "val_acc" in html and "0.93" in html
    assert "&lt;b&gt;because&lt;/b&gt;" in html and "<b>because</b>" not in html  # escaped
    assert "nb-run" in _outputs(cells[5], "text/plain")
    compare = _outputs(cells[8], "text/html")
    assert compare.count("<polyline") == 2 and "nb-run-2" in compare
    assert "runnotes: error: expected NAME=VALUE, got 'oops'" in _outputs(cells[9], "stream")
    assert not any(o.output_type == "error" for c in cells for o in c.outputs)

    detail = run_detail(store, "nb-run")
    assert detail.summary.status == "ok" and detail.summary.tags == ["jupyter"]
    assert detail.summary.params == {"optimizer": "adam"}
    assert detail.summary.metrics["val_acc"] == 0.93
    assert [v for _, v in series(store, detail.summary.id, "loss")] == [
        1 / (s + 1) for s in range(10)
    ]
    assert [c.text for c in detail.captures if c.kind == "note"] == [
        "dropout 0.3 <b>because</b> it overfit"
    ]


@pytest.mark.slow
def test_magics_in_terminal_ipython(store: Store, tmp_path: Path) -> None:
    script = tmp_path / "session.ipy"
    script.write_text(
        "%load_ext runnotes\n%runnotes start term-run\n%like lr=3e-4\n"
        "%note from the terminal\nview = %runnotes show\nprint(repr(view))\n"
        "from IPython.lib.pretty import pretty\nprint(pretty(view))\n%runnotes end\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--quick", "--no-banner", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "term-run" in done.stdout and "lr = 0.0003" in done.stdout
    assert [c.text for c in run_detail(store, "term-run").captures if c.kind == "note"] == [
        "from the terminal"
    ]
