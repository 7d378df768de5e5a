"""Names a run already has, and the values a typed note says.

Kept apart from :mod:`runnotes.voice.notes` (audio, Whisper, numpy) so that the SDK, the web page
and the agent can read values from typed notes on any install: without the 'voice' extra (spaCy,
text2num) a note is simply stored, and says nothing more.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from runnotes.store.db import Store, get_row
from runnotes.store.kinds import Kind, Review
from runnotes.store.runs import NewCapture, add_captures

if TYPE_CHECKING:  # a note that says no number needs neither the tables nor the extractor
    from sqlmodel import Session

log = logging.getLogger(__name__)
# The confidence given to a value read from a broken number ("3 minus 4"): below the review
# page's "unsure" line (``store.review.UNSURE_BELOW``), so it is shown as one to check.
UNSURE_VALUE = 0.3
KNOWN_NAMES = 200  # names offered to the transcriber and the name matcher, at most
_NUMBER_WORD = re.compile(
    r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|point)\b",
    re.IGNORECASE,
)


def known_names(session: Session, run_id: int) -> tuple[dict[str, str], list[str]]:
    """Approved param/metric names of this run's experiment (name → kind), and the run's tags.

    Only approved names: a name heard once and still pending (or rejected) must not bias the
    next note's transcription or name matching, or one mishearing spreads ("blues score").
    """
    from runnotes.store.captures import approved_names, run_tags
    from runnotes.store.models import Run

    run = get_row(session, Run, run_id)
    return approved_names(session, run.experiment_id, KNOWN_NAMES), run_tags(session, run_id)


def typed_values(
    text: str, note_id: int, source: str, known: dict[str, str] | None = None
) -> list[NewCapture]:
    """The values a typed note says ("eval loss 0.32 after the fix"), pending for review like
    spoken ones, pointing back to the note (which stays approved: the user wrote it)."""
    if not says_a_number(text):
        return []  # no number, no value: spare the language model
    from runnotes.voice.extract import extract

    try:
        mentions = extract([text], known or {})
    except ImportError as exc:  # a base install: no spaCy / text2num (the 'voice' extra)
        log.info("values in notes are read with the 'voice' extra (%s)", exc)
        return []
    out = []
    for m in mentions:
        if m.role not in ("metric", "param"):
            continue
        extra: dict[str, Any] = {"said": m.sentence}
        if m.unit:
            extra["unit"] = m.unit
        if m.unsure:
            extra["unsure"] = m.unsure
        out.append(
            NewCapture(
                kind=m.kind,
                source=source,
                name=m.name,
                value=m.value,
                text=m.text,
                review=Review.pending,
                role=m.role,
                confidence=UNSURE_VALUE if m.unsure else None,
                parent_id=note_id,
                extra=extra,
            )
        )
    return out


def says_a_number(text: str) -> bool:
    """Whether a note may say a value: digits or a number word. A note that says none is
    stored and says nothing more (no names read, no language model loaded)."""
    return any(ch.isdigit() for ch in text) or _NUMBER_WORD.search(text) is not None


def add_typed_note(store: Store, run_id: int, text: str, source: str) -> int:
    """Store a typed note (approved), then the values it says (pending); returns the note's id."""
    (note_id,) = add_captures(
        store,
        run_id,
        [NewCapture(kind=Kind.note, source=source, text=text, review=Review.approved)],
    )
    derived = says_a_number(text) and typed_values(text, note_id, source, run_names(store, run_id))
    if derived:
        add_captures(store, run_id, derived)
    return note_id


def run_names(store: Store, run_id: int) -> dict[str, str]:
    """:func:`known_names` of a run, in a session of its own."""
    with store.read() as session:
        return known_names(session, run_id)[0]
