"""What a spoken note says: metric and parameter values, run references, the why, the what-next.

Numbers are turned into digits first (:mod:`runnotes.voice.numbers`), then every number in a
sentence is given the name it measures, the way a reader finds it:

1. a name right before it, across linking words ("accuracy is now 91.4%", "learning rate of 3e-4",
   "bottomed out around 0.41", "max depth 6");
2. else, through spaCy's dependency parse, the subject or object of the verb it hangs off
   ("recall on the positive class reached 0.78", "set the dropout for the head to 0.2");
3. else a name right after it ("16 attention heads", "30 epochs", "85% accuracy").

Names come from the run's own logged names first, then :mod:`runnotes.voice.lexicon`, else a
snake_case of the subject's noun phrase. Values a sentence did not choose are skipped: the old one
in "from 0.6 to 0.55", the change in "by 2 points to 31.5", the one compared against ("than", "vs",
"instead of"), thresholds ("above 90%"), indices ("epoch 12", "run 3") and targets in a goal.
A number Whisper broke into pieces gives no value: a wrong value is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from runnotes.voice import cues, saying
from runnotes.voice.extract import final_say, misheard, naming, parse
from runnotes.voice.extract.mentions import Found, Mention, match_known
from runnotes.voice.extract.owners import old
from runnotes.voice.extract.plans import planned
from runnotes.voice.extract.splits import same_split, split_of
from runnotes.voice.extract.tokens import in_name, is_number
from runnotes.voice.extract.unlisted import lexicon_phrases
from runnotes.voice.extract.values import no_value
from runnotes.voice.lexicon import CATEGORIES
from runnotes.voice.numbers import to_digits

__all__ = ["Mention", "extract", "match_known", "sentences"]


# "zero-shot", "one-hot", "two-stage": a number joined by a hyphen to the word after it is part of
# that word (kept as one, "zero_shot"), not a value: "the zero-shot top-1 accuracy is …" has none
_NUMBER_IN_WORD = re.compile(
    r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|\d+)-(?=[a-z]{2,}\b)", re.IGNORECASE
)
_HYPHENATED = re.compile(
    r"\b([A-Z][A-Za-z]*[A-Z][A-Za-z]*)-([A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]+|\d)\b"
)
_CUT_OFF = re.compile(r"\b([A-Za-z]+)@(\d+)\b")


def _cut_off(match: re.Match[str]) -> str:
    """ "R@5" → "R @ 5", named with its cut-off in ``parse``; a listed spelling stays."""
    written = match.group(0)
    return written if written.lower() in lexicon_phrases() else " @ ".join(match.groups())


def _joined(match: re.Match[str]) -> str:
    """A hyphenated written name as one word, unless the lexicon knows it ("ROUGE-L")."""
    said = match.group(0).lower()
    return match.group(0) if said in lexicon_phrases() else f"{match.group(1)}_{match.group(2)}"


def _values(sentence: str, segment: int, known: dict[str, str]) -> list[Mention]:
    text = saying.clean(to_digits(_NUMBER_IN_WORD.sub(r"\1_", sentence)))
    text = _HYPHENATED.sub(_joined, text)  # "SI-SNRi 12.5", "CFP-FP 0.87": one written name
    text = _CUT_OFF.sub(_cut_off, text)  # "R@5 73.1": a cut-off, written
    text = re.sub(r"(?<=[A-Za-z])([.!?])\s*$", r" \1", text)  # "… 71% mIoU.": not one token
    if cues.is_goal(text):
        return []  # "the goal is validation accuracy above 90%": a target, not a result
    doc = parse.nlp()(text)
    plan = planned(doc, text)
    names = parse.names(doc, known)
    found: list[Found] = []
    named: set[str] = set()
    skip = -1
    values = frozenset(t.idx for t in doc if is_number(t) and in_name(t, names) is None)
    for i, token in enumerate(doc):
        if plan is not None and plan[0] <= token.idx < plan[1]:
            continue  # "next I'll try 1e-4": a plan's numbers are no values of this run
        if i <= skip or in_name(token, names) is not None:
            continue
        category = next((c for c, vals in CATEGORIES.items() if token.lower_ in vals), None)
        broken = None if misheard.broken(doc, i) else misheard.broken_exponent(doc, i)
        if category is not None:
            mention = naming.category(doc, i, names, category, sentence, segment, named)
            if mention is not None:
                named.add(category)
                found.append(Found(i, mention))
        elif broken is not None:
            skip = i + 2
            mention, parsed = naming.number(
                doc, i, names, known, split_of(text, token.idx, values), sentence, segment
            )
            mention.value, mention.text = broken, f"{broken:g}"
            mention.unsure = f"heard as {doc[i : i + 3].text!r}: is it {broken:g}?"
            found.append(Found(i, mention, old(doc, i, names), parsed))
        elif is_number(token) and not (misheard.garbled(doc, i, names) or misheard.broken(doc, i)):
            if no_value(doc, i, names):
                continue
            mention, parsed = naming.number(
                doc, i, names, known, split_of(text, token.idx, values), sentence, segment
            )
            found.append(Found(i, mention, old(doc, i, names), parsed))
    final_say.in_turn(doc, found, names)
    kept = final_say.uncompared(doc, found, names)
    stays = {item.index for item in kept}
    compared = [i for i in found if i.index not in stays and i.mention.name and not i.old]
    for item in compared:  # "fp32 reaches 99% but int8 gives 88%": asked, not offered
        item.mention.unsure = (
            f"said of one of two things compared: is {item.mention.name} the run's?"
        )
    return same_split(final_say.final_say(doc, kept), known) + [item.mention for item in compared]


def sentences(texts: Sequence[str]) -> list[tuple[int, str]]:
    """(segment index, sentence) pairs; a sentence spanning segments belongs to its first one."""
    out: list[tuple[int, str]] = []
    carry, carry_seg = "", 0
    for index, text in enumerate(texts):
        for part in cues.SENTENCE_END.split(text.strip()):
            if not part:
                continue
            if not carry:
                carry_seg = index
            carry = f"{carry} {part}".strip()
            if part[-1] in ".!?":
                out.append((carry_seg, carry))
                carry = ""
    if carry:
        out.append((carry_seg, carry))
    return out


def extract(segment_texts: Sequence[str], known: dict[str, str] | None = None) -> list[Mention]:
    """Every mention in a transcript given as its segments' texts.

    ``known`` maps the run's existing param/metric names to their kind ("param"/"metric").
    """
    known = known or {}
    out: list[Mention] = []
    for segment, sentence in sentences(segment_texts):
        out.extend(_values(sentence, segment, known))
        out.extend(
            Mention(role, sentence, segment, text=sentence, run=run)
            for role, run in cues.notes(to_digits(sentence))
        )
    return out
