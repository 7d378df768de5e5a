"""The note roles of a spoken sentence: the why, the what-next, the goal, the runs it names.

Plain phrase cues on the digit-normalised sentence: "because …" is a rationale, "next I will …" a
next step, "the goal is …" the experiment's goal, "run 7" a reference to run 7.
"""

from __future__ import annotations

import re

from runnotes.services.note_kinds import classify_note

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_RATIONALE = (
    "because",
    "since",
    "so that",
    "the reason",
    "due to",
    "as a result of",
    "in order to",
    "that's why",
    "that is why",
)
_NEXT = (
    "next i will",
    "next i'll",
    "next i want",
    "next we will",
    "next we'll",
    "let's try",
    "let us try",
    "lets try",
    "todo",
    "to do:",
    "i will try",
    "i'll try",
    "we should try",
    "next step",
    "next time",
    "tomorrow i will",
    "try next",
    "next,",
    "next:",
)
_NEXT_TAIL = re.compile(r"\bnext\s*[.!]?$", re.IGNORECASE)
_TODO_HEAD = re.compile(r"^\s*to\s?do\b\s*[.,:]", re.IGNORECASE)  # Whisper writes "Todo:" so
# "run 7", "experiment 12", "run number 3" — but not the verb: "we run 300 trees", "to run 2 seeds".
_RUN_REF = re.compile(
    r"(?<!\bwe )(?<!\bi )(?<!\bto )(?<!\byou )(?<!\bthey )(?<!\bwill )(?<!\bcan )"
    r"\b(?:run|experiment)(?:[,:]?\s+|-)(?:number\s+)?(\d+)\b(?!\s*(?:%|percent|\.\d))",
    re.IGNORECASE,
)
_GOAL = re.compile(
    r"^\s*(?:so,? |and |ok(?:ay)?,? )?(?:the|our|my|the main|our main) "
    r"(?:goal|aim|objective|target)(?: of (?:this|the) (?:experiment|run|project|sweep))?"
    r" (?:is|was|here is|for (?:this|the) \w+ is)\b",
    re.IGNORECASE,
)


def is_goal(sentence: str) -> bool:
    """ "The goal is to …", "Our aim is …": what the experiment is for, not what it measured."""
    return bool(_GOAL.search(sentence))


def notes(sentence: str) -> list[tuple[str, int | None]]:
    """(role, run) for each note role the sentence plays; ``run`` only for ``run_ref``."""
    low = sentence.lower()
    out: list[tuple[str, int | None]] = [
        ("run_ref", int(ref)) for ref in _RUN_REF.findall(sentence)
    ]
    if is_goal(sentence):
        out.append(("goal", None))
    if (
        any(re.search(rf"\b{re.escape(cue)}", low) for cue in _NEXT)
        or _NEXT_TAIL.search(low)
        or _TODO_HEAD.match(low)
        or (classify_note(sentence) == "plan" and not sentence.rstrip().endswith("?"))
    ):
        out.append(("next_step", None))
    if any(re.search(rf"\b{re.escape(cue)}\b", low) for cue in _RATIONALE):
        out.append(("rationale", None))
    return out
