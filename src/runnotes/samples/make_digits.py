"""Write the bundled handwritten digits as a CSV, the data the demo trains on.

    python -m runnotes.samples.make_digits digits.csv [--rows 1500]

``digits.csv.gz`` beside this file is scikit-learn's copy (``sklearn/datasets/data``, BSD-3) of
the UCI "Optical Recognition of Handwritten Digits" test set: 1 797 images of 8×8 pixels
(0-16) and their label. A different ``--rows`` is a different data file: the demo uses it to show
how runnotes flags a data change between two runs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
from pathlib import Path

BUNDLED = Path(__file__).with_name("digits.csv.gz")


def write_digits(path: Path, rows: int | None = None) -> int:
    """Write the first ``rows`` images (all when None) with a header; returns how many."""
    with gzip.open(BUNDLED, "rt", newline="") as source:
        images = list(csv.reader(source))[:rows]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"px{i}" for i in range(64)] + ["label"])
        writer.writerows(images)
    return len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=None, help="only the first ROWS images")
    args = parser.parse_args()
    print(f"wrote {write_digits(args.path, args.rows)} images to {args.path}")


if __name__ == "__main__":
    main()
