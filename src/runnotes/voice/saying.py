"""How people say a value while a run is going: fillers, hedges and corrections.

Applied to the digit form of a sentence (:func:`runnotes.voice.numbers.to_digits`) before it is
parsed, so that the link between a name and its value survives the way people talk:

- fillers and hedges go: "eval loss is kind of hovering at like 0.32" reads as "eval loss is
  hovering at 0.32" ("like" only where it hedges a number: "looks like" stays);
- a correction replaces what it corrects: "batch size 64, sorry, 128" reads as "batch size 128",
  "dropout 0.1, no wait, 0.2" as "dropout 0.2", "warmup of 500 steps, I mean 1000 steps" as
  "warmup of 1000 steps", cues one after another ("no, sorry,") as one. Only when a number follows
  the cue closely: in "the loss is 0.3, actually better than expected" nothing is corrected;
- words joined by a hyphen are said as two ("macro-averaged F1", "f1-score", "warm-up"), as
  the lexicon lists them; a hyphen before a digit stays ("top-1", "15-1", "3e-4").
"""

from __future__ import annotations

import re

from runnotes.capture.parse import NUMBER

_CUE = (
    r"(?:sorry|no,?\s*wait|wait|i mean|i meant|actually|or rather|rather|make that|"
    r"scratch that|correction|oops|no)"
)
_CORRECTION = re.compile(
    rf"(?<![\w.]){NUMBER}\s*%?(?:\s+[a-z]+)?\s*(?:[,;.]|\s-+)?\s*(?:{_CUE}\s*[,:.]?\s*)+\s"
    rf"(?=(?:(?:it'?s|is|was|make it|[a-z][\w-]*)\s+){{0,4}}[-+]?(?:\d|\.\d))",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"(?:\b(?:um+|uh+|erm+|er|hmm+|mm+|you know|i guess|kind of|sort of|kinda|sorta|basically|"
    r"literally|more or less)\b"
    r"|\blike(?=,?\s+(?:[-+]?\d|\.\d|a\b|an\b|about\b|around\b|maybe\b)))"
    r"\s*,?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s{2,}")
_HYPHEN = re.compile(r"(?<=[^\W_])-(?=[^\W\d_])")


def clean(text: str) -> str:
    """The sentence with corrections applied and fillers dropped (digits already in place)."""
    text = _CORRECTION.sub("", _HYPHEN.sub(" ", text))
    text = _FILLER.sub("", text)
    return _SPACES.sub(" ", text).strip()
