"""A short, real training job: a linear classifier on scikit-learn's bundled digits images.

    python -m runnotes.samples.train_digits --lr 0.01 --epochs 8 --data digits.csv [--rows 1500]

It writes the data it trains on to ``--data`` (so runnotes can fingerprint it), logs its
parameters and the dataset through the runnotes SDK (to the active run, e.g. the one
``runnotes watch`` started), prints one metric line per epoch the way training scripts do, and
likes its best validation accuracy.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

import runnotes


def write_data(path: Path, rows: int | None) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:rows], y[:rows]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"px{i}" for i in range(X.shape[1])] + ["label"])
        for features, label in zip(X, y, strict=True):
            writer.writerow([*map(int, features), int(label)])
    return X / 16.0, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rows", type=int, default=None, help="use only the first ROWS images")
    parser.add_argument("--data", type=Path, default=Path("digits.csv"))
    args = parser.parse_args()

    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import train_test_split

    X, y = write_data(args.data, args.rows)
    runnotes.log_params(
        {
            "lr": args.lr,
            "alpha": args.alpha,
            "epochs": args.epochs,
            "model": "SGDClassifier(log_loss)",
        }
    )
    runnotes.dataset(args.data)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    model = SGDClassifier(
        loss="log_loss", learning_rate="constant", eta0=args.lr, alpha=args.alpha, random_state=0
    )
    classes = np.unique(y)
    best = 0.0
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(X_train, y_train, classes=classes)
        train_loss = log_loss(y_train, model.predict_proba(X_train), labels=classes)
        val_acc = accuracy_score(y_val, model.predict(X_val))
        best = max(best, val_acc)
        print(
            f"epoch {epoch}/{args.epochs}  train_loss: {train_loss:.4f}  val_acc: {val_acc:.4f}",
            flush=True,
        )
    runnotes.like("best_val_acc", round(best, 4))


if __name__ == "__main__":
    main()
