"""What words mean in a report: which notes are next steps, blockers or decisions.

Small rules on phrases, kept in one place so the README, the progress report and anything else
that sorts notes agree. (Which way a metric is better is :mod:`runnotes.services.metrics`.)
"""

from __future__ import annotations

import re

ROLE_NEXT = "next_step"
ROLE_BLOCKER = "blocker"
ROLE_RATIONALE = "rationale"
ROLE_GOAL = "goal"  # "the goal is …": what the experiment is for
ROLE_OBSERVATION = "observation"  # written by runnotes itself: data changed, run failed

_NEXT = re.compile(
    r"\b(?:next,?\s+(?:i'?ll|i will|we'?ll|we will|let'?s|try|step)|let'?s\s+try|"
    r"(?:we|i)\s+should\s+try|to\s?do\b|try\s+next|next\s+time)",
    re.IGNORECASE,
)
_BLOCKER = re.compile(
    r"\b(?:blocked\s+(?:by|on)|blockers?\b|stuck\s+on|waiting\s+(?:on|for))", re.IGNORECASE
)
# Where a note turns to another thought: a sentence end or semicolon, or a comma before the
# forward-looking part ("…, so next I'll try…", "…, then we rerun…").
_CLAUSE = re.compile(
    r"(?<=[.!?;])\s+|,\s+(?:and\s+|so\s+)?(?=(?:next\b|then\s+(?:i|we)\b|let'?s\b|to\s?do\b))",
    re.IGNORECASE,
)
# The reason given for a decision: "raised lr to 0.01 because the loss plateaued" ("since" is
# left out: in training notes it mostly means time, "flat since epoch 5").
_REASON = re.compile(r",?\s+(?=\b(?:because|so that|due to|given that)\b)", re.IGNORECASE)
# The message runnotes itself writes when a dataset changes (see ``capture.dataset``).
_OBSERVED = re.compile(r"^data changed since run\b", re.IGNORECASE)


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


def note_parts(text: str) -> list[tuple[str, str | None]]:
    """A note often says what was done, why, *and* what comes next: the clauses that are next
    steps or blockers become their own items; the rest stays together as the decision."""
    clauses = [c.strip() for c in _CLAUSE.split(text.strip()) if c.strip()]
    roles = [note_role(c) for c in clauses]
    if not any(roles):
        return [(text.strip(), None)]
    rest = " ".join(c for c, r in zip(clauses, roles, strict=True) if r is None).rstrip(";, ")
    parts = [(rest, None)] if rest else []
    return parts + [(c.rstrip(";, "), r) for c, r in zip(clauses, roles, strict=True) if r]


def decision_and_reason(text: str) -> tuple[str, str | None]:
    """Split "what was decided" from "why" at the first because/since/so that."""
    found = _REASON.search(text)
    if not found or found.start() == 0:
        return text, None
    return text[: found.start()].rstrip(" ,;"), text[found.end() :].strip()


def observed(text: str) -> bool:
    """Whether a note is one runnotes wrote itself (an observation, not a person's decision)."""
    return bool(_OBSERVED.match(text.strip()))
