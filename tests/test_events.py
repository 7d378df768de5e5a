"""Events come from the store, typed, after the commit: a note from any shell refreshes the
drafts, a subscriber that raises does not stop the others, and no event can be made up."""

from __future__ import annotations

from pathlib import Path

import pytest

import runnotes
from conftest import run_cli
from runnotes import events
from runnotes.config import load_settings
from runnotes.events import CapturesAdded, ReviewChanged, RunEnded, hookimpl
from runnotes.reports import drafts
from runnotes.store import Store, open_store
from runnotes.store.runs import NewCapture, add_captures


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch: pytest.MonkeyPatch, auto_drafts: None) -> None:
    """Drafts refresh by themselves here (the notes' tests are about that), 0.3 s after."""
    monkeypatch.setenv("RUNNOTES_DRAFTS_DEBOUNCE", "0.3")
    drafts._refreshers.clear()


def _readme(home: Path) -> str:
    return (home / "drafts" / "default" / "notes-exp" / "README.md").read_text()


def _settled(home: Path) -> None:
    store = open_store(load_settings(home))
    try:
        assert drafts.wait_idle(store)
        drafts.refresher(store).run_pending()
    finally:
        store.close()


def test_a_note_from_the_cli_refreshes_the_readme_draft(home: Path) -> None:
    run_cli("run", "start", "noted", "-e", "notes-exp")
    run_cli("run", "end")
    _settled(home)
    assert "switched to cosine decay" not in _readme(home)
    run_cli("note", "--run", "noted", "switched to cosine decay")
    _settled(home)
    assert "switched to cosine decay" in _readme(home)


def test_a_note_from_the_sdk_refreshes_the_readme_draft(store: Store, home: Path) -> None:
    with runnotes.start_run("noted", experiment="notes-exp", store=store) as run:
        pass
    drafts.refresher(store).run_pending()
    run.note("warmup of 500 steps removed the early spike")
    drafts.refresher(store).run_pending()
    assert "warmup of 500 steps removed the early spike" in _readme(home)


def test_a_note_from_the_agent_refreshes_the_readme_draft(
    store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runnotes.agent import Agent, AgentConfig
    from runnotes.capture import overlay

    with runnotes.start_run("noted", experiment="notes-exp", store=store) as run:
        pass
    monkeypatch.setattr(overlay, "ask_note", lambda: "label smoothing 0.1 helped the tail")
    said: list[str] = []
    agent = Agent(store, AgentConfig(ocr=False, a11y=False, notify=False), said.append)
    monkeypatch.setattr("runnotes.store.runs.target_run_id", lambda _store: run.id)
    agent._note()
    assert said == [f"noted → run {run.id}"]
    drafts.refresher(store).run_pending()
    assert "label smoothing 0.1 helped the tail" in _readme(home)


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    @hookimpl
    def capture_added(self, run_id: int, what: str) -> None:
        self.seen.append((what, run_id))


class _Broken:
    @hookimpl
    def capture_added(self, run_id: int, what: str) -> None:
        raise RuntimeError("a broken subscriber")


def test_a_failing_subscriber_does_not_stop_the_others(store: Store) -> None:
    recorder, broken = _Recorder(), _Broken()
    manager = events.plugins()
    manager.register(recorder)
    manager.register(broken)  # registered last: pluggy calls it first
    try:
        with runnotes.start_run("r", experiment="e", store=store) as run:
            run.like("val_acc", 0.9)
    finally:
        manager.unregister(broken)
        manager.unregister(recorder)
    assert ("like", run.id) in recorder.seen


def test_events_are_published_after_the_commit_and_never_for_a_rollback(store: Store) -> None:
    recorder = _Recorder()
    events.plugins().register(recorder)
    try:
        with runnotes.start_run("r", experiment="e", store=store) as run:
            pass
        recorder.seen.clear()
        with pytest.raises(RuntimeError), store.write() as session:
            events.queue(session, CapturesAdded(run.id, "note"))
            raise RuntimeError("rolled back")
        assert recorder.seen == []
        add_captures(store, run.id, [NewCapture(kind="note", source="cli", text="kept")])
        assert recorder.seen == [("note", run.id)]
    finally:
        events.plugins().unregister(recorder)


def test_an_event_cannot_be_published_under_a_name_that_does_not_exist(store: Store) -> None:
    with pytest.raises(TypeError):
        events.publish(store, "capture_addded")  # type: ignore[arg-type]
    assert {RunEnded.hook, CapturesAdded.hook, ReviewChanged.hook} <= {
        h.name for h in events.plugins().hook.__dict__.values() if hasattr(h, "name")
    }


def test_what_matters_most_names_the_capture_event() -> None:
    assert CapturesAdded.of(1, ["param", "note"]).what == "note"
    assert CapturesAdded.of(1, ["param", "like", "note"]).what == "like"
    assert CapturesAdded.of(1, ["metric"]).what == "metric"
