"""The metric-line parser on the formats real training libraries print."""

from __future__ import annotations

import random
import re

import pytest

from runnotes.capture.parse import LineReader, parse_args, parse_line, parse_text
from runnotes.capture.shapes import Recipe, Shapes
from watchlines import load

# Lines in the formats of: Hugging Face Trainer (Python dict repr), JSON-lines loggers, Keras 2
# and Keras 3 progress lines, XGBoost and LightGBM evaluation logs, tqdm postfixes, and plain
# key=value / key: value prints.
CASES = [
    (
        "{'loss': 0.6931, 'grad_norm': 1.25, 'learning_rate': 4.5e-05, 'epoch': 0.5}",
        None,
        {"loss": 0.6931, "grad_norm": 1.25, "learning_rate": 4.5e-05, "epoch": 0.5},
    ),
    ('{"step": 200, "train/loss": 0.41, "lr": 0.0003}', 200, {"train/loss": 0.41, "lr": 0.0003}),
    (
        "32/32 [==============================] - 0s 2ms/step - loss: 0.1234 - accuracy: 0.9500 - "
        "val_loss: 0.2000 - val_accuracy: 0.9100",
        None,
        {"loss": 0.1234, "accuracy": 0.95, "val_loss": 0.2, "val_accuracy": 0.91},
    ),
    (
        "\x1b[1m32/32\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m "
        "\x1b[1m0s\x1b[0m 2ms/step - "
        "accuracy: 0.5300 - loss: 0.6910",
        None,
        {"accuracy": 0.53, "loss": 0.691},
    ),
    (
        "[12]\ttrain-rmse:0.51234\teval-rmse:0.60012",
        12,
        {"train-rmse": 0.51234, "eval-rmse": 0.60012},
    ),
    ("[7]\tvalid_0's l2: 0.12\tvalid_0's l1: 0.3", 7, {"valid_0-l2": 0.12, "valid_0-l1": 0.3}),
    (
        "Epoch 1:  45%|████▌     | 45/100 [00:01<00:02, 30.1it/s, loss=0.123, acc=0.9]",
        1,
        {"loss": 0.123, "acc": 0.9},
    ),
    (
        "epoch 12  train_loss: 0.2314  val_acc: 0.9321  lr=3e-4",
        12,
        {"train_loss": 0.2314, "val_acc": 0.9321, "lr": 3e-4},
    ),
    ("Iteration 3, loss = 0.48210394", 3, {"loss": 0.48210394}),
    ("step=5 loss=1.5E-2 top1=91.4%", 5, {"loss": 0.015, "top1": 91.4}),
    ("Downloading 100 files from port 8080", None, {}),
    ("Epoch 3/10", 3, {}),
]


@pytest.mark.parametrize(("line", "step", "values"), CASES)
def test_formats(line: str, step: int | None, values: dict[str, float]) -> None:
    parsed = parse_line(line)
    assert parsed.step == step
    assert parsed.values == pytest.approx(values)


def test_loose_mode_reads_labels_next_to_numbers() -> None:
    parsed = parse_text("val_acc：0.9321\nloss 0.2314   accuracy 91.4%")
    assert parsed.values == {"val_acc": 0.9321, "loss": 0.2314, "accuracy": 91.4}
    assert parsed.units == {"accuracy": "%"}
    assert parse_line("loss 0.2314").values == {}  # strict (watch) mode ignores bare numbers


@pytest.mark.parametrize(
    ("line", "params"),
    [
        (
            "config lr=0.1 epochs=5 optimizer=adam",
            {"lr": "0.1", "epochs": "5", "optimizer": "adam"},
        ),
        (
            "Hparams: {'lr': 0.001, 'optim': {'name': 'sgd', 'momentum': 0.9}}",
            {"lr": "0.001", "optim.name": "sgd", "optim.momentum": "0.9"},
        ),
        (
            "Namespace(lr=0.0003, batch_size=64, data=PosixPath('d'), fp16=False)",
            {"lr": "0.0003", "batch_size": "64", "data": "PosixPath('d')", "fp16": "False"},
        ),
        ("args: Namespace(seed=1)", {"seed": "1"}),
        ('params = {"dropout": 0.3}', {"dropout": "0.3"}),
    ],
)
def test_config_lines_are_params_not_metrics(line: str, params: dict[str, str]) -> None:
    parsed = parse_line(line)
    assert parsed.params == params
    assert parsed.metrics == {}


def test_a_dict_before_any_metric_is_the_config() -> None:
    config = "{'model': 'mlp', 'hidden': 64, 'lr': 0.01}"
    assert parse_line(config, at_start=True).params == {
        "model": "mlp",
        "hidden": "64",
        "lr": "0.01",
    }
    assert parse_line(config).params == {}  # later in the output: a dict of metrics
    trainer = "{'loss': 0.69, 'learning_rate': 5e-05, 'epoch': 0.5}"  # has a step key: metrics
    assert parse_line(trainer, at_start=True).params == {}
    assert parse_line("Total params: 11,689,512").values == {}  # not "params = 11"


@pytest.mark.parametrize(
    ("line", "progress", "batch"),
    [
        ("Epoch 2:  45%|████▌     | 45/100 [00:01<00:02, 30.1it/s, loss=0.123]", (45, 100), True),
        ("100%|██████████| 100/100 [00:03<00:00, 30.1it/s, loss=0.1]", (100, 100), True),
        ("45it [00:01, 30.1it/s, loss=0.1]", (45, None), True),
        ("10/32 [=====>........] - ETA: 0s - loss: 0.3000 - accuracy: 0.8000", (10, 32), True),
        ("32/32 [==============================] - 0s 2ms/step - loss: 0.1234", (32, 32), False),
        ("epoch 3  loss: 0.2", None, False),
    ],
)
def test_progress_bar_values_are_per_batch(
    line: str, progress: tuple[int, int | None] | None, batch: bool
) -> None:
    parsed = parse_line(line)
    assert (parsed.progress, parsed.batch) == (progress, batch)


@pytest.mark.parametrize(
    ("argv", "params"),
    [
        (["python", "train.py", "--lr", "3e-4"], {"lr": "3e-4"}),
        (
            [
                "python",
                "-u",
                "train.py",
                "--batch-size=64",
                "lr=0.1",
                "optimizer.lr=0.1",
                "+trainer.precision=16",
                "--fp16",
                "--layers",
                "64",
                "128",
                "-e",
                "10",
                "--wd",
                "-1e-4",
            ],
            {
                "batch_size": "64",
                "lr": "0.1",
                "optimizer.lr": "0.1",
                "trainer.precision": "16",
                "fp16": "true",
                "layers": "64 128",
                "e": "10",
                "wd": "-1e-4",
            },
        ),
        (["python", "train.py", "data/", "--lr", "0.1", "out/"], {"lr": "0.1"}),
        (["torchrun", "--nproc-per-node", "4", "train.py", "--lr", "1"], {"lr": "1"}),
        (["python", "-m", "pkg.train", "--epochs", "3"], {"epochs": "3"}),
        (["./train", "--lr", "3"], {"lr": "3"}),
        (["python", "train.py", "~trainer.logger"], {}),
        # a shell's -c: the one Python command in its code, or nothing (never a parameter "c")
        (["bash", "-lc", "cd exp && python fit.py --seed 7 | tee out.log"], {"seed": "7"}),
        (["sh", "-c", "./finetune --warmup 500"], {"warmup": "500"}),
        (["dash", "-c", "echo acc=0.5; exit 2"], {}),
        (["zsh", "-c", "python a.py --k 1 && python b.py --k 2"], {}),
        (["sh", "-c", "python 'half quoted --k 1"], {}),
    ],
)
def test_command_line_params(argv: list[str], params: dict[str, str]) -> None:
    assert parse_args(argv) == params


@pytest.mark.parametrize("epoch", range(1, 13))
def test_epoch_counts_past_nine_are_steps_not_dates(epoch: int) -> None:
    """ "epoch 10/12" once lost its step ("10/12" was read as a day): epochs 11 and 12 then
    overwrote the values at steps 1 and 2."""
    parsed = parse_line(f"epoch {epoch}/12  train_loss: 1.1  val_acc: 0.91")
    assert parsed.step == epoch and parsed.values == {"train_loss": 1.1, "val_acc": 0.91}


# The fast path (a line read by its shape's recipe, capture/shapes.py) gives exactly what the
# full reading gives: real output (watchset), the cases above and lines that test the rules
# which depend on the values, each read with its digits changed the ways a loop prints them.
TRICKY = [
    "loss: 0.5 | loss: 0.5",  # a name twice: kept only while its values agree
    "loss: 0.5 | loss: 0.6",
    "Train Loss: 0.45 Acc: 0.83 | Test Loss: 0.32 Acc: 0.88",
    "top1=91.4% top5=99.1% loss=0.3",
    "12:30:01 loss=0.5 acc: 0.75",
    "2026-12-06 12:30:01,123 - trainer.py:2405 - loss 0.61 (0.92) - lr 3e-4",
    "Epoch 3/10 loss 0.2 val_loss 0.3",
    "iter 10: loss 3.2210, time 93.81ms, mfu 12.00%",
    "1000 / 8223 loss=0.3",
    "step 5 loss=-1.5E-2 acc=+0.5 lr=3e-4",
    "|    ep_rew_mean | -213     |",
    "[12]\ttrain-rmse:0.51234\teval-rmse:0.60012",
    "[7]\tvalid_0's l2: 0.12\tvalid_0's l1: 0.3",
    "I0914 12:03:04.123456 1234 solver.cpp:244] Iteration 100, loss = 0.5",
    "10/32 [=====>........] - ETA: 1s - loss: 0.3 - accuracy: 0.9",
    "32/32 [==============================] - 0s 2ms/step - loss: 0.1234 - accuracy: 0.9500",
    "epoch 1 step 2 loss=3 acc=3 f1=3",
    "\x1b[32mloss\x1b[0m=0.25 acc=0.5",
    "Saving checkpoint to out/ckpt_000123.pt",
    "loaded 1797 samples",
    "loss=1.5.3 acc=7..2",
    "epoch 3.5 loss 0.2",
]


def _lines() -> list[str]:
    real = [record.line for name in ("dev", "heldout") for ex in load(name) for record in ex]
    return [*real, *(case[0] for case in CASES), *TRICKY]


def _variants(line: str, rng: random.Random) -> list[str]:
    """The line with other digits: random ones, and every digit the same (equal values)."""
    randoms = [re.sub(r"\d", lambda _: str(rng.randrange(10)), line) for _ in range(12)]
    return [*randoms, *(re.sub(r"\d", str(d), line) for d in range(10))]


@pytest.mark.parametrize("line", _lines())
def test_a_shape_is_read_as_the_full_reading_reads_it(line: str) -> None:
    shapes = Shapes()
    assert shapes.read(line) == parse_line(line)
    assert shapes.read(line) == parse_line(line)  # the second time: learnt
    rng = random.Random(line)
    for variant in _variants(line, rng):
        assert shapes.read(variant) == parse_line(variant), variant


def test_the_lines_a_loop_repeats_are_read_by_their_recipe() -> None:
    reader = LineReader()
    for i in range(1, 300):
        parsed = reader.read(f"step {i} loss={1 / i:.4f} acc: {i / 300:.2%} lr=3e-4")
        assert parsed.step == i
        acc = float(f"{100 * i / 300:.2f}")
        assert parsed.values == {"loss": float(f"{1 / i:.4f}"), "acc": acc, "lr": 3e-4}
    recipes = [known for known in reader.shapes.known.values() if isinstance(known, Recipe)]
    assert recipes and len(recipes) == len(reader.shapes.known)  # every shape: few, all learnt


def test_values_that_decide_the_reading_keep_a_shape_on_the_full_path() -> None:
    shapes = Shapes()
    for line in ["loss: 0.5 | loss: 0.5"] * 2 + ["45/100 [00:01<00:02, loss=0.1]"] * 2:
        shapes.read(line)
    assert not any(isinstance(known, Recipe) for known in shapes.known.values())
    assert shapes.read("loss: 0.5 | loss: 0.6").values == {}
