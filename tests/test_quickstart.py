"""The README's Quick start, run as written: the shell lines one by one, then the Python block."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import select

from readme import code_block
from runnotes.store import Store
from runnotes.store.models import Capture
from runnotes.store.queries import list_runs, run_detail

# The `train.py` the Quick start watches: argparse options, a config line, `Epoch N` lines, a tqdm
# bar per epoch (on stderr) and per-epoch metric lines, and one SDK call of its own.
TRAIN = """
    import argparse

    from tqdm import tqdm

    import runnotes

    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"config lr={args.lr} epochs={args.epochs} optimizer=adam", flush=True)
    runnotes.log_param("seed", 0)
    for epoch in range(1, args.epochs + 1):
        print(f"Epoch {epoch}/{args.epochs}", flush=True)
        bar = tqdm(range(4), desc=f"Epoch {epoch}", mininterval=0)
        for batch in bar:
            bar.set_postfix(loss=1 / (epoch * 4 + batch))
        print(f"train_loss: {1 / epoch:.4f}  val_acc: {0.80 + epoch / 100:.4f}", flush=True)
"""


def _shell_lines(block: str) -> list[list[str]]:
    return [words for line in block.splitlines() if (words := shlex.split(line, comments=True))]


def _run(words: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One line as a shell would run it, with this environment's `runnotes` and `python` first
    on PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{shlex.join(words)} exited {done.returncode}:\n{done.stderr}"
    return done


@pytest.mark.slow
def test_readme_quick_start_as_written(store: Store, tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("x,y\n1,0\n2,1\n3,0\n")
    lines = _shell_lines(code_block("## Quick start", "bash"))
    assert lines[0][:3] == ["runnotes", "run", "start"] and "watch" in lines[1]
    outputs = [_run(words, tmp_path) for words in lines]

    # Every capture landed in lr-sweep-3, and no other run was made.
    (run,) = list_runs(store)
    assert (run.name, run.experiment, run.tags, run.status) == (
        "lr-sweep-3",
        "resnet",
        ["sweep"],
        "ok",
    )
    with store.read() as session:
        kinds = {(c.run_id, c.kind) for c in session.exec(select(Capture)).all()}
    assert kinds == {(run.id, k) for k in ("param", "metric", "note", "dataset", "artifact")}
    detail = run_detail(store, "lr-sweep-3")
    assert detail.run.command == "python train.py --lr 3e-4" and detail.run.exit_code == 0
    assert run.params["lr"] in ("3e-4", "0.0003") and run.params["optimizer"] == "adam"
    assert run.params["epochs"] == "3" and run.params["seed"] == "0"  # the script's SDK call
    assert "lr" not in run.metrics and "epochs" not in run.metrics
    # The run's val_acc is what train.py logged at its last epoch; the like (which matches no
    # logged value) is shown beside it and waits for review, never replacing it.
    assert run.metrics["val_acc"] == 0.83 and "val_acc" not in run.marks
    (like,) = [c for c in run_detail(store, "lr-sweep-3").captures if c.liked]
    assert (like.name, like.text, like.review) == ("val_acc", "0.9321", "pending")
    assert like.conflict == "you liked 0.9321, the run logged 0.83 at its last step"
    values = {c.name: [] for c in detail.captures}
    for c in detail.captures:
        if c.kind == "metric":
            values[c.name].append(c.step)
    assert values["train_loss"] == [1, 2, 3]  # steps from the `Epoch N` lines
    assert values["loss/batch"] == list(range(1, 13))  # the bars' values, kept apart
    assert "loss" not in values

    # What the commands said, and the filters finding it.
    assert "ended run 1 (lr-sweep-3): ok" in outputs[5].stdout
    assert "command: python train.py --lr 3e-4" in outputs[-1].stdout
    shown = outputs[-1].stdout
    assert "val_acc=0.83" in shown and "liked 0.9321" in shown and "pending" in shown
    assert "lr-sweep-3" in outputs[-2].stdout  # the logged val_acc 0.83 is > 0.8
    found = _run(
        ["runnotes", "runs", "list", "--json", "--where", "params.lr < 0.01"], tmp_path
    ).stdout
    assert [r["name"] for r in json.loads(found)] == ["lr-sweep-3"]
    assert json.loads(_run(["runnotes", "run", "current", "--json"], tmp_path).stdout) == {
        "run_id": None,
        "closed": [],
    }

    # The Python block, as written, in the same folder.
    (tmp_path / "quick_start.py").write_text(code_block("## Quick start", "python"))
    _run(["python", "quick_start.py"], tmp_path)
    baseline = run_detail(store, "baseline")
    assert (baseline.summary.status, baseline.summary.experiment) == ("ok", "resnet")
    assert baseline.summary.params == {"lr": "0.0003", "batch_size": "64"}
    # Nothing logged val_acc in this run: the like is its value, marked as liked.
    assert baseline.summary.metrics["val_acc"] == 0.9321
    assert baseline.summary.marks == {"val_acc": "liked"}
    assert len([c for c in baseline.captures if c.name == "loss"]) == 100
    assert {c.kind for c in baseline.captures} >= {"note", "dataset"}
    assert len(list_runs(store)) == 2  # nothing went to an auto- run
