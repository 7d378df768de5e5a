"""What words mean in a report: which metrics are better when lower, which notes are next steps.

Both are small rules on names and phrases, kept in one place so the README, the progress report
and anything else that ranks runs or sorts notes agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Name parts that mark a metric where smaller is better; matched against the words of the name
# ("val_loss", "train-rmse", "eval/perplexity") so "terrain_acc" does not count as an error.
LOWER_WORDS = frozenset(
    {
        "loss",
        "error",
        "err",
        "errors",
        "rmse",
        "mae",
        "mse",
        "mape",
        "perplexity",
        "ppl",
        "wer",
        "cer",
        "l1",
        "l2",
        "logloss",
        "nll",
        "latency",
        "fpr",
        "fnr",
    }
)
_WORDS = re.compile(r"[a-z0-9]+")

ROLE_NEXT = "next_step"
ROLE_BLOCKER = "blocker"
ROLE_RATIONALE = "rationale"

_NEXT = re.compile(
    r"\b(?:next,?\s+(?:i'?ll|i will|we'?ll|we will|let'?s|try|step)|let'?s\s+try|"
    r"(?:we|i)\s+should\s+try|to\s?do\b|try\s+next|next\s+time)",
    re.IGNORECASE,
)
_BLOCKER = re.compile(
    r"\b(?:blocked\s+(?:by|on)|blockers?\b|stuck\s+on|waiting\s+(?:on|for))", re.IGNORECASE
)


def lower_is_better(metric: str, extra: Iterable[str] = ()) -> bool:
    """True for loss-like metric names, or names listed in config ``[reports] lower_is_better``."""
    if metric in set(extra):
        return True
    return any(word in LOWER_WORDS for word in _WORDS.findall(metric.lower()))


def note_role(text: str | None, role: str | None = None) -> str | None:
    """A note's role: the one it was stored with, else "blocker"/"next_step" from its phrasing.

    Blockers win over next steps: "blocked by the data export, next I'll …" is news for a lead.
    """
    if role:
        return role
    if not text:
        return None
    if _BLOCKER.search(text):
        return ROLE_BLOCKER
    if _NEXT.search(text):
        return ROLE_NEXT
    return None
