"""Numbers Whisper broke into pieces ("0.0 near 0.0 near 0.3", "40, 3.2", "3 minus 4"): their
pieces give no value, a wrong value being worse than none; only an exponent that lost its "e"
is put back, and offered as unsure."""

from __future__ import annotations

from runnotes.voice.extract.mentions import Name
from runnotes.voice.extract.tokens import in_name, is_number

_GLUE = {"near", "-"}  # what tiny.en puts between the pieces of a number it breaks up


def garbled(doc, i: int, names: list[Name]) -> bool:
    """A number tiny.en broke up ("zero point zero zero zero three" → "0.0 near 0.0 near 0.3").

    Its pieces cannot be put back together reliably, and its first piece is a wrong value: better
    no mention than ``lr = 0.0``. The voice note keeps the transcript for the reviewer.
    """
    after = i + 2 < len(doc) and doc[i + 1].lower_ in _GLUE and is_number(doc[i + 2])
    before = i >= 2 and doc[i - 1].lower_ in _GLUE and is_number(doc[i - 2])
    # "ninety one point four" heard as "90 1.4%", "twelve point three" as "well point 3"
    named = i and in_name(doc[i - 1], names) is not None  # "pass at 10 0.45", "mAP 50 0.99":
    # the number before is the name's
    adjacent = (i + 1 < len(doc) and is_number(doc[i + 1])) or (
        i and not named and is_number(doc[i - 1])
    )
    pointed = i and doc[i - 1].lower_ in ("point", "dot")
    return after or before or bool(adjacent) or bool(pointed) or _split_by_comma(doc, i)


def _split_by_comma(doc, i: int) -> bool:
    """ "forty three point two" heard as "40, 3.2", "zero point three" as "zero, 0.3": a tens or
    a zero, a pause, then the rest of the number."""

    def pieces(a: int) -> bool:
        if a < 0 or a + 2 >= len(doc) or doc[a + 1].text != ",":
            return False
        if not (is_number(doc[a]) and is_number(doc[a + 2])):
            return False
        head, tail = float(doc[a].text), float(doc[a + 2].text)
        counted = a + 3 < len(doc) and doc[a + 3].pos_ == "NOUN" and doc[a + 3].is_alpha
        if "." in doc[a].text or (counted and doc[a + 3].lower_ not in ("percent", "points")):
            return False  # "dropout 0.0, 1 layer": a whole value, then a count of its own
        return (head == 0 or (head % 10 == 0 and 20 <= head <= 90)) and 0 <= tail < 10

    return pieces(i) or pieces(i - 2)


def broken_exponent(doc, i: int) -> float | None:
    """ "3 minus 4" (Whisper lost the "e" of "three e minus four"): 3e-4, to be marked unsure."""
    pieces = i + 2 < len(doc) and doc[i + 1].lower_ == "minus" and doc[i + 2].text.isdigit()
    if pieces and is_number(doc[i]) and not (i and doc[i - 1].lower_ == "minus"):
        return float(f"{doc[i].text}e-{doc[i + 2].text}")
    return None


def broken(doc, i: int) -> bool:
    """A piece of a broken exponent that cannot be a mantissa ("40 minus 4"), or its exponent."""
    if i >= 2 and doc[i - 1].lower_ == "minus" and is_number(doc[i - 2]):
        return True
    value = broken_exponent(doc, i)
    return value is not None and not 1 <= abs(float(doc[i].text)) < 10
