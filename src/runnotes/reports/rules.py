"""What words mean in a report: which notes are next steps, blockers or decisions.

Small rules on phrases, kept in one place so the README, the progress report and anything else
that sorts notes agree. (Which way a metric is better is :mod:`runnotes.services.metrics`.)
"""

from __future__ import annotations

import re

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
