"""The capture path's rules in plain SQL (``runnotes.store.sql``), on SQLite and PostgreSQL.

They are written once and run two ways: on a SQLite file through the store's stdlib connection
(a CLI note or like, the SDK), and inside a session's transaction (the ORM writers, an import, a
run's end). These tests drive both ways on both databases and read the rows back through the
ORM, as every reader does.
"""

from __future__ import annotations

import time

from sqlmodel import select

import runnotes
from runnotes.backend.local import backend_of
from runnotes.store import Store
from runnotes.store.models import Capture, Experiment, Run
from runnotes.store.runs import NewCapture, add_captures, create_run, target_run_id


def _likes(store: Store, run_id: int) -> dict[str, Capture]:
    with store.read() as session:
        rows = session.exec(
            select(Capture).where(Capture.run_id == run_id, Capture.liked)  # type: ignore[arg-type]
        ).all()
    return {row.text: row for row in rows if row.text}


def test_a_like_is_linked_to_the_logged_value_it_shows(any_store: Store) -> None:
    with runnotes.start_run("r", experiment="e", store=any_store) as run:
        run.log_metric("val_acc", 0.8834)
        run.log_metric("val_acc", 0.9321)
        run.flush()
        run.like("val_acc", "0.932")  # shows the second value, rounded
        run.like("val_acc", "0.5")  # equals nothing: left alone while the run runs
        run.like("lr", "3e-4")  # a name the code never logged: the run's own value
        run_id = run.id
        running = _likes(any_store, run_id)
    assert running["0.5"].logged_id is None and running["0.5"].conflict is None
    ended = _likes(any_store, run_id)  # the run's end decides the likes left alone
    second = running["0.932"].logged_id  # the second logged point
    assert second is not None
    assert ended["0.932"].conflict is None and ended["0.932"].review == "approved"
    assert ended["0.5"].logged_id == second
    assert ended["0.5"].conflict == "you liked 0.5, the run logged 0.9321 at its last step"
    assert ended["0.5"].review == "pending"  # a person looks before a draft quotes it
    assert ended["3e-4"].logged_id is None and ended["3e-4"].review == "approved"
    # the likes continue the id sequence the logged points share
    assert min(like.id or 0 for like in ended.values()) > second


def test_a_capture_with_no_active_run_goes_to_todays_run(any_store: Store) -> None:
    started = time.time() - 3600
    earlier = create_run(
        any_store, "auto-2000-01-01", project="default", experiment="unsorted", started_at=started
    )
    heard = started + 60
    add_captures(any_store, earlier.id, [NewCapture(kind="note", text="old", timestamp=heard)])  # type: ignore[arg-type]
    today = backend_of(any_store).run_ref(None)
    assert today.name.startswith("auto-") and today.id != earlier.id
    assert target_run_id(any_store) == today.id  # opened once
    with any_store.read() as session:
        closed = session.get(Run, earlier.id)
        run = session.get(Run, today.id)
        assert closed is not None and run is not None
        assert (closed.status, closed.ended_at) == ("ok", heard)  # when it was last heard of
        exp = session.get(Experiment, run.experiment_id)
        assert exp is not None and exp.name == "unsorted" and run.status == "running"
