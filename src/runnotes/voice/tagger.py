"""A learned second opinion on each number of a note: does the sentence offer it as a metric, a
param, or not at all (an index, a range's end, the paper's figure, an old value)?

The rules in :mod:`runnotes.voice.extract` find names and values; on note sets nobody tuned them
on they miss values whose name is in no list ("MOTA 29.1%") and offer numbers a reader would not.
This is a multinomial logistic regression over sparse, readable features of the words around the
number, trained on the development note sets (``python -m benchmarks.tagger train``) and applied
here in plain Python from the weights in ``tagger.json``: no scikit-learn at run time.

It never offers a value on its own say. :func:`review` only (1) marks a value the rules offer
``unsure`` (a question for the reviewer) when it is confident the sentence gives no value there,
and (2) names a number the rules left unnamed after the unknown name right beside it ("IDF1
67.1"), when it is confident the number is a value. Leave-one-set-out figures: docs/voice-notes.md.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from runnotes.capture.parse import NUMBER
from runnotes.voice.lexicon import kind_of

WEIGHTS = Path(__file__).with_name("tagger.json")
CLASSES = ("none", "metric", "param")
UNSURE = 0.9  # P(none) from which an offered value becomes a question
NAMED = 0.8  # P(metric) + P(param) from which an unnamed number takes the name beside it

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


@cache
def _model() -> Model:
    """The committed weights, read once."""
    data = json.loads(WEIGHTS.read_text())
    return data["weights"], data["intercept"]


def probabilities(feats: list[str], model: Model | None = None) -> dict[str, float]:
    """P(none), P(metric), P(param) for one number's features."""
    weights, intercept = model or _model()
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
    model: Model | None = None,
    unsure: float | None = UNSURE,
    named: float | None = NAMED,
) -> None:
    """Second-guess the rules' reading of the number at token ``i`` (``mention``, changed in
    place); ``unsure``/``named`` are the confidences each behaviour needs (None: off)."""
    from runnotes.voice.extract import match_known  # extract calls this: imported when used

    p = probabilities(features(doc, i, names), model)
    if mention.name is None:
        if named is None or p["metric"] + p["param"] < named:
            return
        said = adjacent_name(doc, i, names)
        if said is not None:
            mention.name = match_known(said, known)
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
    from runnotes.voice import extract as ex

    return frozenset(
        ex._GENERIC | ex._COUNTERS | ex._INDEX_WORDS | ex._COUNTED | ex._NOT_NAME_WORDS
        | set(ex.SPLITS) | ex._BOUND | ex._STATISTICS | ex.PARAM_VERBS | ex._LINK_VERBS
        | ex._RESULT_VERBS | ex._REACH_VERBS
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
    from runnotes.voice import extract as ex

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
    if not said or (len(said) == 1 and said[0] in ex._SETTING_WORDS):
        return None
    return ex._near_lexicon(" ".join(said))
