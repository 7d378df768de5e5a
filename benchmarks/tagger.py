"""The number tagger (runnotes.voice.tagger): train it, and measure it leave-one-set-out.

Each number the extractor gives to ``_number`` is a sample; its gold label comes from the note
set: the kind of an expected item with that value, nothing (skipped) when only an optional item
has it, else ``none``. The development sets are dev.txt and outside.txt … outside9.txt; the held-out
ones (heldout, audio, audio2, outside10*) are never read here.

Run (from the repository root):
  PYTHONPATH=$PWD/src .venv/bin/python -m benchmarks.tagger loso    # the leave-one-set-out table
  PYTHONPATH=$PWD/src .venv/bin/python -m benchmarks.tagger train   # rewrite voice/tagger.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from runnotes.voice import extract as ex  # noqa: E402
from runnotes.voice import tagger  # noqa: E402
from runnotes.voice.lexicon import kind_of  # noqa: E402
from voice.notesets import Score, items, load  # noqa: E402

SETS = ("dev", "outside", *(f"outside{k}" for k in range(2, 10)))
SEED = 0
C = 0.5
MIN_COUNT = 2


@dataclass
class Sample:
    feats: list[str]
    label: str


def _label(value: float, case) -> str | None:
    kinds = {kind for _, v, kind in case.expected if v == value}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds or any(v == value for _, v, _ in case.optional):
        return None  # two kinds, or only an optional item has it: not trained on
    return "none"


_REVIEW = tagger.review


@contextmanager
def _wrapped(hook: Callable) -> Iterator[None]:
    """Extraction with ``hook(doc, i, names, known, mention)`` where it calls ``tagger.review``
    (the rules alone: a hook that does nothing)."""
    tagger.review = lambda doc, i, names, known, mention, **_: hook(doc, i, names, known, mention)
    try:
        yield
    finally:
        tagger.review = _REVIEW


def collect(name: str) -> list[Sample]:
    out: list[Sample] = []
    for case in load(name):
        seen: list[tuple[list[str], float]] = []

        def record(doc, i, names, known, mention, seen=seen) -> None:
            seen.append((tagger.features(doc, i, names), round(float(doc[i].text), 9)))

        with _wrapped(record):
            ex.extract([case.text], case.known)
        for feats, value in seen:
            label = _label(value, case)
            if label is not None:
                out.append(Sample(feats, label))
    return out


def fit(samples: list[Sample]) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for s in samples for f in set(s.feats))
    kept = [{f: 1 for f in s.feats if counts[f] >= MIN_COUNT} for s in samples]
    vec = DictVectorizer()
    x = vec.fit_transform(kept)
    model = LogisticRegression(C=C, max_iter=5000, random_state=SEED)
    model.fit(x, [s.label for s in samples])
    order = [list(model.classes_).index(c) for c in tagger.CLASSES]
    weights = {
        f: [round(float(model.coef_[c, j]), 4) for c in order]
        for f, j in sorted(vec.vocabulary_.items())
    }
    intercept = [round(float(model.intercept_[c]), 4) for c in order]
    return {"classes": list(tagger.CLASSES), "intercept": intercept, "weights": weights}


# --- the combinations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Combo:
    label: str
    kind: bool = False  # the tagger decides metric/param for a name in no list
    unsure: float | None = None  # see tagger.review
    named: float | None = None


def _apply(combo: Combo, model: tagger.Model) -> Callable:
    def hook(doc, i, names, known, mention) -> None:
        unnamed = mention.name is None
        _REVIEW(doc, i, names, known, mention, model=model, unsure=combo.unsure, named=combo.named)
        if combo.kind and not unnamed and mention.name not in known and not kind_of(mention.name):
            p = tagger.probabilities(tagger.features(doc, i, names), model)
            mention.role = "metric" if p["metric"] >= p["param"] else "param"

    return hook


def score(name: str, combo: Combo | None, model) -> Score:
    result = Score()
    for case in load(name):
        with _wrapped(_apply(combo, model) if combo else lambda *_: None):
            result.add(case, items(ex.extract([case.text], case.known)))
    return result


COMBOS = (
    Combo("kind", kind=True),
    Combo("unsure .95", unsure=0.95),
    Combo("unsure .9", unsure=0.9),
    Combo("unsure .8", unsure=0.8),
    Combo("name .9", named=0.9),
    Combo("name .8", named=0.8),
    Combo("name .7", named=0.7),
    Combo("unsure .9 + name .8", unsure=0.9, named=0.8),
    Combo("all three, .9/.8", kind=True, unsure=0.9, named=0.8),
)


def loso() -> None:
    samples = {name: collect(name) for name in SETS}
    for name in SETS:
        labels = Counter(s.label for s in samples[name])
        print(f"{name}: {len(samples[name])} numbers {dict(labels)}", file=sys.stderr)
    rows: dict[str, dict[str, Score]] = {}
    for left in SETS:
        model_data = fit([s for name in SETS if name != left for s in samples[name]])
        model = (model_data["weights"], model_data["intercept"])
        rows[left] = {"rules": score(left, None, model)}
        for combo in COMBOS:
            rows[left][combo.label] = score(left, combo, model)
        figures = (f"{k} {v.precision:.3f}/{v.recall:.3f}" for k, v in rows[left].items())
        print(left, " | ".join(figures), file=sys.stderr)
    labels = ["rules", *(c.label for c in COMBOS)]
    print("| left out | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    pooled = {label: Score() for label in labels}
    for left in SETS:
        cells = []
        for label in labels:
            s = rows[left][label]
            pooled[label].merge(s)
            cells.append(f"{s.precision:.3f} / {s.recall:.3f}")
        print(f"| {left} ({rows[left]['rules'].expected}) | " + " | ".join(cells) + " |")
    cells = [f"{pooled[label].precision:.3f} / {pooled[label].recall:.3f}" for label in labels]
    print("| pooled | " + " | ".join(cells) + " |")


def trained() -> dict:
    """The tagger's weights trained on every development set (what tagger.json holds)."""
    return fit([s for name in SETS for s in collect(name)])


def train() -> None:
    model = trained()
    tagger.WEIGHTS.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"{tagger.WEIGHTS}: {len(model['weights'])} features")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("loso", "train"))
    {"loso": loso, "train": train}[parser.parse_args().command]()
