"""The same store on a real PostgreSQL server (started by scripts/test on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest

import runnotes
from runnotes.config import load_settings
from runnotes.store import open_store
from runnotes.store.queries import RunFilter, compare_runs, list_runs

pytestmark = pytest.mark.postgres


def test_sdk_filters_and_compare_on_postgres(pg_store_url: str, home: Path) -> None:
    store = open_store(load_settings(db_url=pg_store_url))
    try:
        for name, lr, acc in (("a", 0.1, 0.8), ("b", 0.001, 0.93)):
            with runnotes.start_run(name, experiment="pg", tags=["t"], store=store) as run:
                run.log_params({"lr": lr})
                run.log_metrics({"val_acc": acc - 0.1}, step=0)
                run.log_metrics({"val_acc": acc}, step=1)
                run.like("best", acc)
                run.note("why: <b>because</b>")
        assert [r.name for r in list_runs(store, RunFilter(where="metrics.val_acc > 0.9"))] == ["b"]
        assert [r.name for r in list_runs(store, RunFilter(search="because"))] == ["b", "a"]
        cmp = compare_runs(store, ["a", "b"])
        assert cmp.metrics["val_acc"] == [pytest.approx(0.8), pytest.approx(0.93)]
        assert open_store(store.settings).engine.dialect.name == "postgresql"  # re-open: migrated
    finally:
        store.close()
