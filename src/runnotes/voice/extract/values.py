"""Whether a number is a value at all: not an index ("epoch 12"), a version ("COCO 2017"), a
count of things ("over 10 runs"), a difference ("by 2 points"), a cut-off ("NDCG at 10"), the
range of a sweep, one of a pair ("0 or 1"), a bound never reached, or a case supposed."""

from __future__ import annotations

import re

from runnotes.voice.extract.adjacent import name_before
from runnotes.voice.extract.mentions import Name
from runnotes.voice.extract.parse import acronym
from runnotes.voice.extract.tokens import (
    ancestors,
    before_number,
    in_name,
    in_turn_pair,
    is_number,
    name_after,
    unit_at,
    verbish,
)
from runnotes.voice.extract.unlisted import phrase_before
from runnotes.voice.extract.words import (
    AFTER_NAME,
    CLAUSE_END,
    COUNTED,
    COUNTERS,
    INDEX_WORDS,
    ORDINALS,
    REACH_VERBS,
    STRETCH,
    TIME_UNITS,
)

_PAIRING = {"and", "or", "to"}
_SCALED = {"multiplied", "scaled", "divided", "multiply", "scale", "divide"}
_OPEN_ENDS = {"plus", "something", "odd", "ish", "+"}
_SUMS = {"plus", "+"}  # "39 plus" at a clause's end; "32 + 4 for accumulation" is a sum
# A setting's name that names a point in time after these: "at batch 366", "each epoch 3".
_ONE_OF = {"batch", "fold", "run", "trial", "task", "shard", "gpu", "worker", "rank"}
_INDEX_PREPOSITIONS = {"at", "after", "in", "each", "every", "per", "of", "from", "since", "by"}
_COUNT_PREPOSITIONS = {"over", "on", "across", "in", "with", "for", "from", "among", "per"}
# Verbs of trying several values: "from X to Y" after them is the range swept, not a change.
_SWEEP_VERBS = {
    "try",
    "experiment",
    "sweep",
    "vary",
    "search",
    "scan",
    "test",
    "range",
    "tune",
    "explore",
}
_SPAN_PREPOSITIONS = {"over", "during", "across", "throughout", "within"}


def _time_index(doc, i: int) -> bool:
    """ "at 50000 steps", "after 1000000 steps", "after five rounds": when something was seen, not
    a setting ("after 30 epochs" is left alone: people say it of the whole run); "the first 400
    steps", "after the first four epochs": a stretch of the run, never its length."""
    prev = doc[i - 1].lower_ if i else ""
    unit = doc[i + 1].lower_ if i + 1 < len(doc) else ""
    if prev in STRETCH and unit in TIME_UNITS:
        return True
    spans = i >= 2 and prev == "the" and doc[i - 2].lower_ in _SPAN_PREPOSITIONS
    if spans and unit in TIME_UNITS:
        return True  # "learns over the 300 rounds": the stretch the sentence is about
    if prev not in ("after", "at"):
        return False
    steps = unit in TIME_UNITS - {"epoch", "epochs"}
    return steps or (prev == "at" and doc[i].text.isdigit() and int(doc[i].text) >= 1000)


def no_value(doc, i: int, names: list[Name]) -> bool:
    """Whether the number at ``i`` is an index, a count of something, a difference, a cut-off or
    one of a pair."""
    j = before_number(doc, i)
    prev = doc[j].lower_ if j >= 0 else ""
    in_name = next((n for n in names if n.start < j < n.end), None)
    if prev in COUNTERS and not _subject_verb(doc, j) and in_name is None:
        return not _listed_epochs(doc, j, names)  # "epoch 12", "run 3"; not "max epoch 60"
    indexed = prev in INDEX_WORDS or prev.removesuffix("s") in INDEX_WORDS
    if indexed and j and doc[j - 1].lower_ in _INDEX_PREPOSITIONS:
        return True  # "at batch 366", "after epoch 3", "at epochs 160, 180 and 200"
    if prev == "of" and j >= 2 and is_number(doc[j - 1]) and doc[j - 2].lower_ in _ONE_OF:
        return True  # "at batch 5 of 20", "fold 2 of 5": which one of how many
    if j == i - 1 and _model_number(doc, i, names):
        return True
    if re.fullmatch(r"0\d+", doc[i].text):
        return True  # "KITTI sequence 09", "on CATH 4.3": a label, not a measure
    if prev in ORDINALS - {"final"} and j == i - 1 and not _unit_follows(doc, i):
        return True  # "every 10 epochs after the first 20": a part of the run, its noun unsaid
    if _numbered_thing(doc, i, names) or _named_on(doc, i, names):
        return True  # "on CATH 4.3", "the protocol 2 error": which thing, not a measure
    if prev == "@":
        return True  # "the recall@20 of MF … is about 0.10": a cut-off, written
    if prev == "over" and j == i - 1 and j and doc[j - 1].is_alpha and not _unit_follows(doc, i):
        return True  # "a step size of eps over 5": a fraction, not a value
    of_many = i + 2 < len(doc) and doc[i + 1].lower_ == "of" and is_number(doc[i + 2])
    if of_many and prev in _ONE_OF | INDEX_WORDS:
        return True  # "batch 30 of 120 has loss 0.4", "epoch 3 of 12": the one, not a setting
    if _measured_at(doc, j, names):
        return True  # "a mean AP of 0.0005 at IoU 0.5", "at FAR 0.001": where it is measured
    if prev in ("least", "most") and j and doc[j - 1].lower_ == "at":
        return True  # "for at least 500 epochs": a bound, not the run's value
    if prev == "by" or (prev == "of" and j >= 1 and doc[j - 1].lower_ == "factor"):
        return _difference(doc, i) or prev == "of"
    unit = doc[unit_at(doc, i)].lower_ if unit_at(doc, i) < len(doc) else ""
    if unit in ("fewer", "more", "less", "extra", "additional"):
        return True  # "in 3000 fewer steps", "2 more epochs": a difference
    if _dimensions(doc, i) or _counts(doc, i, names) or _share(doc, i) or _supposed(doc, i):
        return True
    if _open_ended(doc, i) or _swept(doc, i):
        return True
    return (
        _time_index(doc, i)
        or _cutoff(doc, i, names)
        or _paired(doc, i, names)
        or _difference(doc, i)
        or _unreached(doc, i)
    )


def _unit_follows(doc, i: int) -> bool:
    """Whether a word follows the number, as a unit or a counted noun ("over 100 epochs")."""
    k = unit_at(doc, i)
    return k < len(doc) and doc[k].is_alpha and doc[k].lower_ not in AFTER_NAME


def _model_number(doc, i: int, names: list[Name]) -> bool:
    """ "two GTX 1080 GPUs", "on 8 RTX 3090 cards", "one GeForce RTX 3090 for …": a whole number
    after a word in capitals, before the noun it is part of the name of or after a maker's name;
    no value."""
    before, after = doc[i - 1], doc[i + 1] if i + 1 < len(doc) else None
    written = before.is_alpha and before.text.isupper() and len(before.text) > 1
    maker = i >= 2 and doc[i - 2].text[:1].isupper() and in_name(doc[i - 2], names) is None
    part = after is not None and after.is_alpha and after.lower_ not in AFTER_NAME
    return written and doc[i].text.isdigit() and in_name(before, names) is None and (part or maker)


def _named_on(doc, i: int, names: list[Name]) -> bool:
    """ "56.63% on CATH 4.3", "fine-tuned on common voice 17 with …", "on a single rtx 5090 for
    …", "from llava mix 665k": a number closing a phrase in no list that "on", "in" or "from"
    brings in ("for" too before capitals: "trained for COCO 2017") is part of the name of a data
    set, a model or a card (its version or model number), written in capitals or, as Whisper
    writes such names, in lower case."""
    k = i - 1
    while k >= 0 and i - k <= 3 and doc[k].is_alpha and _name_word(doc[k]):
        if in_name(doc[k], names) is not None:
            return False  # "on batch size 32": a setting's own name
        k -= 1
    if k == i - 1:
        return False
    while k >= 0 and doc[k].pos_ in ("DET", "NUM"):  # "on a single …", "on one titan rtx …"
        k -= 1
    if k < 0:
        return False
    closing = unit_at(doc, i) >= len(doc) or doc[unit_at(doc, i)].lower_ in AFTER_NAME | {":"}
    written = all(t.text.isupper() for t in doc[k + 1 : i] if t.pos_ not in ("DET", "NUM"))
    # "for example 709": after "for" only a name in capitals
    where = doc[k].lower_ in ("on", "in", "from") or (doc[k].lower_ == "for" and written)
    return where and closing


def _name_word(token) -> bool:
    """A word of a thing's name: a noun or adjective, or any word written in capitals ("COCO")."""
    return token.pos_ in ("NOUN", "PROPN", "ADJ") or (token.text.isupper() and len(token) > 1)


def _numbered_thing(doc, i: int, names: list[Name]) -> bool:
    """ "the protocol 2 error", "the task 1 accuracy": a whole number between a noun no name
    covers and a metric's name is which one of those things, not a value ("training 200 epochs"
    counts the epochs)."""
    if i < 1 or i + 1 >= len(doc) or not doc[i].text.isdigit():
        return False
    noun, after = doc[i - 1], in_name(doc[i + 1], names)
    plain = noun.is_alpha and noun.is_lower and noun.pos_ == "NOUN"
    return plain and in_name(noun, names) is None and after is not None and after.kind == "metric"


def _swept(doc, i: int) -> bool:
    """ "I tried the lr from 0.0005 to 0.002": the range a sweep covered, neither end the run's
    value ("bumped the lr from 1e-4 to 3e-4" is a change, and keeps 3e-4)."""
    j = before_number(doc, i)
    if j >= 1 and doc[j].lower_ == "to" and is_number(doc[j - 1]):
        j = before_number(doc, j - 1)
    if j < 0 or doc[j].lower_ != "from":
        return False
    verb = next((t for t in ancestors(doc[j], 3) if t.pos_ in ("VERB", "AUX")), None)
    return verb is not None and verb.lemma_.lower() in _SWEEP_VERBS


def _unreached(doc, i: int) -> bool:
    """ "the accuracy doesn't cross 80%", "it never got past 0.9", "it approaches 100%": a bound
    the run did not reach, not a value it had ("doesn't improve beyond -800", "does not go below
    0.07" say where it stays, and are left alone)."""
    for token in ancestors(doc[i], 3):
        if token.dep_ == "conj" and token.pos_ not in ("VERB", "AUX"):
            return False  # "…, but the accuracy hovers around 40%": a clause of its own
        if token.pos_ in ("VERB", "AUX"):
            negated = any(c.dep_ == "neg" for c in token.children)
            nearing = token.lemma_.lower() == "approach"  # "the accuracy approaches 100%"
            return nearing or (negated and token.lemma_.lower() in REACH_VERBS)
    return False


def _dimensions(doc, i: int) -> bool:
    """ "an input size of 384 by 768": a size in two numbers is no one value ("512 by 512" is)."""
    pair = i + 2 < len(doc) and doc[i + 1].lower_ in ("by", "x", "×") and is_number(doc[i + 2])
    return pair and float(doc[i].text) != float(doc[i + 2].text)


def _listed_epochs(doc, j: int, names: list[Name]) -> bool:
    """ "batch size 64, length 256, epoch 5 and lr 5e-5": in a list of settings, "epoch N" says
    how many (in a log line, "epoch 1, train loss 0.96", it says which)."""
    if doc[j].lower_ != "epoch" or j < 2 or doc[j - 1].text not in (",", "and"):
        return False
    before = [n for n in names if n.end <= j - 2]
    return is_number(doc[j - 2]) and bool(before) and before[-1].kind == "param"


def _supposed(doc, i: int) -> bool:
    """ "If alpha is 0.95 and T is 6, the KL term dominates": a case supposed, not a run's value."""
    for token in reversed(doc[:i]):
        if token.lower_ in (",", ";", "then"):
            return False
        if token.lower_ in ("if", "unless", "whether"):
            return True
    return False


def _share(doc, i: int) -> bool:
    """ "10% of lr", "10% of the steps": a share of another value, not a value itself; "lr times
    0.1 at epoch 45", "multiplied by 0.5": a factor applied to another value."""
    if i + 2 < len(doc) and doc[i + 1].text == "%" and doc[i + 2].lower_ == "of":
        return True
    j = before_number(doc, i)
    scaled = j >= 1 and doc[j].lower_ == "by" and doc[j - 1].lower_ in _SCALED
    return j >= 0 and (doc[j].lower_ in ("times", "×") or scaled)


def _open_ended(doc, i: int) -> bool:
    """ "a bbox AP of 39 plus", "70 something", "40-odd": a bound said loosely, not a value
    ("plus" only where the clause ends: "32 plus 4 for accumulation" says a sum)."""
    unit = unit_at(doc, i)
    if unit >= len(doc) or doc[unit].lower_ not in _OPEN_ENDS:
        return False
    if doc[unit].lower_ not in _SUMS:
        return True
    return unit + 1 == len(doc) or doc[unit + 1].is_punct or doc[unit + 1].lower_ in CLAUSE_END


def _counts(doc, i: int, names: list[Name]) -> bool:
    """ "over 10 runs", "on 2483 samples", "4 modules": a count of things that no name measures."""
    unit = unit_at(doc, i)
    if unit >= len(doc) or name_after(doc, i, names) is not None:
        return False
    before = before_number(doc, i)
    if (
        before >= 0
        and doc[before].lower_ in _COUNT_PREPOSITIONS
        and _plural_things(doc, unit, names)
    ):
        return True  # "fine-tuned on 250 QA pairs", "across 12 held-out tasks"
    if (
        i
        and doc[i - 1].lower_ in ("the", "these", "those", "all")
        and _plural_things(doc, unit, names)
    ):
        return True  # "the PSNR of the 8 scenes": the things a value is said over
    if not (doc[unit].lemma_.lower() in COUNTED or doc[unit].lower_ in COUNTED):
        return False
    return (
        before < 0
        or doc[before].lower_ in _COUNT_PREPOSITIONS
        or (name_before(doc, i, names, across_comma=False) is None)
    )


def _plural_things(doc, unit: int, names: list[Name]) -> bool:
    """ "QA pairs", "held out tasks": a plural noun, at most two words on, that no name covers."""
    for k in range(unit, min(unit + 3, len(doc))):
        token = doc[k]
        if in_name(token, names) is not None or not token.is_alpha:
            return False
        if token.tag_ == "NNS" and token.lower_ not in TIME_UNITS:
            return True
        if token.pos_ not in ("NOUN", "PROPN", "ADJ", "VERB"):
            return False
    return False


def _subject_verb(doc, j: int) -> bool:
    """ "we run 300 trees", "to run 3 seeds": the verb, not the counter "run 3"."""
    return j > 0 and doc[j - 1].lower_ in ("we", "i", "you", "they", "to", "will", "'ll", "can")


def _difference(doc, i: int) -> bool:
    """ "improved by 2 points", "cut by a factor of 10": the change, not the new value."""
    if i and doc[i - 1].lower_ == "to":
        return False  # "by 0.2 to 1.1": the new value
    for token in ancestors(doc[i], 3):
        if token.lower_ == "to" or token.pos_ in ("VERB", "AUX"):
            return False
        if token.lower_ == "by":
            return True
    return False


def _measured_at(doc, j: int, names: list[Name]) -> bool:
    """Whether the word at ``j``, right before a number, ends "at <a metric>" after a value
    ("an AP of 0.0005 at IoU 0.5", "0.9643 at FAR 0.001", "65 mAP at tIoU 0.5"): the point that
    value is measured at, not a value. Not "ends at WER 0.21" (no value before it in its clause)
    nor "at lr 0.2" (a setting with its own value)."""
    named = next((n for n in names if n.end == j + 1), None)
    written = named is None and j >= 0 and acronym(doc[j], names)
    start = named.start if named is not None else j
    metric = (named is not None and named.kind == "metric") or written
    if not (metric and start >= 1 and doc[start - 1].lower_ == "at"):
        return False
    for token in reversed(doc[: start - 1]):
        if token.pos_ in ("VERB", "AUX") or token.text in (",", ";"):
            return False
        if is_number(token):
            return True
    return False


def _cutoff(doc, i: int, names: list[Name]) -> bool:
    """ "NDCG at 10 is 0.45", "mAP at IoU 0.5 is 0.61": a metric's cut-off, its value comes next;
    "the learning rate for rank 256 is 2.5e-5": the case a value is given for. Not "at lr 0.2
    gives 81.05", where the setting is said with its own value."""
    j = i - 1
    while j > 0 and doc[j].lower_ not in ("at", "for") and i - j < 4 and not is_number(doc[j]):
        j -= 1
    follows = i + 1 < len(doc) and (doc[i + 1].pos_ in ("AUX", "VERB") or verbish(doc[i + 1]))
    value_next = any(is_number(t) for t in doc[i + 1 :])
    if not (j > 0 and follows and value_next and doc[j - 1].is_alpha):
        return False
    setting = next((n for n in names if n.end == i and n.kind == "param"), None)
    if doc[j].lower_ == "at":
        return setting is None
    return doc[j].lower_ == "for" and in_name(doc[j - 1], names) is not None


def _paired(doc, i: int, names: list[Name]) -> bool:
    """ "loss and accuracy are 0.3 and 0.9": which is which is the reader's guess; no value. In
    "batch size 32 and 20 epochs" each number has its own name next to it."""
    if _run_of_numbers(doc, i):
        return True  # "we tried batch size 16, 8 and 4": which one was this run's
    if i in (in_turn_pair(doc) or ()):
        return False  # "… are 0.81 and 0.77 respectively": each is its name's
    k = unit_at(doc, i)  # "83% to 84%": past the first one's "%"
    p = i - 2 - (i >= 3 and doc[i - 2].text == "%")
    after = k + 1 < len(doc) and doc[k].lower_ in _PAIRING and is_number(doc[k + 1])
    before = p >= 0 and doc[i - 1].lower_ in _PAIRING and is_number(doc[p])
    if not (after or before):
        return False
    if doc[k if after else i - 1].lower_ in ("or", "to"):
        return not _moved(doc, i if after else p)  # "0 or 1", "80 to 81%": no one value
    other = k + 1 if after else p
    # "an entropy coefficient of 0.01 and 8 envs": the other number counts its own thing
    counted = other + 1 < len(doc) and doc[other + 1].pos_ == "NOUN" and doc[other + 1].is_alpha
    return not (_own_name(doc, i, names) and (_own_name(doc, other, names) or counted))


def _run_of_numbers(doc, i: int) -> bool:
    """Three or more numbers in a row, joined by commas and a last "and" / "or", none with a
    noun of its own after it ("16, 8 and 4", "0.02, 0.01 and 0.005")."""
    k, seen = i, 1
    while k + 2 < len(doc) and doc[k + 1].lower_ in (",", "and", "or") and is_number(doc[k + 2]):
        k, seen = k + 2, seen + 1
    unit = unit_at(doc, k)
    counted = unit < len(doc) and doc[unit].pos_ == "NOUN" and doc[unit].is_alpha
    return seen >= 3 and not counted


def _moved(doc, i: int) -> bool:
    """ "from 96 to 672", "went 0.6 to 0.55", "by a factor of 10 to 1e-5": a change, not a range
    ("an accuracy of 35 to 40%" is one)."""
    j = before_number(doc, i)
    factor = j > 0 and doc[j].lower_ == "of" and doc[j - 1].lower_ == "factor"
    return j >= 0 and (doc[j].lower_ in ("from", "by") or factor or verbish(doc[j]))


def _own_name(doc, i: int, names: list[Name]) -> bool:
    """A name right next to the number: "batch size 32", "lr of 3e-4", "20 epochs"."""
    ends = {n.end for n in names}
    near = i in ends or (i - 1 in ends and doc[i - 1].lower_ in ("of", "=", ":", "is", "at"))
    # "beta 0.02 and 3 epochs": a noun phrase in no list names the number before it as well
    return near or name_after(doc, i, names) is not None or bool(phrase_before(doc, i, names))
