"""What a run page asks the database never scans the run's logged values (EXPLAIN QUERY PLAN).

A run of a million values made the timeline take 3 s when SQLite, without statistics, chose the
big ``(run_id, kind, …)`` index over the partial index of observed values. SQLite plans the same
way on a small store, so the plans are checked here on one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from runnotes.services.metrics import best_values, curves
from runnotes.store import Store
from runnotes.store.models import OBSERVED, Review
from runnotes.store.queries import list_runs, run_overview
from runnotes.store.runs import NewCapture, add_captures, add_metric_rows, create_run
from runnotes.store.timeline import timeline_counts, timeline_page


def test_run_page_queries_seek_indexes(store: Store) -> None:
    run = create_run(store, "long")
    add_metric_rows(
        store,
        [
            (run.id, "metric", "sdk", f"m{m}", s / 10, s, 0.0, Review.approved, None)
            for s in range(500)
            for m in range(3)
        ],
    )
    add_captures(
        store,
        run.id,
        [
            NewCapture(kind="note", source="cli", text="why"),
            NewCapture(kind="metric", source="voice", name="m0", value=0.5),
        ],
    )
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        run_overview(store, run.id)
        list_runs(store)
        timeline_counts(store, run.id)
        for kind in (None, "metric", "note"):
            timeline_page(store, run.id, kind)
        curves(store, [run.id], max_points=100)  # computed: reads each series once, by index
        best_values(store, [run.id])
    finally:
        event.remove(store.engine, "before_cursor_execute", record)

    assert len(seen) > 10
    with store.engine.connect() as conn:
        for statement, parameters in seen:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            steps = [row[-1] for row in plan]
            assert not [step for step in steps if step.startswith("SCAN capture")], statement
            if OBSERVED in statement:  # the timeline's values: the partial index, not all values
                assert any("ix_capture_observed" in step for step in steps), (statement, steps)
