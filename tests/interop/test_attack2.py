"""Issue 31, 7: a CSV export imports back with every tag whole (``;`` and ``\\`` inside tags)."""

from __future__ import annotations

from pathlib import Path

import runnotes
from interop.test_export import fresh_store
from runnotes.interop.export import select_runs, write_export
from runnotes.interop.tables import import_table, join_tags, split_tags
from runnotes.store import Store

TAGS = ["t;1", "a\\b", "x; y", "end\\", "plain", "semi;", ";lead"]


def test_csv_round_trip_keeps_tags_with_separators(store: Store, tmp_path: Path) -> None:
    with runnotes.start_run("r", experiment="e", tags=TAGS, store=store) as run:
        run.log_params({"lr": 0.1})
        run.log_metric("loss", 0.5)
    path = tmp_path / "runs.csv"
    write_export(store, select_runs(store), "csv", path=path)
    other = fresh_store(tmp_path, "other")
    import_table(other, path)
    (run,) = select_runs(other)
    assert sorted(run.tags) == sorted(TAGS)


def test_tag_cells_written_by_hand_still_split() -> None:
    assert split_tags("seed=0; sweep") == ["seed=0", "sweep"]
    assert split_tags("a;b ;; c") == ["a", "b", "c"]
    assert split_tags(join_tags(TAGS)) == TAGS
