"""A day of work with `watch`, the W&B-style module and `like`, as a user does it (issue #21,
items 4 and 8). Each test failed on main before this work.

The base-install part of item 8 (every extra-gated command answers with the one-line "needs the
'X' extra" error) is in tests/packaging/test_wheel.py: it needs the wheel in a clean venv that
test builds once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.services.metrics import series
from runnotes.store import Store
from runnotes.store.queries import list_runs, run_detail

TRAIN = """
    import logging
    import time

    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(filename)s:%(lineno)d - %(message)s",
        level=logging.INFO,
    )
    log = logging.getLogger("train")
    print("Loaded cuDNN version 8900")
    print("data: 960 train / 240 val rows")
    print("loaded 1797 samples")
    log.info("  Num examples = 24000")
    log.info("  Num Epochs = 3")
    for epoch in range(1, 4):
        for it in range(2):
            print(f"iter {epoch * 10 + it}: loss {1 / (epoch + it):.4f}, time 12.5ms", flush=True)
        log.info(
            f"Epoch {epoch:02d} | train_loss {0.5 / epoch:.4f} | val_loss {0.6 / epoch:.4f}"
            f" | val_acc {0.8 + epoch / 100:.4f}"
        )
        print("saved checkpoint (12 MB)", flush=True)
"""

LOOP = """
    import signal
    import sys
    import time

    if "--ignore-hup" in sys.argv:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    for step in range(100000):
        print(f"step {step} loss={1 / (step + 1):.4f}", flush=True)
        time.sleep(0.05)
"""


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_watch_stores_what_the_script_reports_not_every_number(
    store: Store, tmp_path: Path
) -> None:
    run_cli("watch", "-e", "day", "--", sys.executable, str(_script(tmp_path, "train", TRAIN)))
    (run,) = list_runs(store)
    assert set(run.metrics) == {"loss", "train_loss", "val_loss", "val_acc"}
    assert run.metrics["val_acc"] == 0.83
    assert [step for step, _ in series(store, run.id, "val_acc")] == [1, 2, 3]
    assert [step for step, _ in series(store, run.id, "loss")] == [10, 11, 20, 21, 30, 31]
    listed = run_cli("runs", "list", "--json", "--where", "metrics.val_acc > 0.82").stdout
    assert [r["name"] for r in json.loads(listed)] == ["train"]


def _watch(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    script = _script(tmp_path, "loop", LOOP)
    command = [sys.executable, "-m", "runnotes", "watch", *args, "--", sys.executable, str(script)]
    if "--grace" in args:
        command.append("--ignore-hup")
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    assert proc.stdout is not None
    for _ in range(3):
        assert proc.stdout.readline().startswith(b"step ")
    return proc


@pytest.mark.slow  # real `runnotes watch` processes and signals
def test_sigterm_is_passed_on_and_the_run_ends_killed_with_its_summary(
    store: Store, tmp_path: Path
) -> None:
    proc = _watch(tmp_path)
    os.kill(proc.pid, signal.SIGTERM)  # to watch only, as timeout, SLURM and Kubernetes do
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143  # the command's: it died of the SIGTERM watch passed on
    assert "runnotes: run 1 (loop) killed; exit 143" in err.decode()
    detail = run_detail(store, 1)
    assert (detail.run.status, detail.run.exit_code) == ("killed", 143)
    assert series(store, 1, "loss")


@pytest.mark.slow  # real processes; waits out the grace
def test_sighup_ignored_by_the_command_ends_in_a_kill_after_the_grace(
    store: Store, tmp_path: Path
) -> None:
    proc = _watch(tmp_path, "--grace", "1")
    os.kill(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 137
    assert "runnotes: run 1 (loop) killed; exit 137" in err.decode()
    assert run_detail(store, 1).run.status == "killed"


WANDB_QUICKSTART = """
    import runnotes as wandb

    wandb.login()
    run = wandb.init(project="quick", config={"lr": 0.01})
    table = wandb.Table(columns=["a", "b"])
    table.add_data(1, 2)
    for epoch in range(3):
        wandb.log({
            "acc": 0.5 + epoch / 10,
            "examples": wandb.Image("sample.png", caption="a digit"),
            "predictions": table,
            "weights": wandb.Histogram([0.1, 0.2, 0.2]),
        })
    wandb.save("model.pt")
    artifact = wandb.Artifact("model", type="model")
    artifact.add_file("model.pt")
    run.log_artifact(artifact)
    api = wandb.Api()
    wandb.finish()
"""


@pytest.mark.slow  # a real process under `runnotes watch`
def test_wandb_quickstart_runs_and_media_are_skipped_with_one_warning_each(
    store: Store, tmp_path: Path
) -> None:
    script = _script(tmp_path, "quick", WANDB_QUICKSTART)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "not recorded" in line]
    assert len(warnings) == 5, done.stderr  # examples, predictions, weights, save, artifact
    (run,) = list_runs(store)
    assert run.status == "ok" and run.metrics == {"acc": 0.7} and run.params == {"lr": "0.01"}


def test_like_of_text_for_a_logged_metric_is_refused_and_opens_no_run(
    store: Store, tmp_path: Path
) -> None:
    script = _script(tmp_path, "fit", 'print("epoch 1 val_acc=0.8834")')
    run_cli("watch", "--", sys.executable, str(script))
    done = run_cli("like", "val_acc=abc", check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "runnotes: error: val_acc is a metric in your runs (numbers); 'abc' is not a number: "
        "not liked"
    ]
    listed = json.loads(run_cli("runs", "list", "--show", "all", "--json").stdout)
    assert [(r["name"], r["status"]) for r in listed] == [("fit", "ok")]  # no auto run
    assert list_runs(store)[0].metrics == {"val_acc": 0.8834}
