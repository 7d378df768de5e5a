"""Spoken numbers to digits: ``text2num`` plus the few forms it leaves alone.

``alpha2digit`` turns "zero point zero zero zero three" into 0.0003 and "ninety one point four" into
91.4, but not "point two", "one e minus four", "3 e minus 4", a lone "one", or Whisper's "1,000".
Extraction only sees the output of :func:`to_digits`, so one place knows how people say numbers.
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
# "point two" with no number before it (left alone by alpha2digit): a leading-zero decimal.
_BARE_POINT = re.compile(
    rf"(?<![\d.])(?<!\d )\bpoint((?:\s+(?:{_DIGIT_ALT}|\d)\b)+)", re.IGNORECASE
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_EXPONENT = re.compile(r"\b(\d+(?:\.\d+)?)\s*[eE]\s*(?:minus\s*|-\s*)(\d+)\b")
_SMALL_WORD = re.compile(rf"\b({'|'.join(_SMALL)})\b", re.IGNORECASE)
_MAGNITUDE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(thousand|million|billion|k)\b", re.IGNORECASE)
_SPOKEN_SCALE = re.compile(r"\b(\d+\.\d+) (1000|1000000|1000000000)\b")  # "one point two million"
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "billion": 1e9}
_PERCENT = re.compile(r"(\d)\s*(?:per\s?cent|%)", re.IGNORECASE)


def _bare_point(match: re.Match[str]) -> str:
    digits = "".join(_DIGIT_WORDS.get(w.lower(), w) for w in match.group(1).split())
    return f"0.{digits}"


def _magnitude(match: re.Match[str]) -> str:
    """ "1.2 million" → 1200000 (text2num turns the word alone into 1000000, after a space)."""
    return _magnitude_text(float(match.group(1)) * _SCALE[match.group(2).lower()])


def _magnitude_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


@cache
def _alpha2digit():  # type: ignore[no-untyped-def]
    from text_to_num import alpha2digit

    return alpha2digit


def to_digits(text: str) -> str:
    """Numbers as digits, exponents as ``1e-4``, percents as ``91.4%``; other words unchanged."""
    text = _MAGNITUDE.sub(_magnitude, text)
    text = _alpha2digit()(text, "en")
    text = _BARE_POINT.sub(_bare_point, text)
    text = _SMALL_WORD.sub(lambda m: _SMALL[m.group(1).lower()], text)
    text = _THOUSANDS.sub("", text)
    text = _EXPONENT.sub(r"\1e-\2", text)
    text = _SPOKEN_SCALE.sub(lambda m: _magnitude_text(float(m.group(1)) * int(m.group(2))), text)
    return _PERCENT.sub(r"\1%", text)
