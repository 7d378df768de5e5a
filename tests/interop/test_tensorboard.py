"""TensorBoard event files written by tensorboard's own writers, imported back."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.errors import RunnotesError
from runnotes.interop.tensorboard import import_tensorboard
from runnotes.services.metrics import series
from runnotes.store.queries import list_runs, run_detail

WALL = 1_700_000_000.0


def write_run(folder: Path, lr: float, optimizer: str, offset: float) -> None:
    """Scalars through ``tensorboard.summary.Writer``; hparams as the hparams plugin writes them."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.plugins.hparams.summary_v2 import hparams_pb
    from tensorboard.summary import Writer
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = Writer(str(folder))
    for step in range(20):
        writer.add_scalar("train/loss", 2.0 / (step + 1) + offset, step, wall_time=WALL + step)
        if step % 5 == 4:
            writer.add_scalar("val/acc", 0.5 + step / 50 + offset, step, wall_time=WALL + step)
    writer.close()
    hp = EventFileWriter(str(folder / "hparams"))
    hp.add_event(
        Event(
            wall_time=WALL, summary=hparams_pb({"lr": lr, "optimizer": optimizer, "augment": True})
        )
    )
    hp.close()


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    root = tmp_path / "tb"
    write_run(root / "run-a", 0.001, "adam", 0.0)
    write_run(root / "run-b", 0.01, "sgd", 0.25)
    return root


def test_scalars_steps_walltimes_and_hparams(store, logdir: Path) -> None:
    result = import_tensorboard(store, logdir)
    assert (result.created, result.values) == (2, 2 * 24)
    names = {r.name: r for r in list_runs(store)}
    assert set(names) == {"run-a", "run-b"}  # the hparams sub-folders are folded into their run
    detail = run_detail(store, "run-b")
    loss = sorted((c.step, c.value, c.timestamp) for c in detail.captures if c.name == "train/loss")
    assert loss == [(s, pytest.approx(2.0 / (s + 1) + 0.25), WALL + s) for s in range(20)]
    acc = sorted((c.step, c.value) for c in detail.captures if c.name == "val/acc")
    assert acc == [(s, pytest.approx(0.5 + s / 50 + 0.25)) for s in (4, 9, 14, 19)]
    assert detail.summary.params == {"augment": "True", "lr": "0.01", "optimizer": "sgd"}
    assert detail.summary.experiment == "tb"
    assert (detail.summary.started_at, detail.summary.ended_at) == (WALL, WALL + 19)

    again = import_tensorboard(store, logdir)
    assert (again.created, again.updated) == (0, 2)
    assert len(run_detail(store, "run-b").captures) == len(detail.captures)


def test_corrupt_event_file_names_file_and_record(store, logdir: Path) -> None:
    (event_file,) = (logdir / "run-b").glob("*tfevents*")
    data = bytearray(event_file.read_bytes())
    data[-10] ^= 0xFF  # flip a bit inside the last record
    event_file.write_bytes(bytes(data))
    with pytest.raises(RunnotesError) as caught:
        import_tensorboard(store, logdir)
    message = str(caught.value)
    assert message.startswith(f"{event_file}: record ")
    assert "corrupt event file" in message and "crc32" in message
    assert list_runs(store) == []  # run-a was fine, yet nothing is half-imported


def test_cli_import_tensorboard(home: Path, logdir: Path, tmp_path: Path) -> None:
    done = run_cli("import", "tensorboard", str(logdir), "-e", "sweep")
    assert "imported 2 runs" in done.stdout
    bad = run_cli("import", "tensorboard", str(tmp_path / "empty"), check=False)
    assert bad.returncode == 1 and "runnotes: error: no such folder" in bad.stderr


@pytest.mark.postgres
def test_import_into_postgresql(pg_store_url: str, tmp_path: Path, logdir: Path) -> None:
    from runnotes.config import load_settings
    from runnotes.store import open_store

    store = open_store(load_settings(tmp_path / "pg-home", pg_store_url))
    try:
        assert import_tensorboard(store, logdir).values == 2 * 24
        assert import_tensorboard(store, logdir).updated == 2
        assert len(series(store, run_detail(store, "run-a").summary.id, "train/loss")) == 20
    finally:
        store.close()
