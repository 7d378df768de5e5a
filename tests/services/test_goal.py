"""An experiment goal set from the SDK, the web page or the API is what the drafts open with."""

from __future__ import annotations

from pathlib import Path

import pytest

from runnotes.errors import RunnotesError
from runnotes.reports import write_readme
from runnotes.sdk import start_run
from runnotes.services.experiments import goal_of, set_goal
from runnotes.store import Store
from runnotes.store.models import Kind, Review
from runnotes.store.runs import NewCapture


def _first_lines(store: Store, tmp_path: Path) -> str:
    write_readme(store, "goals", tmp_path / "README.md")
    return (tmp_path / "README.md").read_text().splitlines()[2]


def test_goal_from_sdk_page_api_and_spoken_note(store: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    with start_run("r", experiment="goals", store=store) as run:
        run.log_metric("acc", 0.5)
        spoken = run.capture(
            NewCapture(
                kind=Kind.note,
                source="voice",
                text="beat 0.9 accuracy",
                review=Review.pending,
                role="goal",
            )
        )[0]
    assert not _first_lines(store, tmp_path).startswith("**Goal:**")  # pending: not used
    from runnotes.store.review import set_review

    set_review(store, spoken, Review.approved)
    assert _first_lines(store, tmp_path) == "**Goal:** beat 0.9 accuracy"

    with start_run("r2", experiment="goals", store=store) as run:
        run.set_goal("  a   description   wins over notes ")
        exp_id = run.id
    assert _first_lines(store, tmp_path) == "**Goal:** a description wins over notes"

    with TestClient(create_app(store)) as client:
        csrf = client.app.state.guard.csrf_token()
        assert "a description wins over notes" in client.get(f"/runs/{exp_id}").text
        client.post(f"/runs/{exp_id}/goal", data={"csrf": csrf, "text": "set on the page"})
        assert _first_lines(store, tmp_path) == "**Goal:** set on the page"
        answer = client.post(f"/api/runs/{exp_id}/goal", json={"text": "set by the API"})
        assert answer.json() == {"experiment": "goals", "goal": "set by the API"}
    assert _first_lines(store, tmp_path) == "**Goal:** set by the API"


def test_goal_errors(store: Store) -> None:
    set_goal(store, "new-exp", "made on the spot", project="p")
    with store.read() as session:
        from sqlmodel import select

        from runnotes.store.models import Experiment

        exp = session.exec(select(Experiment).where(Experiment.name == "new-exp")).one()
    assert goal_of(store, exp.id) == "made on the spot"  # type: ignore[arg-type]
    with pytest.raises(RunnotesError, match="a goal is at most 2000 characters"):
        set_goal(store, "new-exp", "x" * 2001)
