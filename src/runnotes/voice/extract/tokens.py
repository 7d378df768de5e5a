"""Where things stand around a number in the parsed sentence (the word before it past articles
and hedges, where its unit would start, the name a token is part of): every rule asks these."""

from __future__ import annotations

import re

from runnotes.capture.parse import NUMBER
from runnotes.voice.extract.mentions import Name
from runnotes.voice.extract.words import LINK_VERBS

_NUM = re.compile(rf"^{NUMBER}$")
# Words that soften a value without changing whose it is: "an ATE of about 0.012".
HEDGES = {"about", "around", "roughly", "approximately"}


def is_number(token) -> bool:
    """Whether a token is a number as the capture parser reads one ("3e-4", "-0.5", "91.4")."""
    return bool(_NUM.match(token.text))


def before_number(doc, i: int) -> int:
    """The word before a number, past articles and hedges ("the", "about", "around")."""
    j = i - 1
    while j >= 0 and (doc[j].lower_ in ("a", "an", "the", "factor") or doc[j].lower_ in HEDGES):
        j -= 1
    return j


def verbish(token) -> bool:
    """A linking verb the tagger took for a noun ("the learning rate peaks at 6e-4")."""
    low = token.lower_
    stems = {low, low.removesuffix("s"), low.removesuffix("es"), low.removesuffix("ed")}
    return bool(stems & LINK_VERBS)


def ancestors(token, hops: int) -> list:
    """The heads above a token in the parse, nearest first, at most ``hops`` of them."""
    out = []
    while hops and token.head is not token:
        token = token.head
        out.append(token)
        hops -= 1
    return out


def unit_at(doc, i: int) -> int:
    """Where the noun a number counts would start: right after it, or after its "%"."""
    return i + 2 if i + 1 < len(doc) and doc[i + 1].text == "%" else i + 1


def name_after(doc, i: int, names: list[Name]) -> Name | None:
    """The name a number stands before: "16 attention heads", "85% accuracy", "a 0.1 dropout"."""
    return next((n for n in names if n.start == unit_at(doc, i)), None)


def in_name(token, names: list[Name]) -> Name | None:
    """The name a token is part of, if any."""
    return next((n for n in names if n.start <= token.i < n.end), None)


def in_turn_pair(doc) -> tuple[int, int] | None:
    """The two values of "X and Y respectively" (their token indices), if the sentence says so;
    found once per sentence (every number asks) and kept with the parse."""
    if "in_turn" not in doc.user_data:
        doc.user_data["in_turn"] = _find_in_turn_pair(doc)
    return doc.user_data["in_turn"]


def _find_in_turn_pair(doc) -> tuple[int, int] | None:
    for r, token in enumerate(doc):
        if token.lower_ != "respectively":
            continue
        second = r - 1 - (r >= 1 and doc[r - 1].text == "%")
        joined = second - 1
        first = joined - 1 - (joined >= 1 and doc[joined - 1].text == "%")
        numbers = first >= 0 and is_number(doc[first]) and is_number(doc[second])
        if numbers and doc[joined].lower_ == "and":
            return first, second
    return None
