"""Where a sentence plans or asks instead of reporting ("next I'll try 1e-4", "why did you use
4?"): its numbers there are no values of the run."""

from __future__ import annotations

import re

from runnotes.services.note_kinds import plan_start

# Where a sentence turns from a plan or an expectation back to what the speaker did or saw.
_REPORTED_AGAIN = re.compile(
    r"[,;]\s*(?:and|but|so)?\s*\b(?:i|we)\s+(?:was|were|am|'m|are|'re|got|used|ran|trained|had|"
    r"did|tried|set)\b",
    re.IGNORECASE,
)
_ASKING = (
    r"(?:what|which|how|why|where|when|who|is|are|was|were|am|does|do|did|should|shall|can|"
    r"could|would|will|has|have|any|anyone|right|isn't|aren't)"
)
# "I got an EER of 16%, is that right?": a statement, then a question tagged on after a comma.
_TAIL_QUESTION = re.compile(rf",\s+{_ASKING}\b[^,]*\?\s*$", re.IGNORECASE)
_ASKED_FIRST = re.compile(rf"^\W*(?:so\s+|and\s+|but\s+)?{_ASKING}\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|we|my|our|i'm|i've|we're|we've)\b", re.IGNORECASE)


def _plan_start(text: str) -> int | None:
    """Like :func:`plan_start`, but a question tagged on after one's own statement ("I got an EER
    of 16%, is that right?") asks only from its comma: the statement before it still reports. A
    sentence that asks from its first word, or whose statement is not said in the first person
    ("the paper uses alpha 256, why …?"), states nothing."""
    tail = _TAIL_QUESTION.search(text)
    if tail is None or _ASKED_FIRST.search(text):
        return plan_start(text)
    if not _FIRST_PERSON.search(text[: tail.start()]):
        return plan_start(text)  # "The paper uses alpha 256, why did you use 4?": not reported
    head = plan_start(text[: tail.start()])
    return tail.start() if head is None else head


def planned(doc, text: str) -> tuple[int, int] | None:
    """Where the sentence's plan runs: from where it starts to where the speaker reports again
    ("RTE should be about 60, and I was running at batch size 128"), else to the end. "The max
    batch size I can set is 4" says what was possible, in a clause about a noun: no plan."""
    start = 0
    while (found := _plan_start(text[start:])) is not None:
        at = start + found
        first = next((t for t in doc if t.idx >= at), None)
        if first is None or not (first.head.dep_ == "relcl" and first.dep_ == "nsubj"):
            resumed = _REPORTED_AGAIN.search(text, at)
            return at, resumed.start() if resumed else len(text)
        start = at + 1
    return None
