"""A short, real training job that knows nothing of runnotes: a linear classifier on digits.

    python -m runnotes.samples.train_digits --data digits.csv --lr 0.01 [--epochs 8]

It reads the CSV that :mod:`runnotes.samples.make_digits` writes (64 pixel columns and a label),
takes its parameters from argparse and prints one metric line per epoch, the way training scripts
do. The demo runs it unmodified under ``runnotes watch --data digits.csv``: the params come from
its command line, the metrics from its output, the data fingerprint from ``--data``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def read_data(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with path.open(newline="") as handle:
        rows = [[int(v) for v in row] for row in list(csv.reader(handle))[1:]]
    table = np.array(rows)
    return table[:, :-1] / 16.0, table[:, -1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("digits.csv"))
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()

    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import train_test_split

    X, y = read_data(args.data)
    print(f"config lr={args.lr} alpha={args.alpha} epochs={args.epochs} rows={len(y)}", flush=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    model = SGDClassifier(
        loss="log_loss", learning_rate="constant", eta0=args.lr, alpha=args.alpha, random_state=0
    )
    classes = np.unique(y)
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(X_train, y_train, classes=classes)
        train_loss = log_loss(y_train, model.predict_proba(X_train), labels=classes)
        val_acc = accuracy_score(y_val, model.predict(X_val))
        print(
            f"epoch {epoch}/{args.epochs}  train_loss: {train_loss:.4f}  val_acc: {val_acc:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
