"""Extraction alone, on the committed sentences' text, plus number and name normalisation."""

from __future__ import annotations

import pytest

from runnotes.voice.extract import extract, match_known
from runnotes.voice.numbers import to_digits
from runnotes.voice.transcribe import clean_text, vocabulary_prompt
from voice.scoring import SENTENCES, Score, expected_items, found_items


def test_extraction_precision_and_recall_on_fixture_text() -> None:
    score = Score()
    for case in SENTENCES:
        score.add(expected_items(case), found_items(extract([case["text"]])))
    assert len(SENTENCES) >= 30
    assert score.precision >= 0.95 and score.recall >= 0.95, (score.precision, score.recall)


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("zero point zero zero zero three", "0.0003"),
        ("dropout of point two", "dropout of 0.2"),
        ("one e minus four", "1e-4"),
        ("3 e minus 4", "3e-4"),
        ("1E minus 4", "1e-4"),
        ("ninety one point four percent", "91.4%"),
        ("1,000 steps", "1000 steps"),
    ],
)
def test_spoken_numbers_become_digits(spoken: str, digits: str) -> None:
    assert to_digits(spoken) == digits


def test_names_match_the_runs_own_spelling() -> None:
    assert match_known("learning rate", ["lr", "batch_size"]) == "lr"
    assert match_known("val_accuracy", ["val_acc"]) == "val_acc"
    assert match_known("dropout", ["val_acc"]) == "dropout"
    (mention,) = [
        m for m in extract(["Val acc is now 0.93."], {"val_acc": "metric"}) if m.role == "metric"
    ]
    assert (mention.name, mention.value) == ("val_acc", 0.93)


def test_mentions_point_at_their_segment() -> None:
    found = extract(
        ["Validation loss is 0.4.", "Next I will try dropout of 0.3 because it overfits."]
    )
    roles = {(m.role, m.segment) for m in found}
    assert roles == {("metric", 0), ("param", 1), ("next_step", 1), ("rationale", 1)}


def test_whisper_inventions_are_dropped_or_flagged() -> None:
    assert clean_text(" Thank you.") == ("", ["hallucination"])
    assert clean_text("Thanks for watching!") == ("", ["hallucination"])
    text, flags = clean_text("learning rate 0-0-0-0-0-0-0-0-0-3")
    assert flags == ["repetition"] and "0-0-0-0" not in text
    assert clean_text("Accuracy is 91%.") == ("Accuracy is 91%.", [])


@pytest.mark.parametrize(
    ("heard", "item"),
    [
        ("This is lower than run-free.", ("run_ref", 3)),  # "run three", hyphenated
        ("Which is lower than run free.", ("run_ref", 3)),
        (
            "To do. Compare this with run 4 tomorrow.",
            ("next_step",),
        ),  # "Todo:" as Whisper writes it
        ("Compare it with run 12 tomorrow.", ("run_ref", 12)),
        ("Test accuracy reach 88%.", ("metric", "test_accuracy", 88.0)),
        ("The Oc is 0.95 on the held out data.", ("metric", "auc", 0.95)),  # "AUC"
    ],
)
def test_known_tiny_en_mishearings_still_extract(heard: str, item: tuple) -> None:
    assert item in found_items(extract([heard]))


def test_sound_alikes_count_only_where_no_sentence_has_them() -> None:
    for heard in (
        "We run for ten epochs.",
        "I scheduled the run for tomorrow.",
        "Run to completion.",
    ):
        assert not [m for m in extract([heard]) if m.role == "run_ref"], heard
    assert not [m for m in extract(["I want to do that again."]) if m.role == "next_step"]


def test_a_value_it_had_before_is_not_its_value() -> None:
    assert ("metric", "val_loss", 0.55) in found_items(
        extract(["Validation loss went from 0.6 to 0.55."])
    )
    assert not [
        m
        for m in extract(["Validation loss went from 0.60. 0.55 after augmentation."])
        if m.role == "metric"
    ]


@pytest.mark.parametrize(
    "heard",
    [
        "I lowered the learning rate to 0.0 near 0.0 near 0.3, because it diverged.",
        "Learning rate 0.0-0-0-0-3 now.",
    ],
)
def test_a_number_broken_into_pieces_gives_no_value(heard: str) -> None:
    assert not [m for m in extract([heard]) if m.role == "param"]


def test_the_vocabulary_prompt_says_names_as_people_say_them() -> None:
    prompt = vocabulary_prompt(["val_acc", "lr", "top1_accuracy", "my-metric"], ["baseline"])
    assert prompt.count("validation accuracy") == 1 and prompt.count("learning rate") == 1
    assert "val_acc" not in prompt and "lr," not in prompt
    assert prompt.endswith("top 1 accuracy, my metric, baseline.")
