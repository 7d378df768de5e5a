"""A short, real training job that knows nothing of runnotes: a linear classifier on digits.

    python -m runnotes.samples.train_digits --data digits.csv --lr 0.01 [--epochs 8]
        [--save model.npz] [--resume model.npz]

It reads the CSV that :mod:`runnotes.samples.make_digits` writes (64 pixel columns and a label),
takes its parameters from argparse and prints one metric line per epoch, the way training scripts
do. The model is softmax regression trained by mini-batch SGD in NumPy (no scikit-learn: the demo
installs only what it needs). The demo runs it unmodified under ``runnotes watch --data``: the
params come from its command line, the metrics from its output, the fingerprint from ``--data``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def read_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    return table[:, :-1] / 16.0, table[:, -1]


def _probabilities(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    logits = X @ W + b
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("digits.csv"))
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--save", type=Path, help="write the weights here at the end (.npz)")
    parser.add_argument("--resume", type=Path, help="start from weights --save wrote")
    args = parser.parse_args()

    X, y = read_data(args.data)
    print(f"config lr={args.lr} alpha={args.alpha} epochs={args.epochs} rows={len(y)}", flush=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    cut = len(y) * 3 // 4
    train, val = order[:cut], order[cut:]
    classes = 10
    W = np.zeros((X.shape[1], classes))
    b = np.zeros(classes)
    done = 0
    if args.resume:
        with np.load(args.resume) as saved:
            W, b, done = saved["W"], saved["b"], int(saved["epoch"])
    onehot = np.eye(classes)[y]
    for epoch in range(done + 1, done + args.epochs + 1):
        shuffled = rng.permutation(train)
        for start in range(0, len(shuffled), args.batch_size):
            batch = shuffled[start : start + args.batch_size]
            error = _probabilities(X[batch], W, b) - onehot[batch]
            W -= args.lr * (X[batch].T @ error + args.alpha * W)  # one step per image's worth
            b -= args.lr * error.sum(axis=0)
        p = _probabilities(X[train], W, b)
        train_loss = -np.log(p[np.arange(len(train)), y[train]] + 1e-12).mean()
        val_acc = (_probabilities(X[val], W, b).argmax(axis=1) == y[val]).mean()
        print(
            f"epoch {epoch}/{done + args.epochs}  train_loss: {train_loss:.4f}  "
            f"val_acc: {val_acc:.4f}",
            flush=True,
        )
    if args.save:
        np.savez(args.save, W=W, b=b, epoch=done + args.epochs)


if __name__ == "__main__":
    main()
