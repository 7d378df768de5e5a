"""Names in no list: the noun phrase right before a value ("hop length 160"), an item of a list
of settings ("samples per GPU 2"), a short name written after a value ("60.7% MOTA"), and whether
a value under such a name is a result or a setting. A name one slip from a lexicon phrase is
taken as that phrase."""

from __future__ import annotations

import difflib
import re
from functools import cache

from runnotes.voice.extract.mentions import Name
from runnotes.voice.extract.parse import acronym
from runnotes.voice.extract.tokens import HEDGES, before_number, in_name, unit_at
from runnotes.voice.extract.words import (
    AFTER_NAME,
    CHANGE_NOUNS,
    COUNTED,
    COUNTERS,
    GENERIC,
    INDEX_WORDS,
    NOT_NAME_WORDS,
    PARAM_VERBS,
    REACH_VERBS,
    RESULT_VERBS,
    SETTING_WORDS,
    STATISTICS,
)
from runnotes.voice.lexicon import SPLITS, phrases


def phrase_before(doc, i: int, names: list[Name]) -> list[str] | None:
    """The noun phrase right before a number that no listed name covers ("hop length 160", "a reg
    weight of 1e-05"): its words; [] when it is one plain word ("a bump of 8": the number is that
    noun's, which names nothing); None when no noun stands there."""
    j = before_number(doc, i)
    if j >= 0 and doc[j].lower_ in ("of", "=", ":"):
        j = before_number(doc, j)
    if j >= 0 and doc[j].lower_ in CHANGE_NOUNS | {"gains", "bumps", "improvements"}:
        return []  # "a BLEU gain of 4": a difference, not a value
    if j < 0 or not (
        _identifier(doc[j].text) or _plain_noun(doc[j], names) or acronym(doc[j], names)
    ):
        return None
    if doc[j].lower_ in STATISTICS:
        return None  # "the ep reward mean of 756": the name before it says what
    if re.fullmatch(r"[a-z]\w*_[A-Za-z]+", doc[j].text):
        return [doc[j].lower_]  # "the logs show critic_loss 1.25": a written name is whole
    out = [doc[j].lower_]
    k = j - 1
    while k >= 0 and len(out) < 3 and (doc[k].pos_ in ("NOUN", "PROPN", "ADJ") or _listed(doc, k)):
        spelled = doc[k].is_alpha or _identifier(doc[k].text)  # "one_hot max size 8"
        # "lr decay 0.998", "hidden layer dim 512": a listed name before a setting's last word
        # is what the setting is of, a word of its name ("the loss weight of 0.5")
        listed = in_name(doc[k], names) and doc[j].lower_ not in SETTING_WORDS
        if not spelled or listed or doc[k].lower_ in NOT_NAME_WORDS:
            break
        out.insert(0, doc[k].lower_)
        k -= 1
    titled = all(t.is_title and len(t.text) > 1 for t in doc[k + 1 : j + 1])
    if titled and doc[i].text.isdigit() and unit_at(doc, i) == i + 1:
        return []  # "Common Voice 8", "Llama 2": a name of data or a model, with its number
    return out if len(out) > 1 or _identifier(doc[j].text) or _named_alone(doc, j, i, names) else []


_RESULT_WORDS = {"result", "results", "eval", "evaluation", "score", "scores", "metrics"}
_RESULT_FORMS = {
    "got",
    "gets",
    "gives",
    "gave",
    "obtain",
    "obtained",
    "reached",
    "reproduced",
    "observed",
}
_SETTING_CUES = {"with", "using", "use", "used", "set", "when", "while", "but", "whereas", ";"}


def as_result(doc, i: int, names: list[Name], words: list[str]) -> bool:
    """A value under a name in no list is a result when it is a share ("81% image AUROC") or its
    clause says so before it ("I got HOTA 63.1, MOTA 66.4", "the eval gives abs rel 0.21", "mIoU
    is 67.6, aAcc 84.7": a listed metric before it), a setting when it says that ("with max age
    30"); said with neither, a name ending in a word written in capitals is a metric's ("so far:
    FVD 310.5", "pixel ROC 99.25"), any other a setting's ("init 0.02")."""
    if unit_at(doc, i) == i + 2:
        return True
    beside = [t for t in (doc[i - 1], doc[unit_at(doc, i) % len(doc)]) if t.lower_ == words[-1]]
    written = any(acronym(t, names) and _capitals_if_numbered(t.text) for t in beside)
    for token in reversed(doc[:i]):  # written: "pixel ROC 99.25", "pLDDT 84.5"; not "k1 0.82"
        low, lemma = token.lower_, token.lemma_.lower()
        if low == "set" and token.i and doc[token.i - 1].lower_ in SPLITS:
            continue  # "on the test set SAR 10.9": the data, not "set to"
        if low in _RESULT_WORDS | _RESULT_FORMS or lemma in RESULT_VERBS | REACH_VERBS:
            return True
        if lemma in PARAM_VERBS - {"use"} and token.pos_ == "VERB":
            return False  # "changed IMGS PER GPU to 1"
        if written:
            continue  # "epoch 4, BLEU_1 44.6", "with beam size 2, METEOR 0.28 and CIDEr 1.14"
        name = in_name(token, names)
        if name is not None and name.kind is not None and not _modifies(doc, name):
            return name.kind == "metric"
        if low in _SETTING_CUES:
            return False
    return written


def _modifies(doc, name: Name) -> bool:
    """Whether a name is a word of a longer one: a noun follows ("max IOU dist 0.7"), not a
    statistic of it ("the val acc mean is …")."""
    if name.end >= len(doc):
        return False
    following = doc[name.end]
    return following.pos_ in ("NOUN", "PROPN") and following.lower_ not in STATISTICS


def _capitals_if_numbered(text: str) -> bool:
    """False only for a name ending in a digit with under two capitals ("k1", "a1"; not "IDF1")."""
    return not text[-1].isdigit() or sum(c.isupper() for c in text) >= 2


_HEADS = {"size", "length", "width", "count"}
_SIZES = {"kb", "mb", "gb", "tb", "kib", "mib", "gib", "ghz", "mhz", "ms"}


def acronym_after(doc, i: int, names: list[Name]) -> list[str] | None:
    """A short written name right after a value that is no whole number ("60.7% MOTA and 67.3%
    IDF1", "1.207 EPE on cropped images"): its one word; None for a size unit ("1.5 GB")."""
    k = unit_at(doc, i)
    if k >= len(doc) or not acronym(doc[k], names) or doc[k].lower_ in _SIZES:
        return None
    whole = float(doc[i].text).is_integer() and k == i + 1
    ends = k + 1 == len(doc) or doc[k + 1].lower_ in AFTER_NAME
    return [doc[k].lower_] if ends and not whole else None


def _named_alone(doc, j: int, i: int, names: list[Name]) -> bool:
    """One word names the number right after it when it is a written short name, or an item of a
    list of settings or results ("…, humanities 35.2, STEM 32.0", "with dim 0.5 and …") — and the
    value is no whole number bare of a unit: "CIFAR 10", "GTX 1080", "ResNet 50" are names. A
    written short name may link to it with "of" ("an EPE of 2.7")."""
    between = [t.lower_ for t in doc[j + 1 : i]]  # "an ATE of about 0.012": a hedge between
    linked = between[:1] in (["of"], ["="], [":"]) and HEDGES.issuperset(between[1:])
    if linked and not float(doc[i].text).is_integer() and acronym(doc[j], names):
        return True
    if j != i - 1:
        return False
    unit = unit_at(doc, i)
    whole = float(doc[i].text).is_integer() and unit == i + 1
    ends = unit >= len(doc) or doc[unit].lower_ in AFTER_NAME
    listed = j == 0 or doc[j - 1].text in (",", ";", ":")
    listed = listed or doc[j - 1].lower_ in ("and", "with", "using")
    plain = doc[j].is_lower or len(doc[j].text) == 1  # "dim 15", "T 2"; not "ResNet 50"
    if doc[j].lower_ in _HEADS:
        return False  # "size 384", "length 256": the size or length of what is not said
    return ends and ((listed and (plain or not whole)) or (not whole and acronym(doc[j], names)))


_ITEM_STARTS = {",", ";", ":", "and", "with", "using"}


def list_item(doc, i: int, names: list[Name]) -> list[str] | None:
    """The words of an item in a list of settings or results, from the comma (or "and", "with")
    before it to its value ("with max out len 512, …", "…, samples per GPU 2 and …"): two to
    four words of no listed name and no small word but "per" (not "relation vectors of dimension
    200"), one at least in lower case (not "Common Voice 8"), the value ending the item."""
    end = unit_at(doc, i)
    if end < len(doc) and doc[end].lower_ not in AFTER_NAME:
        return None
    k = i - 1
    while k >= 0 and doc[k].is_alpha and doc[k].lower_ not in _ITEM_STARTS and i - k <= 5:
        k -= 1
    words = doc[k + 1 : i]
    if not (k < 0 or doc[k].lower_ in _ITEM_STARTS) or not 2 <= len(words) <= 4:
        return None
    plain = not any(t.pos_ in ("DET", "PRON", "VERB", "AUX") for t in words)
    ends = not any(t.is_stop and t.lower_ != "per" for t in words)  # "samples per GPU 2"
    lower = any(t.is_lower for t in words) and not any(in_name(t, names) for t in words)
    return [t.lower_ for t in words] if plain and ends and lower else None


def _listed(doc, k: int) -> bool:
    """A name's first word in a list of settings, whatever the tagger made of it ("…, ssl reg 0.5",
    "and win length 400", "init tau 2.0"): right after a comma, an "and" or at the start."""
    starts = k == 0 or doc[k - 1].text in (",", ";", ":") or doc[k - 1].lower_ == "and"
    verb = doc[k].lemma_.lower() in RESULT_VERBS | REACH_VERBS  # "and got mAcc 75.4"
    return starts and doc[k].is_alpha and not doc[k].is_stop and not verb


def _plain_noun(token, names: list[Name]) -> bool:
    """A noun that could name a value: not a listed name, a counter, or a counted thing."""
    never = GENERIC | COUNTERS | INDEX_WORDS | COUNTED
    return (
        (token.pos_ in ("NOUN", "PROPN") or token.lower_ in SETTING_WORDS)  # "width" as a verb
        and token.is_alpha
        and in_name(token, names) is None
        and token.lower_ not in never
        and token.lemma_.lower() not in never
    )


def noun_phrase(token) -> list[str]:
    """The words of a subject's noun phrase, for a name in no list ("the attention window")."""
    if _identifier(token.text):
        return [token.lower_]  # "the n_steps is set to 2048": a name as the code spells it
    if token.pos_ not in ("NOUN", "PROPN") or token.lower_ in GENERIC | COUNTERS:
        return []
    left = [t for t in token.lefts if t.dep_ in ("compound", "amod", "nmod") and t.is_alpha]
    out = [t.lower_ for t in left if t.lower_ not in NOT_NAME_WORDS]
    # One plain word is too little to name a value with: "the word is stuck at 0.3" is Whisper's
    # "the WER"; "the hit rate", "the focal weight" say enough.
    return [*out, token.lower_] if out else []


def _identifier(text: str) -> bool:
    """A snake_case name of letters only ("n_steps"; not "fid50k_full", whose digits say more)."""
    parts = text.split("_")
    return len(parts) > 1 and all(p.isalpha() for p in parts)


@cache
def lexicon_phrases() -> dict[str, str]:
    """Every lexicon phrase → its canonical name."""
    return {phrase: name for name, phrase in phrases()}


@cache
def _longer_phrases() -> tuple[str, ...]:
    """The lexicon's phrases of more than one word: a near miss of one word is another word."""
    return tuple(phrase for phrase in lexicon_phrases() if " " in phrase)


def near_lexicon(said: str) -> str:
    """A name in no list that is one slip from a multi-word lexicon phrase ("gradient flipping")
    is that name; otherwise its snake_case."""
    close = difflib.get_close_matches(said, _longer_phrases(), n=1, cutoff=0.88)
    return lexicon_phrases()[close[0]] if close else said.replace(" ", "_")
