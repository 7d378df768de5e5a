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
# "ten to the six", "10^6", "two times ten to the power of five": a magnitude, written out.
_POWER_OF_TEN_UP = re.compile(
    r"\b(?:(\d+(?:\.\d+)?)\s*(?:times|x|\*)\s*)?10\s*(?:to the(?: power of)?\s+|\^\s*)"
    r"([2-9]|1[0-2])\b(?!\s*(?:%|percent))",
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
# "lr zero point one" heard as "LRO-0.1", "lro.001": the spoken zero written as the letter O glued
# to a short name (only one the lexicon knows: "YOLO 0.5" keeps its O).
_NAME_OH = re.compile(r"\b([A-Za-z]{2,4})[oO](?:(\.\d)|[-,]?\s*(?=0\.\d))")
# "zero point zero zero six" heard as "0.00, 6": zero written with zeros after its point is a number
# cut short ("1.0, 1500" is a list), so the comma goes and extraction sees two numbers side by side
# (no value, never the wrong 0).
_ZEROS_SPLIT = re.compile(r"(?<![\d.])(0\.0+),\s+(?=\d+\b(?!\.\d))")
_KEEP_ONE = "\ue000"  # a placeholder that no rule below touches
# "and" belongs to a number only after its hundreds or thousands ("two hundred and fifty"):
# "patience fifty and two hundred fifty epochs" is 50 and 250, not text2num's 5250.
_AND = "\ue001"
_LISTING_AND = re.compile(
    r"(?<!hundred)(?<!thousand)(?<!million)(?<!billion) and (?=(?:one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|a hundred)\b)|(?<=hundred) and (?=\w+ hundred\b)",  # "three hundred and five hundred"
    re.IGNORECASE,
)
# A magnitude scales a count said with few decimals ("1.25M", "300k"): "an ATE of 68.78972540413156
# m" is metres, not 68 789 725.
_MAGNITUDE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d{1,3})?)\s*(thousand|million|billion|trillion|k|m)\b(?![-'])",
    re.IGNORECASE,
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
# A value run into the name after it: "26.74PSNR", "0.31mAP" (a decimal, so "4K", "3D", "R50" stay).
_GLUED_NAME = re.compile(r"(?<=\d\.\d)(\d*)(?=[A-Za-z]{2,}\b)(?!e-?\d)")
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
# "one thousand twenty four" heard as "1000, 24", "one hundred twenty eight" as "100, 28": the
# pieces cannot be told from a list, so the comma goes and extraction sees two numbers side by
# side (no value, never the wrong 1000 or 100).
_THOUSAND_SPLIT = re.compile(
    rf"\b(?:(\d+000), (\d{{1,3}})|(\d*[1-9]00), (\d{{1,2}}))\b(?!\.\d){_CLAUSE_END}"
)
# "zero point nine" written "0 point 9": the "point" is the decimal point; digits said one by one
# after it are one number ("0 point 0 0 1"), not a list.
_DIGIT_POINT = re.compile(r"\b(\d+) point (\d+(?: \d\b(?![.,]\d))*)")
# "oh" for zero after a decimal point ("point oh five", "ninety one point oh"); alpha2digit reads
# "oh" as a word, which left "0 point oh 5".
_POINT_DIGITS = re.compile(rf"\bpoint(?:\s+(?:{_DIGIT_ALT}|\d)\b)+", re.IGNORECASE)
_OH = re.compile(r"\boh\b", re.IGNORECASE)
# "two k steps" heard as "2 case steps", "30 kay iterations": the magnitude written as a word it
# sounds like, before a count's noun (not "2 case studies").
_K_SOUNDALIKE = re.compile(
    r"\b(\d+(?:\.\d+)?) (?:case|kay|okay|cay)(?= (?:steps|iterations|iters|updates|rounds|"
    r"samples|examples|images|photos|tokens|words|sentences|hours|queries|documents|clips)\b)",
    re.IGNORECASE,
)
# "three to the minus four": an exponent whose "e" (or "times ten") Whisper lost, unless the
# number is 10 itself (``_POWER_OF_TEN``): written as the broken ``3 minus 4`` (offered unsure).
_LOST_TEN = re.compile(
    r"\b(?!10\b)(\d+(?:\.\d+)?) to the (?:power of )?(?:minus|negative) (\d{1,2})\b",
    re.IGNORECASE,
)


def _bare_point(match: re.Match[str]) -> str:
    digits = "".join(_DIGIT_WORDS.get(w.lower(), w) for w in match.group(2).split())
    return f"{match.group(1)}0.{digits}"


@cache
def _short_names() -> frozenset[str]:
    """The lexicon's one-word names of two to four letters: "lr", "wd", "bs", "mae"."""
    from runnotes.voice.lexicon import phrases

    return frozenset(p for _, p in phrases() if p.isalpha() and 2 <= len(p) <= 4)


def _name_oh(match: re.Match[str]) -> str:
    if match.group(1).lower() not in _short_names():
        return match.group(0)
    return f"{match.group(1)} 0{match.group(2)}" if match.group(2) else f"{match.group(1)} "


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
    text = _POINT_DIGITS.sub(lambda m: _OH.sub("zero", m.group(0)), text)
    text = _MAGNITUDE.sub(_magnitude, text)
    text = _LISTING_AND.sub(f" {_AND} ", text)
    text = _alpha2digit()(text, "en").replace(f" {_AND} ", " and ")
    text = _BARE_POINT.sub(_bare_point, text)
    text = _DIGIT_POINT.sub(lambda m: f"{m.group(1)}.{m.group(2).replace(' ', '')}", text)
    text = _TENS_HOMOPHONE.sub(
        lambda m: str(int(m.group(1)) + int(_SOUNDS_LIKE[m.group(2).lower()])), text
    )
    text = _THOUSAND_SPLIT.sub(lambda m: " ".join(filter(None, m.groups())), text)
    text = _ZEROS_SPLIT.sub(r"\1 ", text)
    text = _SMALL_WORD.sub(lambda m: _SMALL[m.group(1).lower()], text)
    text = _K_SOUNDALIKE.sub(r"\1 k", text)
    text = _NAME_OH.sub(_name_oh, text)
    text = _GLUED_NAME.sub(r"\1 ", text)
    text = _GLUED_VALUE.sub(r"\1 ", text)
    text = _SPACED_INITIALS.sub(r"\1", text)
    text = _MAGNITUDE.sub(_magnitude, text)  # "two k" is "2 k" only now
    text = _THOUSANDS.sub("", text)
    text = _POWER_OF_TEN.sub(lambda m: f"{m.group(1) or 1}e-{m.group(2)}", text)
    text = _POWER_OF_TEN_UP.sub(
        lambda m: _magnitude_text(float(m.group(1) or 1) * 10 ** int(m.group(2))), text
    )
    text = _LOST_TEN.sub(r"\1 minus \2", text)
    text = _HOMOPHONE_MANTISSA.sub(lambda m: _SOUNDS_LIKE[m.group(1).lower()], text)
    text = _EXPONENT.sub(r"\1e-\2", text)
    text = _BROKEN_EXPONENT.sub(r"\1 minus \2", text).replace(_KEEP_ONE, "one")
    text = _SPOKEN_SCALE.sub(lambda m: _magnitude_text(float(m.group(1)) * int(m.group(2))), text)
    return _PERCENT.sub(r"\1%", text)
