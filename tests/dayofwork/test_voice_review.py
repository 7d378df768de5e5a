"""A voice note, as a user adds one after a run (issue 21, "rejected speech stays in the drafts"):
``runnotes voice add`` on a WAV (the bundled sample, transcribed by faster-whisper), then the
review queue and the drafts."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from runnotes.store.models import Capture, Review

from .conftest import Day

pytestmark = pytest.mark.slow  # real transcription


def _readme(day: Day) -> str:
    out = day.folder / "README.md"
    day.run("runnotes", "report", "readme", "-e", "spoken", "-o", str(out))
    return out.read_text()


def test_a_transcript_is_reviewed_and_a_rejected_one_leaves_the_drafts(day: Day) -> None:
    from runnotes.voice.samples import demo_note_path

    day.run("runnotes", "run", "start", "talk", "-e", "spoken")
    day.run("runnotes", "note", "tried the default settings first")
    day.run("runnotes", "run", "end")
    day.run("runnotes", "voice", "add", "--run", "talk", str(demo_note_path()))
    with day.store.read() as session:
        voice = session.exec(select(Capture).where(Capture.kind == "voice")).one()
        derived = session.exec(select(Capture).where(Capture.parent_id == voice.id)).all()
    assert voice.status == "ok" and "learning rate" in (voice.text or "")
    sentence = voice.text.split(",")[0]  # type: ignore[union-attr]

    # The transcript waits in the queue, with what was heard in it; the draft says so.
    queue = json.loads(day.run("runnotes", "review", "list", "--json").stdout)
    ids = [item["id"] if "id" in item else item["capture"]["id"] for item in queue]
    assert voice.id in ids and {c.id for c in derived} <= set(ids)
    readme = _readme(day)
    assert "1 voice transcript" in readme and sentence not in readme
    assert "tried the default settings first" in readme  # typed: approved as written

    # Rejecting the transcript rejects what was derived from it: nothing of it is quoted, and
    # nothing is left waiting.
    day.run("runnotes", "review", "reject", str(voice.id))
    with day.store.read() as session:
        reviews = {
            c.review for c in session.exec(select(Capture).where(Capture.parent_id == voice.id))
        }
    assert reviews == {Review.rejected}
    readme = _readme(day)
    assert sentence not in readme and not re.search(r"Not included yet", readme)
