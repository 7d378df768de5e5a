"""A learned second opinion on each number of a note, tried beside the rules: not wired in.

For each number the extractor gives a name to (``extract.naming.number``), a multinomial logistic
regression over readable features of the words around it says ``none`` (the note offers no value
there: an index, a range's end, the paper's figure, an old value, a count), ``metric`` or
``param``. Gold labels come from the note sets: the kind of an expected item with that value;
nothing (not trained on) when only an optional item, or items of both kinds, have it; else
``none``. The development sets are dev.txt and outside.txt … outside9.txt; the held-out ones
(heldout, audio, audio2, outside10*) are never read here.

It trains on all development sets but one (scikit-learn, fixed seed) and scores the left-out set
with the rules alone and with each way of combining the two (``COMBOS``); docs/voice-notes.md has
the table and why none of it is in ``src``.

Run (from the repository root):
  PYTHONPATH=$PWD/src .venv/bin/python -m benchmarks.tagger
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from runnotes.capture.parse import NUMBER  # noqa: E402
from runnotes.voice import extract as ex  # noqa: E402
from runnotes.voice.extract import naming, parse, unlisted, words  # noqa: E402
from runnotes.voice.lexicon import SPLITS, kind_of  # noqa: E402
from voice.notesets import Score, items, load  # noqa: E402

SETS = ("dev", "outside", *(f"outside{k}" for k in range(2, 10)))
CLASSES = ("none", "metric", "param")
SEED = 0
C = 0.5
MIN_COUNT = 2

# --- features and the two behaviours ---------------------------------------------------------

_NUM = re.compile(rf"^{NUMBER}$")
_RESULT = {"get", "give", "reach", "achieve", "score", "hit", "yield", "obtain", "be", "come"}
_SETTING = {"with", "set", "use", "using", "train", "run", "change", "increase", "decrease"}
_CLAUSE = {",", ";", ":", "but", "and", "while", "whereas", "which", "so", "(", ")"}


class Named(Protocol):
    """A name the rules found: tokens ``start:end`` and its kind if known."""

    start: int
    end: int
    kind: str | None


def _word(token) -> str:
    return "<num>" if _NUM.match(token.text) else token.lower_


def _shape(text: str, percent: bool) -> list[str]:
    value = float(text)
    out = ["pct" if percent else "no_pct"]
    if "e" in text.lower():
        out.append("exp")
    elif "." in text:
        out.append("lt1" if abs(value) < 1 else "decimal")
        out.append(f"places={min(len(text.split('.')[1]), 4)}")
    else:
        out.append("int")
        if 1900 <= value <= 2100:
            out.append("year_like")
    magnitude = math.floor(math.log10(abs(value))) if value else -9
    out.append(f"mag={max(-5, min(magnitude, 6))}")
    return out


def features(doc, i: int, names: list[Named]) -> list[str]:
    """The sparse features of the number at token ``i`` (all binary, named for reading). What
    the rules made of it is left out: a second opinion that learnt to echo them adds nothing."""
    token = doc[i]
    percent = i + 1 < len(doc) and doc[i + 1].text == "%"
    out = ["bias", *_shape(token.text, percent)]
    after = i + 2 if percent else i + 1
    for k in range(1, 6):
        for side, j in (("L", i - k), ("R", after + k - 1)):
            if 0 <= j < len(doc):
                out.append(f"{side}{k if k <= 2 else '3+'}={_word(doc[j])}")
            elif k == 1:
                out.append(f"{side}1=<edge>")
    for side, j in (("L", i - 1), ("R", after)):
        if 0 <= j < len(doc):  # how an unseen name looks: "MOTA", "IDF1", "sFID"
            out += [f"{side}1_shape={doc[j].shape_[:4]}", f"{side}1_pos={doc[j].pos_}"]
            out.append(f"{side}1_stop={doc[j].is_stop}")
    for side, near in (("before", _nearest(names, i, -1)), ("after", _nearest(names, after, 1))):
        if near is None:
            out.append(f"{side}_name=none")
            continue
        distance = near.start - after if side == "after" else i - near.end
        kind = near.kind or "unknown"
        out += [f"{side}_name={kind}", f"{side}_name={kind}@{min(distance, 3)}"]
    start = i
    while start > 0 and doc[start - 1].lower_ not in _CLAUSE:
        start -= 1
    for t in doc[start:i]:
        lemma = t.lemma_.lower() or t.lower_
        if t.pos_ in ("VERB", "AUX"):
            out.append(f"clause_verb={lemma}")
        if lemma in _RESULT or t.lower_ in _RESULT:
            out.append("cue=result")
        if lemma in _SETTING or t.lower_ in _SETTING:
            out.append("cue=setting")
    if start > 0:
        out.append(f"clause_after={doc[start - 1].lower_}")
    listed = (i and doc[i - 1].text == ",") or (after < len(doc) and doc[after].text == ",")
    out.append(f"listed={bool(listed)}")
    numbers = [t.i for t in doc if _NUM.match(t.text)]
    out.append(f"nth={min(numbers.index(i), 3) if i in numbers else 0}")
    out.append(f"last={bool(numbers) and numbers[-1] == i}")
    if token.pos_:
        out += [f"dep={token.dep_}", f"head={token.head.lemma_.lower()}"]
        out += [f"head_pos={token.head.pos_}", f"head_dep={token.head.dep_}"]
    return out


def _nearest(names: list[Named], at: int, direction: int) -> Named | None:
    if direction < 0:
        before = [n for n in names if n.end <= at]
        return max(before, key=lambda n: n.end, default=None)
    later = [n for n in names if n.start >= at]
    return min(later, key=lambda n: n.start, default=None)


Model = tuple[dict[str, list[float]], list[float]]  # weights per feature, intercepts


def probabilities(feats: list[str], model: Model) -> dict[str, float]:
    """P(none), P(metric), P(param) for one number's features."""
    weights, intercept = model
    scores = list(intercept)
    for f in set(feats):
        for c, w in enumerate(weights.get(f, ())):
            scores[c] += w
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    return {c: e / sum(exp) for c, e in zip(CLASSES, exp, strict=True)}


def review(
    doc,
    i: int,
    names: list[Any],
    known: dict[str, str],
    mention: Any,
    *,
    model: Model,
    unsure: float | None,
    named: float | None,
) -> None:
    """Second-guess the rules' reading of the number at token ``i`` (``mention``, changed in
    place): an offered value at P(none) >= ``unsure`` becomes unsure; an unnamed number at
    P(metric) + P(param) >= ``named`` takes the name beside it (None: that behaviour off)."""

    p = probabilities(features(doc, i, names), model)
    if mention.name is None:
        if named is None or p["metric"] + p["param"] < named:
            return
        said = adjacent_name(doc, i, names)
        if said is not None:
            mention.name = ex.match_known(said, known)
            best = "metric" if p["metric"] >= p["param"] else "param"
            mention.role = known.get(mention.name) or kind_of(mention.name) or best
        return
    if unsure is not None and p["none"] >= unsure and not mention.unsure:
        mention.unsure = f"the sentence may give no value of this run here (P {p['none']:.2f})"


_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_WORDY = {"NOUN", "PROPN", "ADJ", "X", "NUM"}
_LEADS = {"CCONJ", "SCONJ", "VERB", "AUX"}


@cache
def _never() -> frozenset[str]:
    """Words the rules know name no value (counters, counted things, splits, bounds, verbs)."""
    return frozenset(
        words.GENERIC | words.COUNTERS | words.INDEX_WORDS | words.COUNTED | words.NOT_NAME_WORDS
        | set(SPLITS) | parse._BOUND | words.STATISTICS | words.PARAM_VERBS | words.LINK_VERBS
        | words.RESULT_VERBS | words.REACH_VERBS
    )  # fmt: skip


def _acronym(token) -> bool:
    """ "MOTA", "IDF1", "sFID": a name as a paper spells it."""
    return any(c.isupper() or c.isdigit() for c in token.text[1:])


def _in_name(token, names: list[Any]) -> bool:
    return any(n.start <= token.i < n.end for n in names)


def _name_like(token, names: list[Any]) -> bool:
    if _in_name(token, names) or token.is_stop or len(token.text) < 2:
        return False
    if token.lower_ in _never() or token.lemma_.lower() in _never():
        return False
    if not _NAME_LIKE.match(token.text):
        return False
    return token.pos_ in ("NOUN", "PROPN", "X") or _acronym(token)


def _bounded(doc, j: int, names: list[Any], *, before: bool) -> bool:
    """Whether a phrase ends at token ``j``'s edge: no more name-ish words run on past it, and
    before it a pause, a conjunction, a verb or "with" ("…, margin 2.0", "got HOTA 61.2", "with
    tau 0.005"); not a preposition or an article ("in appendix 4", "the table 2": which one)."""
    if j < 0 or j >= len(doc) or doc[j].is_punct:
        return True
    if _in_name(doc[j], names) or doc[j].pos_ in _WORDY:
        return False
    return not before or doc[j].lower_ == "with" or doc[j].pos_ in _LEADS


def adjacent_name(doc, i: int, names: list[Any]) -> str | None:
    """The whole unknown name right before a number ("exploration 0.05", "MOTA 29.1%"), or an
    acronym right after a share or a fraction ("60.7% MOTA", "19.2 PSNR"); None when the phrase
    runs on into other words (part of a longer name is a wrong name), for a setting word alone
    ("size 384": of what?) and for an integer before a noun ("One P100": it counts them)."""
    said: list[str] = []
    j = i - 1
    while j >= 0 and len(said) < 3 and _name_like(doc[j], names):
        said.insert(0, doc[j].lower_)
        j -= 1
    if said and not _bounded(doc, j, names, before=True):
        return None
    percent = i + 1 < len(doc) and doc[i + 1].text == "%"
    if not said and (percent or not float(doc[i].text).is_integer()):
        j = i + 1 + percent
        while j < len(doc) and len(said) < 2 and _name_like(doc[j], names) and _acronym(doc[j]):
            said.append(doc[j].lower_)
            j += 1
        if said and not _bounded(doc, j, names, before=False):
            return None
    if not said or (len(said) == 1 and said[0] in words.SETTING_WORDS):
        return None
    return unlisted.near_lexicon(" ".join(said))


# --- training and the leave-one-set-out table ----------------------------------------------


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


@contextmanager
def _wrapped(hook: Callable) -> Iterator[None]:
    """Extraction with ``hook(doc, i, names, known, mention)`` run right after ``naming.number``."""
    original = naming.number

    def number(doc, i, names, known, split, sentence, segment):
        mention, parsed = original(doc, i, names, known, split, sentence, segment)
        hook(doc, i, names, known, mention)
        return mention, parsed

    naming.number = number
    try:
        yield
    finally:
        naming.number = original


def collect(name: str) -> list[Sample]:
    out: list[Sample] = []
    for case in load(name):
        seen: list[tuple[list[str], float]] = []

        def record(doc, i, names, known, mention, seen=seen) -> None:
            seen.append((features(doc, i, names), round(float(doc[i].text), 9)))

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
    order = [list(model.classes_).index(c) for c in CLASSES]
    weights = {
        f: [round(float(model.coef_[c, j]), 4) for c in order]
        for f, j in sorted(vec.vocabulary_.items())
    }
    intercept = [round(float(model.intercept_[c]), 4) for c in order]
    return {"classes": list(CLASSES), "intercept": intercept, "weights": weights}


# --- the combinations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Combo:
    label: str
    kind: bool = False  # the tagger decides metric/param for a name in no list
    unsure: float | None = None  # see review()
    named: float | None = None


def _apply(combo: Combo, model: Model) -> Callable:
    def hook(doc, i, names, known, mention) -> None:
        unnamed = mention.name is None
        review(doc, i, names, known, mention, model=model, unsure=combo.unsure, named=combo.named)
        if combo.kind and not unnamed and mention.name not in known and not kind_of(mention.name):
            p = probabilities(features(doc, i, names), model)
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


if __name__ == "__main__":
    loso()
