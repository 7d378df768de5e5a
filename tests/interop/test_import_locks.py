"""An import and a like of the same run at once on PostgreSQL: both stored, neither deadlocked."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from pgwait import until_one_waits
from runnotes.config import load_settings
from runnotes.interop import bulk
from runnotes.store import open_store, sql
from runnotes.store.runs import NewCapture, add_captures

pytestmark = pytest.mark.postgres


def _run(name: str) -> bulk.ImportedRun:
    return bulk.ImportedRun(
        source_id="mlflow:abc", name=name, started_at=100.0, metrics=[("loss", 0.5, 1, 100.0)]
    )


def test_an_import_and_a_like_of_one_run_take_their_locks_in_one_order(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving that deadlocked: the import updates the run's row, a like then takes the
    run's series lock and waits for that row (to move the run's version), and the import goes
    on to take the series lock. The import now takes the lock before it touches the row, so the
    like waits for the lock instead and both are stored."""
    # lock_timeout: a wait that never ends fails the test instead of hanging it
    store = open_store(load_settings(db_url=pg_store_url + "?options=-c%20lock_timeout%3D15s"))
    try:
        (run_id,) = bulk.write_runs(store, [_run("first")]).run_ids
        row_updated, like_locked = threading.Event(), threading.Event()
        failed: list[BaseException] = []
        real_lock, real_tags = sql.lock_series, bulk._add_tags

        def spy_lock(tx: sql.Tx, run_ids: Any) -> None:
            real_lock(tx, run_ids)
            if threading.current_thread().name == "like":
                like_locked.set()

        def paused_tags(*args: Any) -> None:  # the run's row is updated (its name changed)
            row_updated.set()  # until the like holds the lock or waits for it
            until_one_waits(store.engine, like_locked.is_set, 10, "the like")
            real_tags(*args)

        def like() -> None:
            try:
                assert row_updated.wait(10)
                said = NewCapture(
                    kind="metric", source="web", name="loss", value=0.5, step=1, liked=True
                )
                add_captures(store, run_id, [said])
            except BaseException as exc:  # noqa: BLE001 - reported below
                failed.append(exc)

        monkeypatch.setattr(sql, "lock_series", spy_lock)
        monkeypatch.setattr(bulk, "_add_tags", paused_tags)
        liker = threading.Thread(target=like, name="like", daemon=True)
        liker.start()
        try:
            bulk.write_runs(store, [_run("second")])
        finally:
            liker.join(timeout=30)
        assert not liker.is_alive() and not failed, failed

        with store.read() as session:
            name = session.execute(text("SELECT name FROM run WHERE id = :r"), {"r": run_id})
            assert name.scalar_one() == "second"
            likes = session.execute(
                text("SELECT count(*) FROM capture WHERE run_id = :r AND liked"), {"r": run_id}
            )
            assert likes.scalar_one() == 1
    finally:
        store.close()
