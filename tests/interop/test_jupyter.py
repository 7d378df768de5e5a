"""The notebook magics, run headless in a real ipykernel through nbclient (and in plain IPython)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from readme import code_block
from runnotes.services.metrics import series
from runnotes.store import Store
from runnotes.store.lineage import run_row
from runnotes.store.queries import list_runs, run_detail

if TYPE_CHECKING:
    from nbformat import NotebookNode

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
    # The run rules: a start while a run is active, ends that are real, likes shown.
    "%runnotes start first",
    "%runnotes start second   # on top of first",
    "%like lr=0.1 optimizer=sgd",
    "%runnotes show",
    "%runnotes end first failed",
    "%runnotes end",
    "import subprocess, sys\n"
    "subprocess.run([sys.executable, '-m', 'runnotes', 'run', 'start', 'cli-run'], check=True)",
    "%runnotes end   # a run this kernel did not start: ended for real",
    "%runnotes end",
    # The experiment's tree, as the web page draws it.
    "with runnotes.start_run('base', experiment='lineage') as base:\n"
    "    runnotes.log_param('lr', '0.01')\n    runnotes.log_metric('val_acc', 0.8, 0)\n"
    "with runnotes.start_run('higher-lr', experiment='lineage', parent=base.id):\n"
    "    runnotes.log_param('lr', '0.1')\n    runnotes.log_metric('val_acc', 0.9, 0)",
    "%runnotes tree lineage",
    "%runnotes tree nothing-like-it",
]


def _executed(sources: list[str], **client: Any) -> list[NotebookNode]:
    """A notebook of ``sources`` run in a real kernel: its cells with their outputs. nbformat and
    nbclient are imported here, not at the top: 1.7 s of CPU (jsonschema's grammars) that each
    worker of the fast tier paid to collect this module of slow tests."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    NotebookClient(notebook, timeout=120, kernel_name="python3", **client).execute()
    return list(notebook.cells)


def _outputs(cell: NotebookNode, kind: str) -> str:
    parts = []
    for output in cell.outputs:
        if kind == "stream" and output.output_type == "stream":
            parts.append(output.text)
        elif kind != "stream" and output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get(kind, ""))
    return "".join(parts)


@pytest.mark.slow
def test_magics_in_a_real_kernel(store: Store, tmp_path: Path) -> None:
    cells = _executed(CELLS, resources={"metadata": {"path": str(tmp_path)}})

    assert "started run" in _outputs(cells[1], "stream")
    assert "liked val_acc=0.93, optimizer=adam" in _outputs(cells[3], "stream")
    html = _outputs(cells[5], "text/html")
    assert "<table>" in html and 'class="rn-chart"' in html and "val_acc" in html and "0.93" in html
    assert "&lt;b&gt;because&lt;/b&gt;" in html and "<b>because</b>" not in html  # escaped
    assert "nb-run" in _outputs(cells[5], "text/plain")
    compare = _outputs(cells[8], "text/html")
    assert compare.count('"kind": "line"') == 1 and "nb-run-2" in compare  # loss: two runs
    assert compare.count('"run": ') == 3  # and the liked val_acc of one run as a bar
    assert "runnotes: error: expected NAME=VALUE, got 'oops'" in _outputs(cells[9], "stream")
    assert not any(o.output_type == "error" for c in cells for o in c.outputs)

    first, second = run_detail(store, "first").summary, run_detail(store, "second").summary
    assert (
        f"run {first.id} (first) is still open: it is active again when run {second.id} ends"
        in (_outputs(cells[12], "stream"))
    )
    assert f"liked lr=0.1, optimizer=sgd → run {second.id} (second)" in _outputs(
        cells[13], "stream"
    )
    shown = _outputs(cells[14], "text/html")
    assert "<b>liked</b>" in shown and "lr = 0.1" in shown and "optimizer = sgd" in shown
    assert f"ended run {first.id} (first): failed" in _outputs(cells[15], "stream")
    assert f"ended run {second.id} (second): ok" in _outputs(cells[16], "stream")
    assert (first.status, second.status) == ("failed", "ok")  # ended for real, in the store
    assert "ended run" in _outputs(cells[18], "stream") and "(cli-run): ok" in _outputs(
        cells[18], "stream"
    )
    assert run_detail(store, "cli-run").summary.status == "ok"
    assert "runnotes: error: no active run to end" in _outputs(cells[19], "stream")

    _check_tree(store, _outputs(cells[21], "text/html"))
    assert "runnotes: error: no experiment 'nothing-like-it'" in _outputs(cells[22], "stream")

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


def _check_tree(store: Store, html: str) -> None:
    """The notebook's tree is the web page's: the same graph, the same rows (names unlinked)."""
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    assert html.count('<li class="tree-row') == 2 and "<style>" in html
    assert "higher-lr" in html and "<code>lr</code> (0.01 → 0.1)" in html and "fork" in html
    assert 'href="/runs/' not in html  # no server behind a notebook
    with TestClient(create_app(store)) as client:
        page = client.get(
            f"/experiments/{run_row(store, run_detail(store, 'base').summary.id).experiment_id}"
        ).text
    graph = re.compile(r'<svg class="graph".*?</svg>', re.S)
    assert graph.search(html).group() == graph.search(page).group()  # type: ignore[union-attr]
    rows = re.compile(r'<ol class="tree-rows">.*?</ol>', re.S)
    unlinked = re.sub(r'<a href="/runs/\d+">([^<]*)</a>', r"<b>\1</b>", rows.search(page).group())  # type: ignore[union-attr]
    assert rows.search(html).group() == unlinked  # type: ignore[union-attr]


def _readme_cells() -> list[str]:
    """The docs' notebook example, one cell per statement (indented lines stay with theirs)."""
    cells: list[str] = []
    for line in code_block("**Jupyter**", "python", page="docs/interop.md").splitlines():
        if line.startswith((" ", "\t")) and cells:
            cells[-1] += "\n" + line
        elif line.strip():
            cells.append(line)
    return cells


@pytest.mark.slow
def test_docs_notebook_example_as_written(store: Store, tmp_path: Path) -> None:
    cells = _executed(_readme_cells())
    assert not any(o.output_type == "error" for c in cells for o in c.outputs)
    streams = "".join(_outputs(c, "stream") for c in cells)
    assert "runnotes: error" not in streams
    (run,) = list_runs(store)
    assert (run.name, run.experiment, run.tags, run.status) == (
        "resnet-lr3e-4",
        "resnet",
        ["sweep"],
        "ok",
    )
    assert run.params == {"optimizer": "adam"} and run.metrics["val_acc"] == 0.9321
    detail = run_detail(store, run.id)
    assert len([c for c in detail.captures if c.name == "loss"]) == 100
    assert [c.text for c in detail.captures if c.kind == "note"] == [
        "dropout 0.3 because it overfit after epoch 5"
    ]
    shown = "".join(_outputs(c, "text/html") for c in cells)
    assert 'class="rn-chart"' in shown and "val_acc = 0.9321" in shown


@pytest.mark.slow
def test_magics_in_terminal_ipython(store: Store, tmp_path: Path) -> None:
    script = tmp_path / "session.ipy"
    script.write_text(
        "%load_ext runnotes\n%runnotes start term-run\n%like lr=3e-4\n"
        "%note from the terminal\nview = %runnotes show\nprint(repr(view))\n"
        "from IPython.lib.pretty import pretty\nprint(pretty(view))\n"
        "tree = %runnotes tree\nprint(pretty(tree))\n%runnotes end\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--quick", "--no-banner", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "term-run" in done.stdout and "lr = 0.0003" in done.stdout
    assert "* term-run  running" in done.stdout  # the tree, as an outline
    assert [c.text for c in run_detail(store, "term-run").captures if c.kind == "note"] == [
        "from the terminal"
    ]
