"""Spoken numbers to digits: ``text2num`` plus the few forms it leaves alone.

``alpha2digit`` turns "zero point zero zero zero three" into 0.0003 and "ninety one point four" into
91.4, but not "point two", "one e minus four", "3 e minus 4", "ten to the minus four", "two k", a
lone "one", or Whisper's "1,000". Extraction only sees the output of :func:`to_digits`, so one place
knows how people say numbers.

Whisper often loses the "e" of an exponent ("3D minus 4", "3a-4", "1, minus 5"): those are written
as ``3 minus 4``, one form that extraction recognises as a broken number (offered as unsure, never
as the plausible wrong ``3`` or ``4``). "one" as a pronoun ("this one's", "one of the runs") stays a
word.
"""

from __future__ import annotations

import re
from functools import cache

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SMALL = {**{k: v for k, v in _DIGIT_WORDS.items() if k != "oh"}, "ten": "10"}
_DIGIT_ALT = "|".join(_DIGIT_WORDS)
# "point two" with no number before it (left alone by alpha2digit): a leading-zero decimal, but
# only where a value can start ("dropout of point two"), not after a misheard word ("well point 3"
# for "twelve point three").
_BARE_POINT = re.compile(
    r"(^|\b(?:of|is|was|at|to|from|by|around|about|roughly|and|or|now|be|are|were)\s+|[=:,]\s*)"
    rf"point((?:\s+(?:{_DIGIT_ALT}|\d)\b)+)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_EXPONENT = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*[eE][\s,]*(?:-\s*|to the\s+)?(?:minus\s*|-\s*|negative\s+)(\d+)\b"
)
# A digit Whisper wrote as a word that sounds like it, right before an exponent: "to e minus
# five" (two), "for e minus four" (four), "won e minus three" (one).
_SOUNDS_LIKE = {"to": "2", "too": "2", "for": "4", "fore": "4", "won": "1", "ate": "8"}
_HOMOPHONE_MANTISSA = re.compile(
    rf"\b({'|'.join(_SOUNDS_LIKE)})(?=\s+[eE][\s,]*(?:-\s*)?(?:minus|-)\s*\d)", re.IGNORECASE
)
# "ten to the minus four", "10^-4", "three times ten to the minus five"
_POWER_OF_TEN = re.compile(
    r"\b(?:(\d+(?:\.\d+)?)\s*(?:times|x|\*)\s*)?10\s*(?:to the(?: power of)?\s*|\^\s*)"
    r"(?:minus\s*|-\s*|negative\s+)(\d+)\b",
    re.IGNORECASE,
)
# An exponent whose "e" Whisper lost or misheard: "3D minus 4", "3a-4", "1, minus 5".
_BROKEN_EXPONENT = re.compile(
    r"\b(\d+(?:\.\d+)?)(?:[a-df-zA-DF-Z]\s*(?:minus\s*|-\s*)|,?\s+minus\s+)(\d{1,2})\b"
)
_SMALL_WORD = re.compile(rf"\b({'|'.join(_SMALL)})\b", re.IGNORECASE)
# "one" that stands for a thing, not a count: "this one's", "the old one", "one of the runs".
_PRONOUN_ONE = re.compile(
    r"(?:\b(?:this|that|the|which|each|every|any|no|last|new|old|other|another|same|first|"
    r"second|previous|next|better|best|worse|big|small|bigger|smaller|trained|tuned|finetuned|"
    r"own|released|pretrained|distilled|current|original|default)\s+)"
    r"one(?=\b(?!\s*(?:epoch|step|layer|head|gpu|run|seed|percent|%|point|\d)))"
    r"|\bone(?=\s*'s\b|\s+of\b|\s+more\b|\s+another\b|\s+or\s+(?:the\s+)?other\b)",
    re.IGNORECASE,
)
_KEEP_ONE = "\ue000"  # a placeholder that no rule below touches
_MAGNITUDE = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion|k|m)\b(?![-'])", re.IGNORECASE
)
_SPOKEN_SCALE = re.compile(r"\b(\d+\.\d+) (1000|1000000|1000000000)\b")  # "one point two million"
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "trillion": 1e12}
_PERCENT = re.compile(r"(\d)\s*(?:per\s?cent|%)", re.IGNORECASE)
# Whisper spells an acronym out as letters when it does not know it: "L R", "W D" (not "A" or
# "I", which are words; "L.R." is joined in the transcript, before sentences are split).
_SPACED_INITIALS = re.compile(r"\b([B-HJ-Z]) (?=[B-HJ-Z]\b)")
# A name run into its value: "LR0.1", "RMSE0.745", "WD1 e minus 2". Only before a decimal under 1
# or an exponent's mantissa, which no model or version name ends in ("ResNet50", "top1", "v1.5").
_GLUED_VALUE = re.compile(
    r"\b([A-Za-z]{2,}|[A-Z])(?=0\.\d|\d(?:\.\d+)?\s*[eE][\s,]*(?:-\s*|minus\s)\s*\d)"
)
# Number words joined by a hyphen or split by a pause's comma: "five-eight", "zero-point nine",
# "zero point, seven four five" (a typed "sixty-four" is read by text2num as it is).
_NUMBER_WORD = rf"(?:{_DIGIT_ALT}|point|minus)"
_INNER_MARK = re.compile(
    rf"\b(?:({_NUMBER_WORD})-|(point|minus),\s*)(?={_NUMBER_WORD}\b)", re.IGNORECASE
)
# "sixty four" heard as "60 for": a round tens, then a word that sounds like a digit where no
# preposition can end (before a pause or "and"); not "to", which ends questions ("set it 20 to?").
_CLAUSE_END = r"(?=\s*(?:[,.;:!?]|$|(?:and|but|so|with|for|on|in|at|which|that)\b))"
_TENS_HOMOPHONE = re.compile(
    r"\b([2-9]0) (for|fore|won|ate)\b(?=\s*(?:[,.;:!?]|$|and\b))", re.IGNORECASE
)
# "one thousand twenty four" heard as "1000, 24": the pieces cannot be told from a list, so the
# comma goes and extraction sees two numbers side by side (no value, never the wrong 1000).
_THOUSAND_SPLIT = re.compile(rf"\b(\d+000), (\d{{1,3}})\b(?!\.\d){_CLAUSE_END}")
# "zero point nine" written "0 point 9": the "point" is the decimal point.
_DIGIT_POINT = re.compile(r"\b(\d+) point (\d+)\b")


def _bare_point(match: re.Match[str]) -> str:
    digits = "".join(_DIGIT_WORDS.get(w.lower(), w) for w in match.group(2).split())
    return f"{match.group(1)}0.{digits}"


def _magnitude(match: re.Match[str]) -> str:
    """ "1.2 million" → 1200000 (text2num turns the word alone into 1000000, after a space)."""
    return _magnitude_text(float(match.group(1)) * _SCALE[match.group(2).lower()])


def _magnitude_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


@cache
def _alpha2digit():
    from text_to_num import alpha2digit

    return alpha2digit


def to_digits(text: str) -> str:
    """Numbers as digits, exponents as ``1e-4``, percents as ``91.4%``; other words unchanged."""
    for _ in range(2):  # overlapping pairs: "zero-zero-one"
        text = _INNER_MARK.sub(lambda m: f"{m.group(1) or m.group(2)} ", text)
    text = _PRONOUN_ONE.sub(lambda m: m.group(0)[:-3] + _KEEP_ONE, text)
    text = _MAGNITUDE.sub(_magnitude, text)
    text = _alpha2digit()(text, "en")
    text = _BARE_POINT.sub(_bare_point, text)
    text = _DIGIT_POINT.sub(r"\1.\2", text)
    text = _TENS_HOMOPHONE.sub(
        lambda m: str(int(m.group(1)) + int(_SOUNDS_LIKE[m.group(2).lower()])), text
    )
    text = _THOUSAND_SPLIT.sub(r"\1 \2", text)
    text = _SMALL_WORD.sub(lambda m: _SMALL[m.group(1).lower()], text)
    text = _GLUED_VALUE.sub(r"\1 ", text)
    text = _SPACED_INITIALS.sub(r"\1", text)
    text = _MAGNITUDE.sub(_magnitude, text)  # "two k" is "2 k" only now
    text = _THOUSANDS.sub("", text)
    text = _POWER_OF_TEN.sub(lambda m: f"{m.group(1) or 1}e-{m.group(2)}", text)
    text = _HOMOPHONE_MANTISSA.sub(lambda m: _SOUNDS_LIKE[m.group(1).lower()], text)
    text = _EXPONENT.sub(r"\1e-\2", text)
    text = _BROKEN_EXPONENT.sub(r"\1 minus \2", text).replace(_KEEP_ONE, "one")
    text = _SPOKEN_SCALE.sub(lambda m: _magnitude_text(float(m.group(1)) * int(m.group(2))), text)
    return _PERCENT.sub(r"\1%", text)
