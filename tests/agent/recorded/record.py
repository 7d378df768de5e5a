"""Record the console output of tiny real Lightning and Keras fits, as a terminal shows it.

    .venv/bin/python tests/agent/recorded/record.py        (rewrites the files here; ~1 min)

Each fit runs in a pseudo-terminal of ``COLUMNS`` x ``ROWS`` cells, so the progress bars draw
as they do for a person (carriage returns, cursor moves, colours). Two files per fit:

- ``NAME.raw``: the bytes the program wrote, which the real-tools test's xterm replays;
- ``NAME.txt``: what a terminal shows once the fit has ended, rendered from those bytes by pyte
  (a VT100 emulator, as the test renders them: the targets' expected names, digits and
  positions come from the rendering).

The fits train on random data for a few epochs on the CPU; warnings are silenced so that the
screen holds the progress bars (the data loader's worker hints would take most of it).
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from realtools import COLUMNS, screen_lines  # noqa: E402  (the xterm's width, its rendering)

ROWS = 40

LIGHTNING = """
import warnings
warnings.filterwarnings("ignore")
import lightning as L
import torch
from lightning.pytorch.callbacks import {bar}
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

L.seed_everything({seed}, verbose=False)
X = torch.randn(640, 20)
y = (X @ torch.randn(20) > 0).long()


class Classifier(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 2))

    def training_step(self, batch, _):
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.log("{train}", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, _):
        x, y = batch
        out = self.net(x)
        self.log("{val}_loss", nn.functional.cross_entropy(out, y), prog_bar=True)
        self.log("{val}_acc", (out.argmax(1) == y).float().mean(), prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=3e-3)


train = DataLoader(TensorDataset(X[:512], y[:512]), batch_size=32)
val = DataLoader(TensorDataset(X[512:], y[512:]), batch_size=64)
trainer = L.Trainer(max_epochs={epochs}, default_root_dir={root!r}, enable_checkpointing=False,
                    callbacks=[{bar}()])
trainer.fit(Classifier(), train, val)
"""

KERAS = """
import os
os.environ["KERAS_BACKEND"] = "torch"
import warnings
warnings.filterwarnings("ignore")
import keras
import numpy as np

keras.utils.set_random_seed({seed})
rng = np.random.default_rng({seed})
X = rng.normal(size=(1200, 16)).astype("float32")
w = rng.normal(size=16).astype("float32")
{data}
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"), {head}])
model.compile(optimizer="adam", loss={loss!r}, metrics={metrics!r})
model.fit(X, y, validation_split=0.25, epochs={epochs}, batch_size={batch}, verbose=1)
"""

# What a Keras fit learns: a 2-class label (softmax, accuracy) or a noisy regression target.
KERAS_TASKS = {
    "classify": (
        'y = (X @ w > 0).astype("int32")',
        'keras.layers.Dense(2, activation="softmax")',
        "sparse_categorical_crossentropy",
        ["accuracy"],
    ),
    "regress": (
        'y = (X @ w + rng.normal(size=1200)).astype("float32")',
        "keras.layers.Dense(1)",
        "mse",
        ["mae"],  # a line of more metrics wraps at 140 columns
    ),
}


def keras_fit(task: str, seed: int, epochs: int, batch: int) -> str:
    data, head, loss, metrics = KERAS_TASKS[task]
    return KERAS.format(
        seed=seed, data=data, head=head, loss=loss, metrics=metrics, epochs=epochs, batch=batch
    )


FITS = {
    # dev screens (tuned on): the classic tqdm bar, Keras's default metrics
    "lightning": LIGHTNING.replace("{bar}", "TQDMProgressBar").format(
        seed=3, train="train_loss", val="val", epochs=4, root="{root}"
    ),
    "keras": keras_fit("classify", seed=5, epochs=4, batch=32),
    # held-out screens: Lightning's default bar when rich is installed, a Keras regression
    "lightning_rich": LIGHTNING.replace("{bar}", "RichProgressBar").format(
        seed=11, train="loss", val="valid", epochs=3, root="{root}"
    ),
    "keras_regression": keras_fit("regress", seed=13, epochs=3, batch=64),
    # a second held-out pair, recorded after the rules were tuned (07:40) and measured once:
    # other seeds and names, so other digits at other places
    "lightning_rich_b": LIGHTNING.replace("{bar}", "RichProgressBar").format(
        seed=29, train="train_ce", val="dev", epochs=2, root="{root}"
    ),
    "keras_b": keras_fit("classify", seed=31, epochs=3, batch=48),
}


def run_in_pty(code: str, cwd: str) -> bytes:
    """Run ``python -c code`` with a terminal of COLUMNS x ROWS as its stdout/stderr."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=child, stdout=child, stderr=child, cwd=cwd, env=env
    )
    os.close(child)
    out = bytearray()
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    if proc.wait() != 0:
        raise SystemExit(out.decode(errors="replace"))
    return bytes(out)


def versions() -> str:
    code = (
        "import os; os.environ['KERAS_BACKEND'] = 'torch'\n"
        "import importlib.metadata, keras, lightning, torch\n"
        "print(f'lightning {lightning.__version__}, torch {torch.__version__}, '"
        "f'keras {keras.__version__} (torch backend), '"
        "f'rich {importlib.metadata.version(\"rich\")}')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    names = sys.argv[1:] or list(FITS)
    with tempfile.TemporaryDirectory() as root:
        for name in names:
            raw = run_in_pty(FITS[name].replace("{root}", root), root)
            lines = screen_lines(raw, COLUMNS)
            (HERE / f"{name}.raw").write_bytes(raw)
            (HERE / f"{name}.txt").write_text("\n".join(lines) + "\n")
            print(f"{name}: {len(raw)} bytes, {len(lines)} lines on the screen")
    print(versions())


if __name__ == "__main__":
    main()
