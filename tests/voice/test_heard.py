"""Numbers as tiny.en writes them down: each rule of ``numbers.to_digits`` for a transcript's
slips (issue 22), on text, phrased unlike the spoken sets' notes."""

from __future__ import annotations

import pytest

from runnotes.store import Store
from runnotes.store.models import Review
from runnotes.store.runs import NewCapture, add_captures, create_run
from runnotes.voice.extract import extract
from runnotes.voice.notes import make_transcriber
from runnotes.voice.numbers import to_digits
from runnotes.voice.transcribe import FILE, PROMPT_TOKENS, clean_text, fit_prompt
from voice.notesets import items


@pytest.mark.parametrize(
    ("heard", "digits"),
    [
        # a name run into its value
        ("so MSE0.412 on the holdout", "so MSE 0.412 on the holdout"),
        ("we kept WD5 e minus three", "we kept WD 5e-3"),
        ("EMA1.5e-4 decay", "EMA 1.5e-4 decay"),
        # ... but not a model or version name with digits in it
        ("ResNet18 beat ViT16", "ResNet18 beat ViT16"),
        ("python3.11 and top5", "python3.11 and top5"),
        # an acronym spelled out as letters
        ("the L R is 0.02", "the LR is 0.02"),
        ("I A B tested it", "I A B tested it"),
        # the decimal point written as a word between digits
        ("momentum 0 point 95", "momentum 0.95"),
        # hyphens and a pause's comma inside a spoken number
        ("seventy-one point two-five percent", "71.25%"),
        ("gamma zero-point nine nine", "gamma 0.99"),
        ("eps one e minus, six", "eps 1e-6"),
        ("seeds one, two and three", "seeds 1, 2 and 3"),
        # a round tens and a digit that sounds like a word, before a pause
        ("hidden dim 30 for, heads 8", "hidden dim 34, heads 8"),
        ("patience 80 ate.", "patience 88."),
        ("we trained 30 for 2 days", "we trained 30 for 2 days"),
        ("raised it from 20 to 40", "raised it from 20 to 40"),
    ],
)
def test_transcript_slips_in_numbers(heard: str, digits: str) -> None:
    assert to_digits(heard) == digits


def test_a_number_split_at_its_thousand_gives_no_value() -> None:
    """ "two thousand forty eight" heard as "2000, 48": neither 2000 nor 48 is offered."""
    assert to_digits("context 2000, 48 for this run") == "context 2000 48 for this run"
    assert not items(extract(["The context length is 2000, 48 for this run."]))
    # a list keeps its commas: "2000, 300 epochs" is two settings
    assert to_digits("warmup 2000, 300 epochs") == "warmup 2000, 300 epochs"


def test_glued_values_are_read_under_their_name() -> None:
    assert items(extract(["Adam with LR3 e minus four and WD0.05."])) >= {
        ("lr", 0.0003, "param"),
        ("weight_decay", 0.05, "param"),
    }


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("The L.R. is 0.003 now.", "The LR is 0.003 now."),
        ("we lowered the W.D.", "we lowered the WD."),
        ("Done. Next run.", "Done. Next run."),
    ],
)
def test_dotted_initials_do_not_end_a_sentence(heard: str, kept: str) -> None:
    assert clean_text(heard) == (kept, [])


def test_a_dotted_acronym_keeps_its_value() -> None:
    assert items(extract([clean_text("The L.R. is 0.003 now.")[0]])) == {("lr", 0.003, "param")}


def test_a_run_with_many_names_keeps_the_prompts_heading(store: Store) -> None:
    """faster-whisper keeps a long prompt's end: the heading and common terms must not be what
    a run with many names pushes out (the prompt is cut to fit from its end instead)."""
    run = create_run(store, "many", experiment="many")
    names = [f"probe_{a}_{b}_rate" for a in "bcdfghjkmnp" for b in "qrstvw"]  # 66 names
    rows = [
        NewCapture(kind="metric", source="sdk", name=n, value=1.0, review=Review.approved)
        for n in names
    ]
    add_captures(store, run.id, rows)  # type: ignore[arg-type]
    transcriber = make_transcriber(store, run.id, FILE)  # type: ignore[arg-type]
    prompt = transcriber.prompt or ""
    tokens = transcriber._whisper.hf_tokenizer.encode(" " + prompt).ids
    assert prompt.startswith("Training notes: learning rate") and prompt.endswith(".")
    assert len(tokens) <= PROMPT_TOKENS and "probe b q rate" in prompt


def test_a_short_prompt_is_kept_whole() -> None:
    assert fit_prompt("Notes: a, b, c.", lambda t: len(t.split())) == "Notes: a, b, c."
    assert fit_prompt("Notes: a, b, c.", lambda t: len(t.split()), limit=3) == "Notes: a, b."


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("warmup for 20,000 steps", "warmup for 20,000 steps"),
        ("a budget of 3,000,000 tokens", "a budget of 3,000,000 tokens"),
        ("seed 22222", "seed 22222"),
    ],
)
def test_the_zeros_of_a_large_number_are_not_a_repetition_loop(heard: str, kept: str) -> None:
    assert clean_text(heard) == (kept, [])


def test_a_real_repetition_loop_is_still_collapsed() -> None:
    assert clean_text("the loss the loss the loss the loss is 0.5") == (
        "the loss is 0.5",
        ["repetition"],
    )
    assert clean_text("dropout 0, 0, 0, 0, 0") == ("dropout 0", ["repetition"])


def test_warmup_steps_heard_as_warmups() -> None:
    assert items(extract(["We kept 4000 warmups, then cosine."])) == {
        ("warmup_steps", 4000.0, "param")
    }


@pytest.mark.parametrize(
    ("heard", "digits"),
    [
        # "oh" for zero after a decimal point
        ("weight decay of zero point oh two", "weight decay of 0.02"),
        ("top five at eighty point oh percent", "top 5 at 80.0%"),
        # digits said one by one after the point are one number
        ("the eps was 0 point 0 0 5", "the eps was 0.005"),
        ("gamma 0 point 9 7, 2 layers", "gamma 0.97, 2 layers"),
        # "k" heard as a word that sounds like it, before a count
        ("pretrained on 40 case images", "pretrained on 40000 images"),
        ("we logged 3 kay updates", "we logged 3000 updates"),
        ("three case reports", "3 case reports"),
        # a value run into the name after it
        ("reached 31.05SSIM today", "reached 31.05 SSIM today"),
        ("python3.11 and a 1.5B model", "python3.11 and a 1.5B model"),
        # a short name with the spoken zero glued on as the letter O
        ("the WDO-0.05 stays", "the WD 0.05 stays"),
        ("then bso.5 next", "then bs 0.5 next"),
        ("YOLO 0.5 is fine", "YOLO 0.5 is fine"),
    ],
)
def test_more_transcript_slips_in_numbers(heard: str, digits: str) -> None:
    assert to_digits(heard) == digits


@pytest.mark.parametrize(
    "heard",
    [
        "Our eps went to 5 to the minus 8 for this one.",  # "e" lost: 5e-8 or 5 ** -8?
        "The recall sits between 0.0, 4 and 0.31 so far.",  # "zero point zero four" cut short
        "We kept hidden size 100, 92 for the decoder.",  # "one hundred ninety two"
    ],
)
def test_a_number_whisper_broke_offers_no_plain_value(heard: str) -> None:
    """Precision first: a broken number is offered unsure or not at all, never as a piece."""
    assert not items(extract([heard]))


def test_an_exponent_that_lost_its_e_is_asked_about() -> None:
    (doubt,) = [m for m in extract(["Weight decay went to 2 to the minus 6."]) if m.unsure]
    assert doubt.name == "weight_decay" and doubt.value == pytest.approx(2e-6)
    assert to_digits("lr 10 to the minus 3") == "lr 1e-3"  # ten itself is the base


def test_a_list_keeps_a_value_ending_in_zero() -> None:
    assert to_digits("lambda 2.0, 300 trees") == "lambda 2.0, 300 trees"
