"""The layout rules on saved screenshots of real tools (tests/agent/screens/, 64-colour PNGs of
full screens taken on Xvfb): what the agent reads at a pointer, without any X server.

Each case names the rule it covers; the pointer is where a person would point at the value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from runnotes.capture.ocr import OcrEngine

SCREENS = Path(__file__).with_name("screens")
CASES = [
    # header far above: TensorBoard's data table says "Value", the card title is ~310 px up
    ("tensorboard-card", (472, 598), "train/loss", "0.6", None, 900),
    # merged headers: the "Metrics" group header spans both metric columns; row label = run
    ("mlflow-runs", (850, 330), "val_loss", "0.7589", "resnet34-lr1e-4", None),
    ("mlflow-runs", (748, 266), "val_acc", "0.2514", "vit-small-lr1e-3", None),
    ("mlflow-runs", (945, 362), "lr", "0.0003", "resnet18-lr3e-4", None),
    # alignment shift: Calc's headers are left-aligned, its numbers right-aligned; Step column
    ("calc-sheet", (297, 235), "lr", "0.0003", None, 1000),
    # a property sheet (MLflow's compare page): columns are runs, named on a "Run Name:" line far
    # above (durations and times between are values, not headers); the row label names the value,
    # whole although it lies left of the strip read above the value
    ("mlflow-compare-metrics", (843, 626), "val_acc", "0.673", "deit-s-bs512", None),
    ("mlflow-compare-params", (643, 702), "lr", "0.002", "convnext-t-bs128", None),
    # cut names: a value far right on a log line keeps the whole name (the band is full width)
    ("xterm-xgboost", (430, 392), "eval-logloss", "0.4611", None, 19),
    # cut names: OCR splits "train_loss" at the underscore, which sits on Calc's grid line
    ("calc-sheet", (132, 167), "train_loss", "0.8", None, 200),
    # alignment shift: "val_acc" fills its cell up to the next column's "lr": the header
    # overlapping the value most names it
    ("calc-sheet", (253, 218), "val_acc", "0.8", None, 800),
    # [N] at the line start, where the detector found one box over several lines' "[3]" "[4]"
    ("xterm-lightning", (232, 107), "train-logloss", "0.39074", None, 4),
    # an underscore read as "~" or as a space ("val loss=0.795"): the ink shows the stroke
    ("xterm-lightning", (736, 354), "train_loss", "0.873", None, 1),
    ("xterm-lightning", (880, 354), "val_loss", "0.795", None, 1),
    # Keras's "Epoch 1/4" alone at the left, over a progress line longer than the band
    ("xterm-keras", (646, 50), "loss", "0.4712", None, 1),
    # row label qualifier: the run under "Run Name", not a side panel's item on the same line
    # ("Model registry") nor the "Created" cell next to the value
    ("mlflow-runs-sidebar", (949, 384), "exact_match", "0.8881", "bert-large-wd0.1", None),
    ("mlflow-runs-cifar", (949, 448), "lr", "0.0003", "resnet18-lr3e-4", None),
    # cut names: a dict key wrapped onto the next line ("…'eval_samples_p" / "er_second': 405.2")
    ("jupyter-dict", (503, 480), "eval_samples_per_second", "405.2", None, None),
]


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    engine = OcrEngine()
    engine.load()
    return engine


def screen(name: str) -> np.ndarray:
    return np.asarray(Image.open(SCREENS / f"{name}.png").convert("RGB"))[:, :, ::-1].copy()


@pytest.mark.parametrize(("png", "pointer", "name", "text", "qualifier", "step"), CASES)
@pytest.mark.slow
def test_the_pointed_value_and_its_name(
    engine: OcrEngine,
    png: str,
    pointer: tuple[int, int],
    name: str,
    text: str,
    qualifier: str | None,
    step: int | None,
) -> None:
    reading = engine.read_at(screen(png), *pointer)
    assert (reading.name, reading.text, reading.step) == (name, text, step)
    if qualifier is not None:
        assert reading.qualifier == qualifier


def test_no_value_under_the_pointer_is_said_not_guessed(engine: OcrEngine) -> None:
    reading = engine.read_at(screen("xterm-xgboost"), 700, 300)  # blank terminal below the log
    assert reading.value is None and reading.why == "no text under the pointer"
    on_name = engine.read_at(screen("mlflow-runs"), 340, 234)  # the "Run Name" header: no number
    assert on_name.value is None and "no number under the pointer" in on_name.why
