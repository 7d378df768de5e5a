"""`runnotes watch` on the real output of real training libraries, run as real subprocesses."""

from __future__ import annotations

import importlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from conftest import run_cli
from runnotes.capture import lines
from runnotes.capture.parse import LineReader, Parsed
from runnotes.services.metrics import series
from runnotes.store import Capture, Store
from runnotes.store.queries import RunFilter, list_runs, run_detail

XGBOOST = """
    import xgboost as xgb
    from sklearn.datasets import load_diabetes
    X, y = load_diabetes(return_X_y=True)
    train, test = xgb.DMatrix(X[:300], y[:300]), xgb.DMatrix(X[300:], y[300:])
    xgb.train({"max_depth": 3, "nthread": 1}, train, num_boost_round=8,
              evals=[(train, "train"), (test, "eval")], verbose_eval=True)
"""
LIGHTGBM = """
    import lightgbm as lgb
    from sklearn.datasets import load_diabetes
    X, y = load_diabetes(return_X_y=True)
    train = lgb.Dataset(X[:300], y[:300])
    valid = lgb.Dataset(X[300:], y[300:], reference=train)
    lgb.train({"objective": "regression", "verbose": -1, "num_threads": 1}, train,
              num_boost_round=6, valid_sets=[valid], callbacks=[lgb.log_evaluation(1)])
"""
SKLEARN = """
    import warnings
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, verbose=True, random_state=0).fit(X, y)
"""
TQDM = """
    import time
    from tqdm import tqdm
    bar = tqdm(range(5), desc="Epoch 1", mininterval=0)
    for i in bar:
        bar.set_postfix(loss=1.0 / (i + 1), acc=0.5 + i / 10)
        time.sleep(0.01)
"""

# The module, not the package's attribute: ``runnotes.watch`` is W&B's ``watch()``.
watch_module = importlib.import_module("runnotes.watch")


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


def _series(store: Store, run_id: int, metric: str) -> list[tuple[float, float]]:
    return series(store, run_id, metric)


@pytest.mark.parametrize(
    ("name", "body", "metric", "steps"),
    [
        ("xgb", XGBOOST, "eval-rmse", list(range(8))),
        ("lgbm", LIGHTGBM, "valid_0-l2", list(range(1, 7))),
        ("mlp", SKLEARN, "loss", list(range(1, 6))),
    ],
)
@pytest.mark.slow
def test_watch_real_libraries(
    store: Store, tmp_path: Path, name: str, body: str, metric: str, steps: list[int]
) -> None:
    script = _script(tmp_path, name, body)
    direct = subprocess.run([sys.executable, str(script)], capture_output=True, check=True)
    watched = run_cli("watch", "-e", "libs", "--name", name, "--", sys.executable, str(script))
    assert watched.stdout.encode() == direct.stdout  # passed through unchanged
    run = list_runs(store, RunFilter(experiment="libs"))[0]
    assert run.status == "ok" and run.name == name
    series = _series(store, run.id, metric)
    assert [s for s, _ in series] == steps
    assert all(v > 0 for _, v in series)
    assert run_detail(store, run.id).run.command.endswith(f"{name}.py")


def test_watch_tqdm_postfix_on_stderr(store: Store, tmp_path: Path) -> None:
    script = _script(tmp_path, "bar", TQDM)
    done = run_cli("watch", "--", sys.executable, str(script))
    assert "loss=" in done.stderr
    run = list_runs(store)[0]
    assert run.metrics["loss/batch"] == pytest.approx(0.2)  # a bar's values are per batch
    assert run.metrics["acc/batch"] == pytest.approx(0.9)
    assert [s for s, _ in _series(store, run.id, "loss/batch")] == [1, 2, 3, 4, 5]


def test_watch_keeps_exit_code_and_survives_bad_bytes(store: Store, tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "bad",
        """
        import sys
        sys.stdout.buffer.write(b"\\xff\\xfe loss=0.5\\n")
        sys.stdout.buffer.write(b"acc: 0.7")  # no final newline
        sys.exit(3)
    """,
    )
    done = run_cli("watch", "--", sys.executable, str(script), check=False)
    assert done.returncode == 3
    run = list_runs(store)[0]
    assert run.status == "failed"
    assert run.metrics == {"loss": 0.5, "acc": 0.7}


def test_watch_ctrl_c_ends_run_as_killed(store: Store, tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "long",
        """
        import time
        for step in range(1000):
            print(f"step {step} loss={1 / (step + 1):.4f}", flush=True)
            time.sleep(0.05)
    """,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "runnotes", "watch", "--", sys.executable, str(script)],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None
    for _ in range(3):
        proc.stdout.readline()
    time.sleep(1.2)  # past one metric flush
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    run = list_runs(store)[0]
    assert run.status == "killed"
    assert len(_series(store, run.id, "loss")) >= 3


def test_watch_unknown_command_is_one_line(store: Store) -> None:
    done = run_cli("watch", "--", "definitely-not-a-program", check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "runnotes: error: cannot run 'definitely-not-a-program': no such command (not on PATH); "
        "no run was recorded"
    ]
    assert list_runs(store) == []  # refused before a run was made for it


def test_watch_params_and_per_epoch_vs_per_batch_values(store: Store, tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "epochs",
        """
        import sys
        from tqdm import tqdm
        print({"model": "mlp", "hidden": 64})  # the config, printed before training
        for epoch in range(1, 3):
            print(f"Epoch {epoch}/2")
            bar = tqdm(range(3), desc=f"Epoch {epoch}", mininterval=0, file=sys.stdout)
            for batch in bar:
                bar.set_postfix(loss=1 / (epoch * 10 + batch))
            print(f"loss: {1 / epoch:.3f}  val_acc: {epoch / 4:.2f}", flush=True)
    """,
    )
    argv = ["--batch-size=64", "optimizer.lr=0.1", "--fp16"]
    run_cli("watch", "--", sys.executable, str(script), *argv)
    run = list_runs(store)[0]
    assert run.name == "epochs"  # the script's name
    assert run.params == {
        "batch_size": "64",
        "fp16": "true",
        "hidden": "64",
        "model": "mlp",
        "optimizer.lr": "0.1",
    }
    assert _series(store, run.id, "loss") == [(1, 1.0), (2, 0.5)]  # the epochs' values
    assert [s for s, _ in _series(store, run.id, "loss/batch")] == [1, 2, 3, 4, 5, 6]
    assert run.metrics["loss"] == 0.5 and "hidden" not in run.metrics


@pytest.mark.slow
def test_watch_one_long_line_and_binary_output_give_no_junk_and_finish(
    store: Store, tmp_path: Path
) -> None:
    """32 MB on one line took 109 s before (the unfinished line re-split on every read) and
    random bytes became ~1 000 junk metrics; now the long line and the bytes are output only,
    and the metric line after them is read."""
    script = _script(
        tmp_path,
        "noisy",
        """
        import random, sys
        out = sys.stdout.buffer
        out.write(b"loss=0.5 acc: 0.7 " * ((32 << 20) // 18))  # one 32 MB line
        out.write(b"\\n")
        out.write(random.Random(0).randbytes(2 << 20))  # 2 MB of binary
        out.write(b"\\nval_acc=0.93\\n")
        """,
    )
    done = run_cli("watch", "--", sys.executable, str(script), timeout=110)
    assert len(done.stdout) > 32 << 20  # all of it passed through
    run = list_runs(store)[0]
    assert run.status == "ok"
    assert run.metrics == {"val_acc": 0.93}


def test_watch_drains_while_the_reading_is_slow_and_stores_every_value_once(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line reader is held until the command has written everything: 2 MB of metric lines,
    past the pipe (1 MiB) and the reader's memory (shrunk to 256 KiB here, so the disk takes the
    rest). The command's writes complete all the same, and afterwards every line is read: each
    value stored once, at its step (issue #31)."""
    monkeypatch.setattr(lines, "MAX_BACKLOG", 256 << 10)
    written = tmp_path / "written"
    count = 50_000
    script = _script(
        tmp_path,
        "flood",
        f"""
        import pathlib, sys
        out = sys.stdout.buffer
        for i in range({count}):
            out.write(b"step %d loss=%.6f acc=%.4f\\n" % (i, 1 / (i + 1), i / {count}))
        out.flush()
        pathlib.Path({str(written)!r}).touch()
        """,
    )
    real = LineReader.read
    held: list[bool] = []

    def slow(self: LineReader, line: str) -> Parsed:
        if not held:  # the first line waits for the command to have written all of it
            deadline = time.monotonic() + 60
            while not written.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            held.append(written.exists())
        return real(self, line)

    monkeypatch.setattr(LineReader, "read", slow)
    done = run_cli("watch", "--", sys.executable, str(script))
    assert held == [True]  # written in full while nothing was read
    assert done.stdout.count("\n") == count
    run = list_runs(store)[0]
    loss = _stored(store, run.id, "loss")
    assert loss == [(i, float(f"{1 / (i + 1):.6f}")) for i in range(count)]  # each once, in order
    assert [s for s, _ in _stored(store, run.id, "acc")] == list(range(count))


def _stored(store: Store, run_id: int, name: str) -> list[tuple[int, float]]:
    """Every value stored under ``name``, in the order stored (a series keeps one per step)."""
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT p.step, p.value FROM series_point p JOIN series_name n"
                " ON n.id = p.name_id WHERE p.run_id = :run AND n.name = :name ORDER BY p.id"
            ),
            {"run": run_id, "name": name},
        )
        return [(step, value) for step, value in rows]


def test_ctrl_c_while_watch_reads_after_the_command_stops_and_says_what_was_not_read(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command has ended and the reader is behind: watch says it is still reading; Ctrl-C
    then stops the reading, and the run ends with the command's status, the bytes not read
    said on stderr and kept with output.log."""
    monkeypatch.setattr(watch_module, "READ_ON_S", 0.1)
    script = _script(
        tmp_path,
        "quick",
        """
        import sys
        sys.stdout.buffer.write(b"".join(b"step %d loss=0.5\\n" % i for i in range(20000)))
        """,
    )
    real_read, real_warning = LineReader.read, watch_module.log.warning

    def slow(self: LineReader, line: str) -> Parsed:
        time.sleep(0.01)
        return real_read(self, line)

    def warning(message: str, *args: object) -> None:
        real_warning(message, *args)
        if message.startswith("watch: the command has ended"):  # watch now waits for the reader
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()

    monkeypatch.setattr(LineReader, "read", slow)
    monkeypatch.setattr(watch_module.log, "warning", warning)
    done = run_cli("watch", "--", sys.executable, str(script))
    assert "the command has ended; reading the" in done.stderr
    unread = re.search(r"watch: (\d+) bytes of output were not read for metrics", done.stderr)
    assert unread is not None and int(unread.group(1)) > 0
    run = list_runs(store)[0]
    assert run.status == "ok"
    assert 0 < len(_stored(store, run.id, "loss")) < 20000
    with store.read() as session:
        kept = session.exec(select(Capture).where(Capture.name == "output.log")).one()
    assert kept.extra is not None and kept.extra["unread_bytes"] == int(unread.group(1))
