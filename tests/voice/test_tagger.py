"""The number tagger (runnotes.voice.tagger): its two behaviours in sentences of no note set, the
cases it must leave alone, and that its committed weights are what the training script makes."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from runnotes.voice import tagger
from runnotes.voice.extract import extract
from voice.notesets import items

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("heard", "item"),
    [
        ("Eval at ckpt: SSIM 0.912, LPIPS 0.104.", ("lpips", 0.104, "metric")),
        ("Final tally after the rerun: CIDEr 118.4.", ("cider", 118.4, "metric")),
        ("Tried with tau 0.005, the critic loss is 1.3.", ("tau", 0.005, "param")),
    ],
)
def test_an_unnamed_value_takes_the_unknown_name_beside_it(heard: str, item: tuple) -> None:
    assert item in items(extract([heard]))


@pytest.mark.parametrize(
    ("heard", "offered"),
    [
        # an index ("which appendix"), a count of devices: no name of their own
        ("The ablation in appendix 4 gives accuracy 0.91.", {("accuracy", 0.91, "metric")}),
        ("It ran on one H100 with SSIM 0.9.", {("ssim", 0.9, "metric")}),
        # part of a longer phrase the rules already named: never a shorter, wrong name
        (
            "Mixed precision, warm restart period 7 and lr 0.01.",
            {("warm_restart_period", 7.0, "param"), ("lr", 0.01, "param")},
        ),
    ],
)
def test_what_the_tagger_leaves_alone(heard: str, offered: set) -> None:
    assert items(extract([heard])) == offered


def test_a_value_the_tagger_reads_as_none_is_a_question() -> None:
    """ "Batch 30 of 120": which batch, not a batch size; the rules alone offer batch_size = 30."""
    found = extract(["Batch 30 of 120 has loss 0.4."])
    assert items(found) == {("loss", 0.4, "metric")}
    (asked,) = [m for m in found if m.unsure]
    assert (asked.name, asked.value) == ("batch_size", 30.0)


def test_the_tagger_needs_no_scikit_learn_at_run_time() -> None:
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from runnotes.voice.extract import extract\n"
        "print([m.name for m in extract(['Eval: LPIPS 0.104.'])])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "lpips" in done.stdout


@pytest.mark.slow
def test_retraining_reproduces_the_committed_weights() -> None:
    spec = importlib.util.spec_from_file_location("tagger_training", ROOT / "benchmarks/tagger.py")
    assert spec is not None and spec.loader is not None
    training = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = training  # its dataclasses look their module up there
    spec.loader.exec_module(training)
    made = training.trained()
    committed = json.loads(tagger.WEIGHTS.read_text())
    assert (
        made["classes"] == committed["classes"]
        and made["weights"].keys() == committed["weights"].keys()
    )
    assert made["intercept"] == pytest.approx(committed["intercept"], abs=2e-3)
    for feature, weights in committed["weights"].items():
        assert made["weights"][feature] == pytest.approx(weights, abs=2e-3), feature
