"""``import runnotes as wandb``: a script written for W&B runs unchanged and is recorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import runnotes
from integrations.conftest import logged, only_run, steps
from runnotes.store import Store

SCRIPT = Path(__file__).parent / "scripts" / "wandb_train.py"


def _as_runnotes(tmp_path: Path, source: str) -> Path:
    """The script with its one W&B import swapped, as a user would do it."""
    assert source.count("\nimport wandb\n") == 1
    path = tmp_path / "train.py"
    path.write_text(source.replace("\nimport wandb\n", "\nimport runnotes as wandb\n"))
    return path


@pytest.mark.slow
def test_wandb_script_runs_unchanged(store: Store, tmp_path: Path) -> None:
    script = _as_runnotes(tmp_path, SCRIPT.read_text())
    done = subprocess.run(
        [sys.executable, str(script), "--epochs", "6"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "best accuracy" in done.stdout
    # A string is not a metric: said once, in one line, and the script goes on.
    assert done.stderr.count("'examples' is a str, not a number: not recorded") == 1

    detail = only_run(store)
    s = detail.summary
    assert (s.name, s.project, s.status) == ("quickstart-cnn", "my-awesome-project", "ok")
    assert s.tags == ["baseline", "cifar"]
    assert s.params == {
        "learning_rate": "0.02",
        "architecture": "CNN",
        "dataset": "CIFAR-100",
        "optimizer.name": "adam",
        "optimizer.beta1": "0.9",
        "epochs": "6",
        "batch_size": "32",
        "dropout": "0.1",
    }
    # W&B's steps: commit=False joins the next log call's step; each plain call is one step.
    # Four epochs of three batches and one validation call each.
    assert steps(detail, "train/loss") == [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]
    assert steps(detail, "train/lr") == steps(detail, "train/loss")
    assert steps(detail, "epoch") == steps(detail, "train/loss")
    assert steps(detail, "val.acc") == steps(detail, "val.loss") == [3, 7, 11, 15]
    assert s.metrics["best_acc"] == pytest.approx(max(v for _, v in logged(detail, "val.acc")))
    notes = [c.text for c in detail.captures if c.kind == "note"]
    assert notes == ["first try with the small CNN"]

    # The run page draws each logged metric's curve.
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    with TestClient(create_app(store)) as client:
        page = client.get(f"/runs/{s.id}").text
    for metric in ("train/loss", "val.acc", "best_acc"):
        assert metric in page
    assert page.count('class="rn-chart"') >= 2 and "ok" in page  # train/loss, val.acc


@pytest.mark.slow
def test_a_script_that_raises_ends_failed(store: Store, tmp_path: Path) -> None:
    source = "\nimport sys\nimport wandb\nwandb.init(project='p')\nsys.exit(3)\n"
    done = subprocess.run(
        [sys.executable, str(_as_runnotes(tmp_path, source))], capture_output=True, timeout=60
    )
    assert done.returncode == 3
    crash = "\nimport wandb\nwandb.init(project='p')\nwandb.log({'loss': 1.0})\n1 / 0\n"
    subprocess.run([sys.executable, str(_as_runnotes(tmp_path, crash))], timeout=60)
    from runnotes.store.queries import list_runs

    assert [r.status for r in list_runs(store)] == ["failed", "failed"]


def test_watch_stays_the_function_when_the_watch_command_is_loaded() -> None:
    import runnotes.watch  # what `runnotes watch` loads: the package attribute was this module
    from runnotes import wandb_style

    assert runnotes.watch is wandb_style.watch


def test_steps_config_and_summary_in_process(store: Store) -> None:
    with runnotes.init(project="p", group="g", config={"lr": 0.1}, job_type="train") as run:
        assert runnotes.run is run and runnotes.config.lr == 0.1 and "lr" in runnotes.config
        runnotes.config["layers"] = 3
        run.config.setdefaults({"layers": 4, "width": 8})
        runnotes.log({"loss": 0.5}, step=10)
        runnotes.log({"acc": 0.7}, step=10)  # the same step, joined
        runnotes.log({"loss": 0.4}, step=5)  # lower than the current step: dropped, as in W&B
        runnotes.log({"loss": 0.3})
        runnotes.log({"loss": 0.2})
        run.define_metric("loss", summary="min")
        runnotes.watch(object())
        assert runnotes.summary["loss"] == 0.2
        run.summary.update({"loss": 0.25, "note": "not a number"})
    assert runnotes.run is None
    detail = only_run(store)
    s = detail.summary
    assert (s.experiment, s.status, s.tags) == ("g", "ok", ["job_type=train"])
    assert s.params == {"lr": "0.1", "layers": "3", "width": "8"}
    assert steps(detail, "loss") == [10, 10, 11, None]  # the summary value is the latest
    assert steps(detail, "acc") == [10]
    assert s.metrics["loss"] == 0.25
    # The settings module is still reached through the package.
    assert runnotes.config.load_settings is not None


def test_finish_with_an_exit_code_marks_the_run_failed(store: Store) -> None:
    runnotes.init(project="p", name="first")
    runnotes.init(project="p", name="second")  # finishes the first, as W&B does in scripts
    runnotes.log({"loss": 1})
    runnotes.finish(exit_code=2)
    runnotes.finish()
    from runnotes.store.queries import list_runs

    assert [(r.name, r.status) for r in list_runs(store)] == [("second", "failed"), ("first", "ok")]
    with pytest.raises(runnotes.errors.RunnotesError, match="call runnotes.init"):
        runnotes.log({"loss": 1})
