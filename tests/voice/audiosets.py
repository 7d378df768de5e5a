"""Spoken note sets through the recorder, for the tests and ``benchmarks/voice.py``.

The sets' audio is synthesised once per machine into a cache folder (``RUNNOTES_TEST_CACHE``, else
``~/.cache/runnotes-tests``), keyed by the voice's command and the texts, so a test run only pays
for transcription. Each note is streamed block by block through :class:`Recorder` onto a run that
has logged what a training script typically logs (not the names the notes use).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from runnotes.store import Store
from runnotes.store.models import Capture, Review
from runnotes.store.runs import NewCapture, add_captures, create_run
from runnotes.voice.extract import Mention
from runnotes.voice.recorder import Recorder, WavSource
from voice.conftest import VOICES, synthesize_all
from voice.notesets import Case, Score, items
from voice.scoring import word_error_rate

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
# The four voices of issue 22's bars; espeak-ng (formant synthesis) is reported beside them.
PEOPLE_LIKE = ("flite-slt", "flite-rms", "flite-awb", "festival-slt-hts")


def cache_root() -> Path:
    return Path(os.environ.get("RUNNOTES_TEST_CACHE") or Path.home() / ".cache" / "runnotes-tests")


def spoken(cases: list[Case], voice: str) -> Path:
    """The folder holding ``NN.wav`` for every case in ``voice``, synthesised on first use."""
    texts = [case.text for case in cases]
    key = hashlib.sha256(json.dumps([VOICES[voice], texts]).encode()).hexdigest()[:16]
    folder = cache_root() / "voices" / f"{voice}-{key}"
    done = folder / "done"
    if not done.exists():
        synthesize_all(texts, folder, voice)
        done.write_text("\n".join(texts))
    return folder


def training_run(store: Store, name: str = "voice-e2e") -> int:
    run = create_run(store, name, experiment="voice")
    rows = [
        NewCapture(kind=kind, source="sdk", name=key, value=1.0, review=Review.approved)
        for key, kind in LOGGED.items()
    ]
    add_captures(store, run.id, rows)  # type: ignore[arg-type]
    return run.id  # type: ignore[return-value]


@dataclass
class Heard:
    score: Score
    wer: float
    unsure: int  # values offered as "is it …?" rather than as values
    unsure_right: int


def _stored_mentions(rows: list[Capture]) -> list[Mention]:
    return [
        Mention(
            c.role or "",
            "",
            c.extra["segment"],  # type: ignore[index]
            name=c.name,
            value=c.value,
            text=c.text,
            unsure=(c.extra or {}).get("unsure"),
        )
        for c in rows
    ]


def through_recorder(store: Store, cases: list[Case], folder: Path) -> Heard:
    """Every note of ``folder`` recorded onto a fresh training run, scored against ``cases``."""
    run_id = training_run(store)
    score, errors, words, unsure, unsure_right = Score(), 0, 0, 0, 0
    for index, case in enumerate(cases):
        recorder = Recorder(store, run_id, WavSource(folder / f"{index:02d}.wav"))
        recorder.start()
        recorder.wait()
        capture_id = recorder.stop()
        with store.read() as session:
            rows = list(session.exec(select(Capture).where(Capture.parent_id == capture_id)).all())
            voice = session.get(Capture, capture_id)
        assert all(c.review == "pending" and c.source == "voice" for c in rows)
        values = [c for c in rows if c.kind in ("metric", "param")]
        assert all(c.extra["heard"] and 0 < (c.confidence or 0) <= 1 for c in values)  # type: ignore[index]
        mentions = _stored_mentions(rows)
        score.add(case, items(mentions), heard=voice.text if voice else "")
        doubtful = [m for m in mentions if m.unsure]
        unsure += len(doubtful)
        unsure_right += len(
            items([Mention(**{**m.__dict__, "unsure": None}) for m in doubtful]) & case.expected
        )
        e, n = word_error_rate(case.text, (voice.text if voice else "") or "")
        errors, words = errors + e, words + n
    return Heard(score, errors / max(words, 1), unsure, unsure_right)
