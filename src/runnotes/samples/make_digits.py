"""Write scikit-learn's bundled digits images as a CSV, the data the demo trains on.

    python -m runnotes.samples.make_digits digits.csv [--rows 1500]

A different ``--rows`` is a different data file: the demo uses it to show how runnotes flags a
data change between two runs.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def write_digits(path: Path, rows: int | None = None) -> int:
    """Write the first ``rows`` images (all 1 797 when None); returns how many were written."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:rows], y[:rows]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"px{i}" for i in range(X.shape[1])] + ["label"])
        for features, label in zip(X, y, strict=True):
            writer.writerow([*map(int, features), int(label)])
    return len(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=None, help="only the first ROWS images")
    args = parser.parse_args()
    print(f"wrote {write_digits(args.path, args.rows)} images to {args.path}")


if __name__ == "__main__":
    main()
