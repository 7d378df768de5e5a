"""Exports (JSON Lines, CSV, Parquet) imported back into a fresh store give the same runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.interop.export import import_jsonl, select_runs, table_rows, write_export
from runnotes.interop.tables import import_table
from runnotes.sdk import start_run
from runnotes.store import Store, open_store
from runnotes.store.queries import RunFilter, list_runs


@pytest.fixture
def filled(store: Store) -> Store:
    """Three runs with params, stepped metrics, likes, notes and tags, one failed."""
    specs = [
        ("baseline", "resnet", 0.001, "ok"),
        ("lower-lr", "resnet", 0.0003, "failed"),
        ("warmup", "bert", 5e-5, "ok"),
    ]
    for i, (name, experiment, lr, status) in enumerate(specs):
        run = start_run(name, experiment=experiment, tags=["sweep", f"seed={i}"], store=store)
        run.log_params({"lr": lr, "optimizer": "adam"})
        for step in range(30):
            run.log_metrics({"loss": 1 / (step + 1) + i, "val_acc": 0.5 + step / 100}, step=step)
        run.like("val_acc", 0.79 + i / 100)
        run.note(f"{name}: because, a comma and a\nnew line")
        run.end(status)
    return store


def fresh_store(tmp_path: Path, name: str) -> Store:
    home = tmp_path / name
    return open_store(load_settings(home, f"sqlite:///{home / 'runnotes.db'}"))


def _comparable(store: Store) -> list[dict]:  # type: ignore[type-arg]
    """Runs as the table export describes them, minus store-specific ids."""
    runs = select_runs(store)
    return [{k: v for k, v in row.items() if k != "id"} for row in table_rows(store, runs)]


def test_jsonl_round_trip_keeps_every_capture(filled: Store, tmp_path: Path) -> None:
    first = io.StringIO()
    write_export(filled, select_runs(filled), "jsonl", first)
    path = tmp_path / "runs.jsonl"
    path.write_text(first.getvalue())
    other = fresh_store(tmp_path, "other")
    assert import_jsonl(other, path).created == 3
    second = io.StringIO()
    write_export(other, select_runs(other), "jsonl", second)

    def strip(text: str) -> list[dict]:  # type: ignore[type-arg]
        records = [json.loads(line) for line in text.splitlines()]
        for record in records:
            for key in ("id", "experiment_id", "source_id", "packages_sha", "git_diff_sha"):
                record["run"].pop(key)
        return records

    assert strip(second.getvalue()) == strip(first.getvalue())
    assert len(strip(first.getvalue())[0]["captures"]) == 2 + 60 + 2  # params, metrics, like+note
    # Importing the same file again resets those runs to the snapshot: nothing doubles.
    assert (import_jsonl(other, path).updated, len(list_runs(other))) == (3, 3)
    third = io.StringIO()
    write_export(other, select_runs(other), "jsonl", third)
    assert strip(third.getvalue()) == strip(first.getvalue())


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_table_round_trip(filled: Store, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"runs.{fmt}"
    write_export(filled, select_runs(filled), fmt, path=path)
    other = fresh_store(tmp_path, "other")
    assert import_table(other, path).created == 3
    want, got = _comparable(filled), _comparable(other)
    for row in want + got:  # a table keeps the last value, not the series: best = last here
        row.pop("git_commit")
        for key in [k for k in row if k.startswith("best.")]:
            row.pop(key)
    assert got == want
    assert want[0]["params.lr"] == "0.001" and want[0]["metrics.val_acc"] == 0.79
    assert want[0]["tags"] == "seed=0; sweep" and want[1]["status"] == "failed"
    assert (import_table(other, path).updated, len(list_runs(other))) == (3, 3)


def test_csv_best_values_and_filters(filled: Store) -> None:
    stream = io.StringIO()
    picked = RunFilter(experiment="resnet", where="params.lr < 0.0005")
    write_export(filled, select_runs(filled, picked), "csv", stream)
    (row,) = csv.DictReader(io.StringIO(stream.getvalue()))
    assert row["name"] == "lower-lr"
    assert row["notes"] == "lower-lr: because, a comma and a\nnew line"
    assert float(row["best.loss"]) == pytest.approx(1 / 30 + 1)  # lowest loss
    # the best logged accuracy: the like of 0.8 matches no logged value, it sits beside them
    assert float(row["best.val_acc"]) == pytest.approx(0.79)


def test_csv_import_with_column_lists_and_ragged_row(store: Store, tmp_path: Path) -> None:
    sheet = tmp_path / "sweep.csv"
    sheet.write_text(
        "name,lr,batch,val_acc,comment\na,0.001,64,0.91,first\nb,0.01,128,93%,second\n"
    )
    result = import_table(store, sheet, params=["lr", "batch"], metrics=["val_acc"])
    assert result.created == 2
    runs = {r.name: r for r in list_runs(store)}
    assert runs["b"].params == {"batch": "128", "lr": "0.01"}
    assert runs["b"].metrics == {"val_acc": 93.0}
    assert runs["a"].experiment == "sweep"

    sheet.write_text("name,params.lr,metrics.acc\nc,0.1,0.5\nd,0.2\ne,0.3,0.7\n")
    with pytest.raises(RunnotesError) as caught:
        import_table(store, sheet)
    assert str(caught.value) == f"{sheet}:3: 2 fields, the header has 3"
    assert {r.name for r in list_runs(store)} == {"a", "b"}  # c was fine, yet not imported

    sheet.write_text("name,lr\nc,0.1\n")
    with pytest.raises(RunnotesError, match="say which columns are params and metrics"):
        import_table(store, sheet)


def test_cli_export_and_import(home: Path, tmp_path: Path) -> None:
    run_cli("run", "start", "cli-run", "-e", "cli")
    run_cli("like", "val_acc=0.9")
    run_cli("note", "exported from the command line")
    run_cli("run", "end")
    dumped = run_cli("export", "--format", "csv")
    assert "cli-run" in dumped.stdout and "exported 1 runs as csv" in dumped.stderr
    target = tmp_path / "all.parquet"
    run_cli("export", "-f", "parquet", "-o", str(target))
    other = {"RUNNOTES_HOME": str(tmp_path / "other")}
    assert "imported 1 runs" in run_cli("import", "parquet", str(target), env=other).stdout
    shown = run_cli("runs", "show", "cli-run", "--json", env=other).stdout
    assert '"val_acc": 0.9' in shown and "exported from the command line" in shown
    bad = run_cli("export", "-f", "parquet", check=False)
    assert bad.stderr.strip() == "runnotes: error: Parquet needs a file: --output runs.parquet"
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("name,metrics.acc\nx,1,2\n")
    bad = run_cli("import", "csv", str(ragged), check=False)
    assert bad.stderr.strip() == f"runnotes: error: {ragged}:2: 3 fields, the header has 2"
