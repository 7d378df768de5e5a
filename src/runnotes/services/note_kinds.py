"""What a note is: a decision (a change made, with its reason), an observation, or a plan.

One rule for typed notes, spoken notes and the drafts, on plain phrases:

- a **plan** says what will be tried ("next I'll…", "let's try…", "tomorrow…", "we should…",
  "I'd recommend…") or asks ("does it reach 80 %?"): its numbers are not values of this run;
- a **decision** is a change somebody made ("I lowered the learning rate…", "switched to AdamW",
  "dropout is 0.3 now so that…");
- anything else that reports how the run went is an **observation** ("val_acc dropped after adding
  the rows", "the loss plateaued at 0.41"): what happened, not what was decided.

:func:`plan_start` says where, inside a sentence, the plan begins, so that "val loss is 0.41, next
I'll try dropout 0.3" keeps its observed value and drops the planned one.
"""

from __future__ import annotations

import re
from typing import Literal

NoteKind = Literal["decision", "observation", "plan"]

_SUBJECT = r"(?:i|we|you|i'?d|we'?d|you'?d)"
_TRY = (
    r"(?:try|test|run|rerun|re-run|use|add|drop|remove|increase|decrease|lower|raise|bump|cut|"
    r"switch|compare|check|train|retrain|tune|sweep|double|halve|set|change|swap|move|go)"
)
_AHEAD = (
    rf"(?:'ll|\s+will|\s+shall|\s+(?:want|wanna|plan|intend|hope)\s+(?:to\s+)?{_TRY}|"
    r"(?:'m|'re|\s+am|\s+are)\s+(?:going\s+to|gonna)|\s+should|\s+could|\s+might|\s+may|"
    rf"\s+need\s+to|\s+have\s+to|\s+would|\s+can\s+(?:also\s+|still\s+)?{_TRY})"
)
# Where a sentence turns to what comes next. Each alternative starts at the plan's first word.
_PLAN = re.compile(
    r"\bnext(?:\s*[,:]|\s+(?:step|time|up|run|thing|week|i|we|let'?s|try|is|will|,))"
    r"|\bnext\s*[.!]?\s*$"
    r"|\blet'?s\b|\blet\s+us\b|^\s*please\b"
    rf"|\b{_SUBJECT}{_AHEAD}\b"
    r"|\b(?:tomorrow|tonight|later today|later this week|next week|in the next run)\b"
    r"|^\s*to\s?-?do\b|\bto\s?-?do\s*[:,-]|\btodo\b|\bthe plan\b|\bplan(?:s|ning)? (?:is|are|to)\b"
    r"|\b(?:should|would|could|might)\s+(?:try|use|be|get|help|give|reach|work|improve|go)\b"
    r"|\b(?:needs?|has|have)\s+to\s+be\b"
    r"|\b(?:recommend|suggest)(?:s|ed)?\b"
    r"|(?<!than )(?<!as )\b(?:expected|promised|target(?:ed)?|hoping|hope)\b"  # not "than expected"
    r"|\bin order to\b(?=.*\b(?:try|test)\b)"
    r"|^\s*(?:maybe\s+|perhaps\s+|then\s+|also\s+)?(?:try|rerun|re-run|experiment\s+with|consider|"
    r"(?:test|check)\s+(?:if|whether|with|out|again|that)|see\s+(?:if|whether))\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"\?\s*$")
# A change somebody made: "I lowered …", "we switched …", "switched the optimizer …".
_CHANGE_VERBS = (
    r"(?:set|changed|switched|moved|lowered|raised|increased|decreased|reduced|cut|bumped|"
    r"doubled|halved|dropped|added|removed|replaced|swapped|turned|enabled|disabled|froze|"
    r"unfroze|used|kept|decided|went|reverted|rolled back|tuned|fixed|capped|clipped|"
    r"shortened|lengthened|extended|upped|trained|retrained|restarted|resumed|stopped|"
    r"killed|started|ran|re-?ran|tried|applied|introduced|adopted|chose|picked|settled)"
)
_DECISION = re.compile(
    rf"\b(?:i|we)\s+(?:have\s+|'ve\s+|just\s+|then\s+|also\s+|now\s+|finally\s+)*{_CHANGE_VERBS}\b"
    rf"|^\s*(?:so\s+|then\s+|and\s+)?{_CHANGE_VERBS}\b"
    rf"|\b(?:was|were|got|has been|have been|is now|are now)\s+(?:then\s+|now\s+)?{_CHANGE_VERBS}\b"
    r"|\b(?:because|so that|in order to|to avoid|to reduce|to prevent|to stop|to fix|"
    r"that'?s why|the reason)\b",
    re.IGNORECASE,
)


def plan_start(text: str) -> int | None:
    """Index in ``text`` where a plan, a recommendation or a question begins; None if nowhere.

    A question is a plan from its first word: "does it reach 80 % in 20 epochs?" states nothing.
    """
    if _QUESTION.search(text):
        return 0
    found = _PLAN.search(text)
    return found.start() if found else None


def classify_note(text: str) -> NoteKind:
    """ "plan", "decision" or "observation" for one note (a sentence or a few).

    A note that opens with its plan is a plan; one that makes a change (with or without its
    reason) is a decision; the rest reports what was seen.
    """
    start = plan_start(text)
    before = text[:start] if start is not None else text
    if start is not None and not before.strip(" ,;:-"):
        return "plan"
    if _DECISION.search(before):
        return "decision"
    if start is not None and len(before.split()) <= 3:
        return "plan"  # "OK so, next I'll…"
    return "observation"
