"""The real model on synthetic and real speech, through the recorder's own code path.

The second audio note set (tests/voice/notes/audio2.txt, never tuned on) is spoken by three
offline voices and streamed block by block through :class:`Recorder`, on a run that has
logged what a training script typically logs (not the names the notes use), so the vocabulary
prompt and the run's own names work as they do for a user.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from runnotes.store import Store
from runnotes.store.models import Capture, Review
from runnotes.store.runs import NewCapture, add_captures, create_run
from runnotes.voice.extract import Mention
from runnotes.voice.notes import add_voice_file, note_status
from runnotes.voice.recorder import Recorder, WavSource
from voice.conftest import synthesize_all
from voice.notesets import Score, items, load
from voice.scoring import word_error_rate

# The bars of issue 14, on the voices other than espeak-ng pooled: its formant voice is harder for
# Whisper than a person is, so its figures are printed and only guarded against a collapse.
BAR = (0.95, 0.90)
ESPEAK_GUARD = (0.70, 0.55)  # measured 0.80–0.83 / 0.68–0.73
LOGGED = {
    "lr": "param",
    "batch_size": "param",
    "epochs": "param",
    "dropout": "param",
    "weight_decay": "param",
    "train_loss": "metric",
    "val_loss": "metric",
    "val_accuracy": "metric",
    "test_accuracy": "metric",
}
HELD_OUT = load("audio2")
JFK = Path(__file__).parent / "fixtures" / "jfk.wav"
JFK_TEXT = (
    "And so, my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def training_run(store: Store) -> int:
    run = create_run(store, "voice-e2e", experiment="voice")
    rows = [
        NewCapture(kind=kind, source="sdk", name=name, value=1.0, review=Review.approved)
        for name, kind in LOGGED.items()
    ]
    add_captures(store, run.id, rows)  # type: ignore[arg-type]
    return run.id  # type: ignore[return-value]


def _stored_mentions(rows: list[Capture]) -> list[Mention]:
    return [
        Mention(c.role or "", "", c.extra["segment"], name=c.name, value=c.value, text=c.text)
        for c in rows
    ]


def _through_the_recorder(store: Store, folder: Path) -> tuple[Score, float]:
    run_id = training_run(store)
    score, errors, words = Score(), 0, 0
    for index, case in enumerate(HELD_OUT):
        recorder = Recorder(store, run_id, WavSource(folder / f"{index:02d}.wav"))
        recorder.start()
        recorder.wait()
        capture_id = recorder.stop()
        with store.read() as session:
            rows = list(session.exec(select(Capture).where(Capture.run_id == run_id)).all())
        voice = next(c for c in rows if c.id == capture_id)
        mentions = [c for c in rows if c.parent_id == capture_id]
        assert all(c.review == "pending" and c.source == "voice" for c in mentions)
        values = [c for c in mentions if c.kind in ("metric", "param")]
        assert all(c.extra["heard"] and 0 < (c.confidence or 0) <= 1 for c in values)  # type: ignore[index]
        score.add(case, items(_stored_mentions(mentions)), heard=voice.text or "")
        e, n = word_error_rate(case.text, voice.text or "")
        errors, words = errors + e, words + n
    return score, errors / words


@pytest.mark.slow
def test_spoken_notes_through_the_recorder(
    store: Store, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pooled = Score()
    for voice in ("flite-awb", "festival-slt-hts", "espeak-ng"):
        folder = tmp_path_factory.mktemp("speech") / voice
        synthesize_all([case.text for case in HELD_OUT], folder, voice)
        score, wer = _through_the_recorder(store, folder)
        with capsys.disabled():
            print(f"\nvoice e2e, {voice}, {len(HELD_OUT)} notes: {score}, WER {wer:.3f}")
        if voice == "espeak-ng":
            assert score.precision >= ESPEAK_GUARD[0], "\n".join(score.misses)
            assert score.recall >= ESPEAK_GUARD[1], "\n".join(score.misses)
        else:
            pooled.merge(score)
    with capsys.disabled():
        print(f"voice e2e, voices other than espeak-ng: {pooled}")
    assert pooled.precision >= BAR[0], "\n".join(pooled.misses)
    assert pooled.recall >= BAR[1], "\n".join(pooled.misses)


@pytest.mark.slow
def test_a_real_person_is_transcribed(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """President Kennedy's inaugural address (public domain; whisper.cpp's samples/jfk.wav)."""
    run = create_run(store, "jfk")
    capture_id = add_voice_file(store, run.id, JFK)
    assert note_status(store, capture_id) == ("ok", None)
    with store.read() as session:
        text = session.get(Capture, capture_id).text  # type: ignore[union-attr]
    errors, words = word_error_rate(JFK_TEXT, text or "")
    with capsys.disabled():
        print(f"\nJFK clip: WER {errors / words:.3f}: {text}")
    assert errors / words <= 0.1, text
