"""Numbers and names the way a person says them, for the spoken summary (``runnotes listen``).

A screen shows ``0.9137`` and ``3e-04``; a listener wants "ninety-one point four percent" and
"three e minus four". Every spoken number is a :class:`Spoken` that keeps the stored value it
came from, so the script can be checked against the store (a rounded value is still that value:
three significant figures, as a person reads a number out).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from runnotes.voice.lexicon import name_key

SIGNIFICANT = 3  # figures a listener can hold: 0.91372 is said as "zero point nine one four"
# Metrics whose values between 0 and 1 people say as a percentage.
_PERCENT = re.compile(r"(?:^|_|\b)(?:acc|accuracy|f1|precision|recall|auc|iou|map|top\d)", re.I)
_SMALL, _LARGE = 1e-3, 1e6  # outside these, "three e minus four" beats a string of zeros
_LETTERS = re.compile(r"^[bcdfghjklmnpqrstvwxz]{1,4}$", re.I)  # no vowel: an abbreviation, spelled


@dataclass(frozen=True)
class Spoken:
    """A number as said, and the stored value it says (``scale`` 100 for a percentage)."""

    words: str
    value: float
    shown: str  # the rounded figure that was said, e.g. "91.4" for 0.91372 as a percentage
    scale: float = 1.0


def is_percent(metric: str, value: float) -> bool:
    """Whether ``value`` of ``metric`` is said as a percentage (accuracy-like, in [0, 1])."""
    return bool(_PERCENT.search(metric)) and 0.0 <= value <= 1.0


def say_number(value: float, *, percent: bool = False) -> Spoken:
    """``value`` in words: whole numbers as words, very small or large ones with "e minus"."""
    from num2words import num2words

    scale = 100.0 if percent else 1.0
    x = value * scale
    if not math.isfinite(x):
        words = "not a number" if math.isnan(x) else "infinity"
        return Spoken(words, value, str(x), scale)
    if x == int(x) and abs(x) < _LARGE:
        shown = str(int(x))
        words = num2words(int(x))
    elif abs(x) < _SMALL or abs(x) >= _LARGE:
        mantissa, exponent = f"{x:.{SIGNIFICANT - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        shown = f"{mantissa}e{int(exponent)}"
        sign = "minus " if int(exponent) < 0 else ""
        words = f"{num2words(Decimal(mantissa))} e {sign}{num2words(abs(int(exponent)))}"
    else:
        shown = f"{x:.{SIGNIFICANT}g}"
        words = num2words(Decimal(shown))
    words = words.replace(",", "")  # "one thousand, five hundred" reads as two sentences
    return Spoken(f"{words} percent" if percent else words, value, shown, scale)


def say_value(text: str, value: float | None) -> tuple[str, Spoken | None]:
    """A parameter value as said: its number in words when it is one, else its text."""
    if value is not None:
        spoken = say_number(value)
        return spoken.words, spoken
    return say_name(text), None


def say_name(name: str, *, expand: bool = False) -> str:
    """A name read out: ``higher-lr`` → "higher L R" (a vowel-less abbreviation is spelled, the
    way people say "L R"); with ``expand`` (metric and parameter names) the usual short forms
    are said in full: ``val_acc`` → "validation accuracy", ``lr`` → "learning rate"."""
    parts = name_key(name).split() if expand else re.split(r"[\s_\-./:]+", name)
    said = [" ".join(w.upper()) if _LETTERS.match(w) else w for w in parts if w]
    return " ".join(said) or name
