"""A name said right next to a number: before it across linking words ("accuracy is now
91.4%"), after a "for" ("1e-3 for the learning rate"), or before its "from X to Y"; and a count
name that another number or a preposition makes a unit, not the name of this value."""

from __future__ import annotations

from runnotes.voice.extract.mentions import Name, bare
from runnotes.voice.extract.splits import SPLIT_PHRASE
from runnotes.voice.extract.tokens import (
    before_number,
    in_name,
    is_number,
    name_after,
    unit_at,
    verbish,
)
from runnotes.voice.extract.words import (
    CHANGE_NOUNS,
    COUNT_NAMES,
    COUNTERS,
    LINK_WORDS,
    ORDINALS,
    RESULT_VERBS,
    SETTING_WORDS,
)

# Words that may stand between a name and its value: "is now", "came out at", "bumped up to".
_LINK_POS = {"AUX", "VERB", "ADV", "PART", "ADP", "DET"}
_NOT_LINK = {
    "than",
    "by",
    "from",
    "after",
    "before",
    "because",
    "since",
    "with",
    "without",
    "for",
    "on",
    "in",
    "per",
    "as",
    "versus",
    "vs",
    "instead",
    "while",
    "when",
    "if",
    "but",
    "and",
    "so",
    "above",
    "below",
    "under",
    "like",
    "against",
    "not",
    "here",
    "whereas",
}


def name_before(doc, i: int, names: list[Name], *, across_comma: bool = True) -> Name | None:
    """The name a number follows across linking words ("dropout is now 0.3", "max depth 6"); not
    a name that a number before it already counts ("100 sample steps is 28")."""
    ends = {n.end: n for n in names}
    # "the WER on the test set is 30", "the CER on dev-other is 8.4": the split is no break
    splits = [m.span() for m in SPLIT_PHRASE.finditer(doc.text)]
    j = i
    while j > 0 and i - j < 8:
        if j in ends:
            unit_of_other = _counted_by_number(doc, ends[j]) or _negated(doc, ends[j])
            unit_of_other = unit_of_other or _ordinal(doc, ends[j])
            led_to = ends[j].kind == "param" and any(
                t.lemma_.lower() in RESULT_VERBS or t.lower_ in ("gives", "gave", "yields")
                for t in doc[j:i]
            )  # "the same lr and wd gives 92.44%": what they led to
            unit_of_other = unit_of_other or led_to
            return None if unit_of_other else ends[j]
        token = doc[j - 1]
        low = token.lower_
        if any(a <= token.idx < b for a, b in splits) and in_name(token, names) is None:
            j -= 1
            continue
        if low == "," and j - 1 in ends and across_comma:  # a pause: "Recall, drop to 0.64"
            return None if _counted_by_number(doc, ends[j - 1]) else ends[j - 1]
        if low in _NOT_LINK or is_number(token):
            return None
        if low in SETTING_WORDS and in_name(token, names) is None:
            return None  # "hidden layer dim 512", "lr decay 0.9": the head of another name
        if low in CHANGE_NOUNS and (doc[j].lower_ == "of" or token.pos_ == "NOUN"):
            return None  # "a BLEU bump of 8", "the accuracy drop was 2": the change, not BLEU's
        if token.pos_ not in _LINK_POS and low not in LINK_WORDS and not verbish(token):
            return None
        j -= 1
    return ends.get(j)


def _ordinal(doc, name: Name) -> bool:
    """ "the first epoch already reaches 83%": which epoch, not how many."""
    before = doc[name.start - 1].lower_ if name.start else ""
    return bare(name.name) in COUNT_NAMES and before in ORDINALS


def _negated(doc, name: Name) -> bool:
    """ "without dropout reaches 92.31%": the name is what was left out, not what was measured."""
    return bool(name.start) and doc[name.start - 1].lower_ in ("without", "no", "minus")


def _counted_by_number(doc, name: Name) -> bool:
    """ "100 sample steps", "10 epochs": the name is the unit of the number before it (not in
    "step 3000 train loss 4.0", where 3000 is the step's)."""
    if bare(name.name) not in COUNT_NAMES:
        return False
    k = name.start - 1
    if k >= 0 and not is_number(doc[k]) and doc[k].pos_ in ("NOUN", "ADJ") and k > 0:
        k -= 1  # one word between: "100 sample steps"
    return k >= 0 and is_number(doc[k]) and not (k and doc[k - 1].lower_ in COUNTERS)


def named_for(doc, i: int, names: list[Name]) -> Name | None:
    """ "went up to 1e-3 for the learning rate": the setting named right after "for"."""
    k = unit_at(doc, i)
    if k >= len(doc) or doc[k].lower_ != "for":
        return None
    k += 1 + (k + 1 < len(doc) and doc[k + 1].lower_ == "the")
    return next((n for n in names if n.start == k and n.kind == "param"), None)


def counted_after(doc, i: int, names: list[Name]) -> bool:
    """ "mIoU at 24 epochs", "accuracy in 3 epochs": a count name right after the number is what
    it counts when a preposition stands before it (not "patience is 5 epochs")."""
    after = name_after(doc, i, names)
    at = i and doc[before_number(doc, i)].lower_ in ("at", "after", "in", "within", "by")
    return bool(at) and after is not None and bare(after.name) in COUNT_NAMES


def moved_name(doc, i: int, names: list[Name]) -> Name | None:
    """The name of a "from X to Y" said right after it ("dropout from 0.2 to 0.5", "val accuracy
    went from about 78% to 87%"): both numbers are its, whatever the parse says."""
    j = before_number(doc, i)
    if j >= 1 and doc[j].lower_ == "to":
        k = j - 1 if doc[j - 1].text != "%" else j - 2
        if k >= 0 and is_number(doc[k]) and before_number(doc, k) >= 0:
            return (
                moved_name(doc, k, names) if doc[before_number(doc, k)].lower_ == "from" else None
            )
        return None
    if j < 1 or doc[j].lower_ != "from":
        return None
    ends = {n.end: n for n in names}
    k = j
    while k > 0 and k not in ends and j - k < 2 and (doc[k - 1].pos_ in ("VERB", "AUX", "ADV")):
        k -= 1  # "val accuracy went from", "the loss slowly dropped from"
    return ends.get(k)
