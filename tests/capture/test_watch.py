"""`runnotes watch` on the real output of real training libraries, run as real subprocesses."""

from __future__ import annotations

import contextlib
import importlib
import json
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

from conftest import run_cli, stored_values
from runnotes.services.metrics import series
from runnotes.store import Store
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
    print("DEBUG", watched.stderr[-600:])
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


@pytest.mark.slow  # a real child process and a signal
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


def _flood(
    tmp_path: Path, count: int, wait_for: Path | None = None, stop_reader: Path | None = None
) -> Path:
    """A command that prints ``count`` metric lines as fast as it can, then (with
    ``wait_for``) touches ``written`` and waits for that file, (with ``stop_reader``, a store
    folder) stops the reader once it has stored a batch (SIGSTOP: it is still reading when the
    command ends, however fast it is), then prints ``val_acc``."""
    return _script(
        tmp_path,
        "flood",
        f"""
        import json, os, pathlib, signal, sys, time
        out = sys.stdout.buffer
        for i in range({count}):
            out.write(b"step %d loss=%.6f acc=%.4f\\n" % (i, 1 / (i + 1), i / {count}))
        out.flush()
        go = {str(wait_for) if wait_for else ""!r}
        if go:
            pathlib.Path({str(tmp_path / "written")!r}).touch()
            for _ in range(6000):
                if pathlib.Path(go).exists():
                    break
                time.sleep(0.01)
        home = {str(stop_reader) if stop_reader else ""!r}
        while home:
            for ckpt in pathlib.Path(home, "spool").glob("*.ckpt"):
                try:
                    saved = json.loads(ckpt.read_text())
                except (OSError, ValueError):
                    continue
                if saved["offset"] > 0:
                    os.kill(saved["pid"], signal.SIGSTOP)
                    home = ""
            time.sleep(0.01)
        out.write(b"val_acc=0.93\\n")
        """,
    )


def _read_to_the_end(home: Path, timeout: float = 180) -> None:
    """Waits until every spool of the store folder is read to its end (and gone)."""
    deadline = time.monotonic() + timeout
    while _left(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _left(home), "a spool was not read to its end"


def _left(home: Path) -> list[Path]:
    return [p for p in (home / "spool").glob("*") if p.suffix in (".spool", ".ckpt", ".json")]


def _every_value_once(store: Store, run_id: int, count: int) -> None:
    loss = stored_values(store, run_id, "loss")
    assert loss == [(i, float(f"{1 / (i + 1):.6f}")) for i in range(count)]  # each once, in order
    assert [s for s, _ in stored_values(store, run_id, "acc")] == list(range(count))
    assert [v for _, v in stored_values(store, run_id, "val_acc")] == [0.93]


def test_watch_stops_waiting_for_its_reader_and_every_value_is_still_stored_once(
    store: Store, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """watch waits for the reading at most its bound (zero here): the output is then read in
    the background, said in one line, and every value still arrives, once, at its step."""
    monkeypatch.setattr(watch_module, "WAIT_S", 0.0)
    monkeypatch.setattr(watch_module, "WAIT_SHARE", 0.0)
    count = 50_000
    done = run_cli("watch", "--", sys.executable, str(_flood(tmp_path, count, stop_reader=home)))
    assert done.stdout.count("\n") == count + 1
    said = [line for line in done.stderr.splitlines() if "in the background" in line]
    assert len(said) == 1 and said[0].startswith("watch: the command has ended; ")
    assert "`runnotes doctor` shows how far" in said[0]
    assert done.stderr.rstrip().endswith("metric values: still being read")
    run = list_runs(store)[0]
    assert run.status == "ok"  # the run ends with the command, not with the reading
    reader = int(re.search(r"\(process (\d+);", said[0]).group(1))  # type: ignore[union-attr]
    os.kill(reader, signal.SIGSTOP)  # held, so that it is seen still reading
    try:
        shown = run_cli("runs", "show", str(run.id)).stdout
        assert re.search(r"output: \d+\.\d MB still being read for metrics", shown)
        doctor = json.loads(run_cli("doctor", "--json", check=False).stdout)
        said_by_doctor = [f["message"] for f in doctor if f["check"] == "watch"]
        assert said_by_doctor[0].startswith(f"run {run.id}: output being read")
    finally:
        os.kill(reader, signal.SIGCONT)
    _read_to_the_end(home)
    _every_value_once(store, run.id, count)


def test_ctrl_c_while_watch_waits_for_its_reader_leaves_the_reading_to_the_background(
    store: Store, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command has ended and watch waits for its reader, saying so (once) when that takes
    a while; Ctrl-C stops the wait, not the reading (a process of its own): the run ends with
    the command's status and nothing the command printed is lost."""
    monkeypatch.setattr(watch_module, "WAIT_S", 0.05)  # the wait is said 0.05 s in
    monkeypatch.setattr(watch_module, "wait_bound", lambda ran: 60.0)
    real_warning = watch_module.log.warning

    def warning(message: str, *args: object) -> None:
        real_warning(message, *args)
        if message.startswith("watch: the command has ended; reading the"):
            threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()  # Ctrl-C

    monkeypatch.setattr(watch_module.log, "warning", warning)
    count = 100_000
    done = run_cli("watch", "--", sys.executable, str(_flood(tmp_path, count, stop_reader=home)))
    said = done.stderr.splitlines()
    assert any(re.match(r"watch: the command has ended; reading the [\d.]+ MB", s) for s in said)
    assert "still being read for metrics in the background" in done.stderr
    reader = re.search(r"\(process (\d+);", done.stderr)
    os.kill(int(reader.group(1)), signal.SIGCONT)  # type: ignore[union-attr]
    run = list_runs(store)[0]
    assert run.status == "ok"
    _read_to_the_end(home)
    _every_value_once(store, run.id, count)


@pytest.mark.slow  # real processes, killed
def test_a_killed_reader_is_replaced_and_a_killed_watch_is_read_on_by_doctor(
    store: Store, home: Path, tmp_path: Path
) -> None:
    """SIGKILL the reader while the command runs: watch starts another that takes up the
    spool; SIGKILL watch and its reader: ``runnotes doctor`` reads on. Either way every value
    the command printed is stored once."""
    count = 60_000
    for kill_watch in (False, True):
        go = tmp_path / f"go-{kill_watch}"
        (tmp_path / "written").unlink(missing_ok=True)
        script = _flood(tmp_path, count, wait_for=go)
        watching = subprocess.Popen(
            [sys.executable, "-m", "runnotes", "watch", "--", sys.executable, str(script)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        pid = _reader_with_a_batch_stored(home)
        deadline = time.monotonic() + 60
        while not (tmp_path / "written").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        if kill_watch:
            _spooled(home, count)  # every line the command wrote is on disk
            watching.kill()
            watching.wait(timeout=30)
            go.touch()
            doctor = run_cli("doctor", "--json", check=False)
            assert "its reader had stopped: read on now" in doctor.stdout
        else:
            go.touch()
            _, err = watching.communicate(timeout=120)
            assert watching.returncode == 0
            assert "the output's reader stopped (exit -9); another takes over" in err
        _read_to_the_end(home)
        run = list_runs(store)[0]
        loss = stored_values(store, run.id, "loss")
        if kill_watch:  # the last line was never written: watch was gone
            assert loss == [(i, float(f"{1 / (i + 1):.6f}")) for i in range(count)]
        else:
            _every_value_once(store, run.id, count)


def _reader_with_a_batch_stored(home: Path) -> int:
    """The reader's process id, once it has stored a batch."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for ckpt in (home / "spool").glob("*.ckpt"):
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads(ckpt.read_text())
                if saved["offset"] > 0:
                    return int(saved["pid"])
        time.sleep(0.02)
    raise AssertionError("no reader stored a batch")


def _spooled(home: Path, count: int) -> None:
    """Waits until the spool holds at least the bytes of ``count`` metric lines."""
    size = sum(
        len(b"step %d loss=%.6f acc=%.4f\n" % (i, 1 / (i + 1), i / count)) for i in range(count)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if sum(p.stat().st_size for p in (home / "spool").glob("*.spool")) >= size:
            return
        time.sleep(0.05)
    raise AssertionError("the output did not reach the spool")
