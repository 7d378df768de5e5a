"""Drafts that write themselves: refreshed on run end (SDK, CLI, watch), debounced, never
clobbering hand edits, never costing a capture."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import docx
import pytest

import runnotes
from conftest import run_cli
from runnotes.config import load_settings
from runnotes.reports import drafts
from runnotes.store import Store, open_store
from runnotes.store.queries import RunFilter, list_runs


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNOTES_DRAFTS_DEBOUNCE", "0.3")
    drafts._refreshers.clear()


def readme(home: Path, experiment: str, project: str = "default") -> Path:
    return home / "drafts" / project / experiment / "README.md"


def _finish(store: Store) -> None:
    drafts.refresher(store).run_pending()


def test_sdk_run_end_refreshes_readme_and_weekly_progress(store: Store, home: Path) -> None:
    with runnotes.start_run("first-run", experiment="exp", store=store) as run:
        run.like("val_acc", 0.91)
    _finish(store)
    text = readme(home, "exp").read_text()
    assert "first-run" in text and "0.91" in text
    year, week, _ = drafts.DraftSettings.of(store).week(date.today())
    weekly = home / "drafts" / "default" / f"progress-{year}-W{week:02d}"
    assert "exp" in weekly.with_suffix(".md").read_text()
    assert any("exp" in p.text for p in docx.Document(str(weekly.with_suffix(".docx"))).paragraphs)
    listed = drafts.list_drafts(store)
    assert {d.kind for d in listed} == {"readme", "progress", "listen"}  # listen: spoken summary
    assert readme(home, "exp").with_name("listen.wav").stat().st_size > 0
    assert all(d.trigger == "run_end" and not d.edited and d.error is None for d in listed)


def _settled(home: Path) -> None:
    """Wait for the detached process that renders what exiting processes handed over."""
    store = open_store(load_settings(home))
    try:
        assert drafts.wait_idle(store)
    finally:
        store.close()


@pytest.mark.slow  # a real process and the detached refresh it hands over
def test_cli_run_end_refreshes_off_the_exit_path(home: Path) -> None:
    run_cli("run", "start", "cli-run", "-e", "cli-exp")
    run_cli("like", "val_acc=0.88")
    run_cli("run", "end", process=True)  # its exit hands the refresh to a detached process
    _settled(home)
    assert "cli-run" in readme(home, "cli-exp").read_text()
    listing = run_cli("drafts").stdout
    assert "README.md" in listing and "run_end" in listing
    assert run_cli("drafts", "open", "cli-exp").stdout.strip() == str(readme(home, "cli-exp"))


@pytest.mark.slow  # `runnotes watch` starts a Python child
def test_watch_refreshes(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import runnotes\nprint('epoch 1 loss=0.5')\nrunnotes.like('acc', 0.7)\n")
    run_cli("watch", "-e", "watched", "--name", "watched-run", "--", sys.executable, str(script))
    _settled(home)
    assert "watched-run" in readme(home, "watched").read_text()


def test_hand_edited_draft_is_not_overwritten(store: Store, home: Path) -> None:
    with runnotes.start_run("one", experiment="edit", store=store) as run:
        run.like("val_acc", 0.5)
    _finish(store)
    target = readme(home, "edit")
    target.write_text(target.read_text() + "\nMy own words.\n")
    with runnotes.start_run("two", experiment="edit", store=store) as run:
        run.like("val_acc", 0.6)
    _finish(store)
    assert "My own words." in target.read_text() and "two" not in target.read_text()
    assert "two" in target.with_name("README.draft.md").read_text()
    assert [d.edited for d in drafts.list_drafts(store) if d.kind == "readme"] == [True]


def test_template_error_loses_nothing(store: Store, home: Path) -> None:
    with runnotes.start_run("good", experiment="tpl", store=store) as run:
        run.like("val_acc", 0.5)
    _finish(store)
    before = readme(home, "tpl").read_text()
    broken = home / "broken.md.j2"
    broken.write_text("{% for x in %}")
    (home / "config.toml").write_text(f'[drafts]\ntemplate = "{broken}"\n')
    store = open_store(load_settings())  # settings are read when a store is opened
    with runnotes.start_run("after", experiment="tpl", store=store) as run:
        run.like("val_acc", 0.7)
    _finish(store)
    assert readme(home, "tpl").read_text() == before
    assert list_runs(store, RunFilter(experiment="tpl"))[0].metrics == {"val_acc": 0.7}
    errors = [d.error for d in drafts.list_drafts(store) if d.kind == "readme"]
    assert errors and errors[0]


def test_burst_of_50_run_ends_is_debounced(
    store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNOTES_DRAFTS_DEBOUNCE", "1.0")
    runs = [
        runnotes.start_run(f"burst-{i:02d}", experiment="burst", store=store) for i in range(50)
    ]
    for i, run in enumerate(runs):
        run.like("val_acc", i / 100)
    for run in runs:
        run.end()
    time.sleep(1.5)
    _finish(store)
    refresher = drafts.refresher(store)
    assert 1 <= refresher.refreshes <= 5
    text = readme(home, "burst").read_text()
    assert all(f"burst-{i:02d}" in text for i in range(50)), text


@pytest.mark.slow
def test_transcribed_voice_note_reaches_the_decisions_log(store: Store, home: Path) -> None:
    from runnotes.voice.notes import add_voice_file
    from runnotes.voice.samples import demo_note_path

    with runnotes.start_run("spoken", experiment="voiced", store=store) as run:
        run.like("val_acc", 0.914)
    _finish(store)
    add_voice_file(store, run.id, demo_note_path())
    _finish(store)
    text = readme(home, "voiced").read_text()  # speech waits for review: not quoted yet
    assert "because the validation loss" not in text and "1 voice transcript" in text
    assert [d.trigger for d in drafts.list_drafts(store) if d.kind == "readme"] == ["voice"]
    from runnotes.store.review import pending_captures, set_reviews

    notes = [i.capture.id for i in pending_captures(store) if i.capture.kind == "note"]
    set_reviews(store, notes, "approved")  # type: ignore[arg-type]
    _finish(store)
    decisions = readme(home, "voiced").read_text().split("## Decisions", 1)[1]
    assert "because the validation loss" in decisions


def test_a_running_agent_takes_the_refresh(store: Store, home: Path) -> None:
    # A live process whose command line names runnotes holds the agent's pid file.
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "runnotes"])
    try:
        (home / "agent.pid").write_text(str(stand_in.pid))
        with runnotes.start_run("handed", experiment="agent-exp", store=store) as run:
            run.like("val_acc", 0.8)
        assert not drafts.refresher(store)._pending  # nothing rendered in this process
        assert list((home / "draft-requests").glob("[0-9]*"))
        stop = drafts.serve_requests(store, interval=0.05)  # what the agent runs
        deadline = time.monotonic() + 30
        while not readme(home, "agent-exp").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
            drafts.refresher(store).run_pending()
        stop.set()
    finally:
        stand_in.kill()
    assert "handed" in readme(home, "agent-exp").read_text()
    assert not list((home / "draft-requests").glob("[0-9]*"))


def test_note_on_an_older_experiment_still_refreshes_its_readme(store: Store, home: Path) -> None:
    """A week without runs has no progress draft; the README and the spoken summary are still
    written, and no draft is marked failed (before, the whole refresh failed)."""
    from runnotes.store.models import Run

    with runnotes.start_run("old-run", experiment="old", store=store) as run:
        run.like("val_acc", 0.91)
    _finish(store)
    month_ago = time.time() - 30 * 86400
    with store.write() as session:
        row = session.get(Run, run.id)
        row.started_at, row.ended_at = month_ago, month_ago + 60
        experiment_id = row.experiment_id
    for path in home.glob("drafts/default/progress-*"):
        path.unlink()
    written = drafts.refresh_experiment(store, experiment_id, "note")
    assert readme(home, "old") in written and readme(home, "old").with_name("listen.wav") in written
    assert not list(home.glob("drafts/default/progress-*"))
    assert all(d.error is None for d in drafts.list_drafts(store))
