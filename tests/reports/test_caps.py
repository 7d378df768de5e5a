"""Issue 31, 9: drafts of an experiment with many notes stay short: each list keeps its latest
items and says how many more there are, with a link to the runs page."""

from __future__ import annotations

import time
from pathlib import Path

import docx
import pytest
from sqlmodel import select

from reports.conftest import T0
from runnotes.reports import drafts, write_progress, write_readme
from runnotes.reports.caps import MAX_ITEMS, WEB_URL
from runnotes.store.models import Experiment
from runnotes.store.runs import NewCapture, add_captures

NOTES = MAX_ITEMS + 70


def _many_notes(sample) -> None:  # type: ignore[no-untyped-def]
    add_captures(
        sample.store,
        sample.runs["baseline"],
        [
            NewCapture(
                "note",
                text=f"Kept batch size {i} because it fits",
                review="approved",
                timestamp=T0 + 10 + i,
            )
            for i in range(NOTES)
        ],
    )


def _decisions(sample, tmp_path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    write_readme(sample.store, "resnet", tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    decisions = text.split("## Decisions", 1)[1].split("\n## ", 1)[0]
    return [line for line in decisions.splitlines() if line.startswith("- ")]


def test_readme_lists_are_capped_with_a_link(sample, tmp_path: Path) -> None:
    before = len(_decisions(sample, tmp_path))
    _many_notes(sample)
    items = _decisions(sample, tmp_path)
    decisions = "\n".join(items)
    assert len(items) == MAX_ITEMS + 1
    left_out = NOTES + before - MAX_ITEMS
    link = f"{WEB_URL}/runs?project=vision&experiment=resnet"
    assert items[-1] == f"- … and {left_out} more: [all of them on the runs page]({link})"
    assert f"Kept batch size {NOTES - 1}**" in decisions  # the latest are kept
    assert "Kept batch size 0**" not in decisions


def test_progress_docx_is_capped(sample, tmp_path: Path) -> None:
    _many_notes(sample)
    out = tmp_path / "progress.docx"
    write_progress(sample.store, out, since=T0 - 3600, until=T0 + 7 * 86400)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert MAX_ITEMS - 5 <= sum("Kept batch size" in p for p in paragraphs) <= MAX_ITEMS
    assert any(
        p.startswith("… and ") and "more: all of them on the runs page" in p for p in paragraphs
    )


@pytest.mark.timeout(120)  # before the fix it waited for the lock for good
def test_a_refresh_never_waits_for_a_slow_one_elsewhere(
    sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another process holds the drafts lock (a slow refresh), this process hands its
    request over at once instead of queueing behind it; the drainer renders it later."""
    started: list[bool] = []
    monkeypatch.setattr(drafts, "_start_drainer", lambda store: started.append(True))
    refresher = drafts.Refresher(sample.store, delay=0)
    with sample.store.read() as session:
        experiment_id = session.exec(select(Experiment.id).where(Experiment.name == "resnet")).one()
    with drafts._locked(sample.store):  # "another process" mid-refresh
        began = time.monotonic()
        refresher.render({experiment_id: "run_end"})
        assert time.monotonic() - began < 30  # it did not wait (a wait would be forever here)
    assert started == [True]
    assert drafts._take_requests(sample.store) == {experiment_id: "run_end"}
