"""Issue 21, item 3, as a user works: plans, facts and observations told apart, in speech and in
typed notes, and spoken scientific notation in the forms Whisper writes.

The user starts a run with the CLI, logs what a training script logs, says a few notes (spoken
by flite's slt voice and added with ``runnotes voice add``, real tiny.en) and types one; then the
store is checked: a plan's number is no value of the run, an exponent is the number it says (or
a value marked unsure), an observation stays an observation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from conftest import run_cli
from runnotes.config import load_settings
from runnotes.services.note_kinds import classify_note
from runnotes.store import open_store
from runnotes.store.models import Capture, Run
from runnotes.voice.numbers import to_digits
from voice.conftest import synthesize_all

SPOKEN = [
    "Next I will try weight decay of one e minus four.",  # issue 21's own sentence
    "The learning rate is ten to the minus four.",
    "Validation accuracy dropped after adding the new rows.",
]


def _captures(home: Path) -> list[Capture]:
    store = open_store(load_settings())
    try:
        with store.read() as session:
            run = session.exec(select(Run).where(Run.name == "speech-day")).one()
            return list(session.exec(select(Capture).where(Capture.run_id == run.id)).all())
    finally:
        store.close()


@pytest.fixture(scope="module")
def spoken_notes(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return synthesize_all(SPOKEN, tmp_path_factory.mktemp("speech-day"), "flite-slt")


@pytest.mark.slow
def test_a_spoken_plan_sets_nothing_and_exponents_are_numbers(
    home: Path, spoken_notes: list[Path]
) -> None:
    run_cli("run", "start", "speech-day", "-e", "speech")
    run_cli("like", "weight_decay=0.01", "lr=0.001")
    for wav in spoken_notes:
        run_cli("voice", "add", str(wav), timeout=300)
    captures = _captures(home)
    heard = [c.text for c in captures if c.kind == "voice"]
    spoken_values = [c for c in captures if c.source == "voice" and c.kind in ("param", "metric")]
    # "try weight decay of 1e-4" is a next step, not this run's weight decay (nor 1, nor 4)
    assert not [c for c in spoken_values if c.name == "weight_decay"], heard
    plans = [c for c in captures if c.source == "voice" and c.role == "next_step"]
    assert any("weight decay" in (c.text or "").lower() for c in plans), heard
    # "ten to the minus four" is 1e-4, or a value marked unsure; never 10 or 4
    for c in spoken_values:
        if c.name == "lr":
            assert c.value == pytest.approx(1e-4), (c.value, heard)
    # an observation is no setting: nothing set from it
    assert not [c for c in spoken_values if c.name == "val_accuracy" and c.kind == "param"]


def test_a_typed_note_keeps_its_fact_and_drops_its_plan(home: Path) -> None:
    run_cli("run", "start", "speech-day", "-e", "speech")
    run_cli("note", "eval loss is 0.32 now; next I'll try weight decay 1e-4")
    values = [
        (c.name, c.value, c.review)
        for c in _captures(home)
        if c.kind in ("param", "metric") and c.source == "cli"
    ]
    assert values == [("val_loss", 0.32, "pending")]


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("val_acc dropped after adding the rows", "observation"),
        ("Next I'll try weight decay 1e-4.", "plan"),
        ("Tomorrow: rerun with seed 2.", "plan"),
        ("I lowered the learning rate to 3e-4 because the loss diverged.", "decision"),
        ("The loss plateaued at 0.41 after epoch 12.", "observation"),
    ],
)
def test_plans_decisions_and_observations_are_told_apart(note: str, kind: str) -> None:
    assert classify_note(note) == kind


@pytest.mark.parametrize(
    ("whisper_wrote", "value"),
    [("1 e-minus 4", "1e-4"), ("ten to the minus four", "1e-4"), ("1e minus 5", "1e-5")],
)
def test_spoken_scientific_notation_is_normalised(whisper_wrote: str, value: str) -> None:
    assert to_digits(whisper_wrote) == value
