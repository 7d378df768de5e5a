"""Push-to-talk keeps the words said while the chord was still going down (the pre-roll).

No microphone here: a live source plays a recording block by block, as a microphone would, and
says when the chord completes: 150 ms into the first word. The note is then recorded through the
recorder's own code path from the pre-roll's take.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from runnotes.store import Store
from runnotes.store.models import Capture
from runnotes.store.runs import create_run
from runnotes.voice.audio import RATE, read_blocks
from runnotes.voice.preroll import Preroll
from runnotes.voice.recorder import Recorder
from voice.conftest import synthesize

NOTE = "Dropout is zero point three now."
CHORD_AFTER_SPEECH = 0.15  # seconds of speech before the chord completes


class LiveRecording:
    """A microphone stand-in: 1 s of room quiet, then the note, then quiet; ``chord`` is set once
    it has delivered the audio up to 150 ms into the speech; it then waits for ``resume``."""

    origin = "test microphone"

    def __init__(self, path: Path) -> None:
        speech = np.concatenate(list(read_blocks(path)))
        self.onset = 1.0 + _onset(speech)
        quiet = np.zeros(RATE, dtype=np.float32)
        self.audio = np.concatenate([quiet, speech, quiet])
        self.chord, self.resume = threading.Event(), threading.Event()

    def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]:
        step, chord_at = RATE // 10, int((self.onset + CHORD_AFTER_SPEECH) * RATE)
        for start in range(0, len(self.audio), step):
            if stop.is_set():
                return
            yield self.audio[start : start + step]
            if start + step >= chord_at and not self.chord.is_set():
                self.chord.set()
                self.resume.wait(timeout=30)


def _onset(audio: np.ndarray) -> float:
    """Where speech starts: the first 10 ms frame clearly above the quiet."""
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 0.02)
    return float(loud[0]) * 0.01


@pytest.mark.slow
def test_a_note_begun_before_the_chord_keeps_its_first_word(store: Store, tmp_path: Path) -> None:
    live = LiveRecording(synthesize(NOTE, tmp_path / "note.wav", "flite-awb"))
    preroll = Preroll(live, seconds=0.5).start()
    try:
        assert live.chord.wait(timeout=30)
        run = create_run(store, "preroll")
        recorder = Recorder(store, run.id, preroll.take())  # what the chord does
        live.resume.set()
        recorder.start()
        recorder.wait()
        capture_id = recorder.stop()
    finally:
        preroll.close()
    with store.read() as session:
        rows = session.exec(select(Capture).where(Capture.run_id == run.id)).all()
    voice = next(c for c in rows if c.id == capture_id)
    assert (voice.text or "").lower().startswith("dropout"), voice.text
    assert {(c.name, c.value) for c in rows if c.kind == "param"} == {("dropout", 0.3)}


def test_the_pre_roll_keeps_only_the_last_moments() -> None:
    class Counting:
        origin = "blocks"

        def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]:
            for n in range(20):
                yield np.full(RATE // 10, n, dtype=np.float32)

    preroll = Preroll(Counting(), seconds=0.3).start()
    preroll._thread.join(timeout=10)
    take = preroll.take()
    kept = [int(b[0]) for b in take.blocks(threading.Event())]
    assert kept == [17, 18, 19]
