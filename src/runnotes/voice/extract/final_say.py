"""What a sentence settles on once its numbers have names: values said in turn ("X and Y
respectively"), results of two things set side by side ("fp32 reaches 99% but int8 gives 88%"),
a value moved on from ("was 0.88, now 0.90"), and values of one name with nothing to tell which
stands, each kept as a question for the reviewer."""

from __future__ import annotations

import itertools
import re

from runnotes.voice.extract import owners
from runnotes.voice.extract.mentions import Found, Mention, Name, bare
from runnotes.voice.extract.parse import acronym
from runnotes.voice.extract.splits import on_another, other_split
from runnotes.voice.extract.tokens import ancestors, in_name, in_turn_pair, is_number
from runnotes.voice.extract.words import (
    COUNT_NAMES,
    COUNTED,
    COUNTERS,
    GENERIC,
    REACH_VERBS,
    RESULT_VERBS,
)
from runnotes.voice.lexicon import SPLITS

# Between someone else's value and one's own: "the 66 F1 of the paper, but I only get 56".
_CONTRAST = re.compile(r"\b(?:but|yet|whereas|while|only|mine)\b", re.IGNORECASE)
# Between an older value and an unnamed newer one: "was 0.88, now we're at 0.90".
_CHANGE = re.compile(
    r"\b(?:now|currently|today|this (?:one|run|time)|the new (?:one|run)|new run|after that|"
    r"afterwards|here|before|then|again|it\s+(?:(?:back|up|down)\s+)?to|"
    r"(?:converge|drop|fall|fell|rise|rose|climb|improve|decrease|increase|reduce|go|went|grow|"
    r"grew|settle|end)\w*\s+(?:(?:back|up|down)\s+)?(?:to|at)|"
    r"(?:stuck|stick|sticking|settled|went|going|kept|keeping|chose|picked|reverted)\s+"
    r"(?:back\s+)?(?:with|on|to))\b",
    re.IGNORECASE,
)
# Right after the later of two values: "73% in 25 epochs, and 75% after 50 epochs", "2.95 at 400k
# steps and 2.90 at 600k".
_LATER_ON = re.compile(
    r"\s*%?\s*(?:after|by|at)\s+(?:about\s+)?(?:epoch\s+|step\s+)?\d[\d.,]*\s*k?\s*"
    r"(?:more\s+)?(?:epochs|steps|iterations|updates|hours|days)?\b",
    re.IGNORECASE,
)
# A noun a value follows with its verb left out: "…, LightGBM 0.857", "and the student 73%".
_GAPPED = {"conj", "appos", "npadvmod"}


def in_turn(doc, found: list[Found], names: list[Name]) -> None:
    """ "an EM and F1 score of 43% and 48% respectively": the two values, in the order of the two
    names joined by "and" before them."""
    pair = in_turn_pair(doc)
    for k in range(len(found) - 1):
        first, second = found[k], found[k + 1]
        if pair != (first.index, second.index):
            continue
        before = [n for n in names if n.end <= first.index]
        pairs = [
            (a, b)
            for a, b in itertools.pairwise(before)
            if doc[a.end : b.start].text.lower() == "and"
        ]
        if not pairs:
            continue
        for item, name in zip((first, second), pairs[-1], strict=True):
            item.mention.name, item.mention.role = name.name, name.kind or "metric"
            item.parsed = False


def uncompared(doc, found: list[Found], names: list[Name]) -> list[Found]:
    """ "fp32 reaches 99% but int8 gives 88%", "the teacher got 80% and the student 73%": results
    of two things set side by side; which one is this run's is the reader's guess, so neither is
    kept here (``extract._values`` asks the reviewer about each named one)."""
    own = {item.index for item in found if _phrase_named(doc, item)}
    numbers = [t.i for t in doc if is_number(t) and in_name(t, names) is None]
    things = {i: _thing(doc, i, names) for i in numbers if i not in own}
    verbs = [t for t in things.values() if t is not None and t.dep_ == "nsubj"]
    if not verbs or len({t.i for t in things.values() if t is not None}) < 2:
        return found  # one thing said with a result verb, another beside it
    said = [item.mention.name for item in found if not item.old]
    return [  # "X gives MAE 0.36, MSE 0.31 and SMAPE 68.2": each value right after its own name
        item
        for item in found
        if things.get(item.index) is None
        or (
            _said_right_before(doc, item, names)
            and item.mention.name
            and said.count(item.mention.name) == 1
        )
    ]


def _phrase_named(doc, item: Found) -> bool:
    """Whether a value follows the words of its own name in no list ("…, test ratio 0.2, …"):
    the noun before it is its name, not a thing it is said of ("…, LightGBM 0.857", "the
    distilled student 73%")."""
    words = (item.mention.name or "").split("_")
    before = doc[max(item.index - len(words), 0) : item.index]
    said = [t.lower_ for t in before] == words and all(t.is_lower for t in before)
    det = before.start > 0 and doc[before.start - 1].pos_ == "DET"  # "and the X 73%": a thing
    return len(words) > 1 and said and not det


def _said_right_before(doc, item: Found, names: list[Name]) -> bool:
    """Whether a value follows its own listed or written short name ("MSE 0.31", "LPIPS 0.121";
    not "LightGBM 0.857", which names the thing measured)."""
    before = item.index - 1
    return any(n.end == item.index for n in names) or (
        before >= 0 and acronym(doc[before], names) and item.mention.name == doc[before].lower_
    )


def _thing(doc, i: int, names: list[Name]):
    """The thing (a model, a variant) a result is said of: the noun subject of its result verb,
    or the noun a value follows with no verb ("…, LightGBM 0.857"); None for a name or a pronoun."""
    token = doc[i]
    for head in ancestors(token, 3):
        if head.text == "%":
            continue
        if head.pos_ in ("VERB", "AUX"):
            if head.lemma_.lower() not in RESULT_VERBS | REACH_VERBS:
                return None
            subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
            break
        if head.dep_ in _GAPPED and head.pos_ in ("NOUN", "PROPN"):
            subject = None if is_number(head) else head
            break
    else:
        return None
    if subject is None or subject.pos_ not in ("NOUN", "PROPN") or subject.i > i:
        return None
    if (
        in_name(subject, names) is not None
        or subject.lower_ in SPLITS
        or subject.lower_ in COUNTERS
    ):
        return None  # "training reaches 0.9 and validation 0.85": one model, two splits
    told = any(c.dep_ in ("compound", "amod") for c in subject.lefts)  # "the fp32 model"
    return subject if told or subject.lower_ not in GENERIC | COUNTED else None


def final_say(doc, found: list[Found]) -> list[Mention]:
    """What the sentence settles on: a value with no name of its own after a change marker takes
    the name of the value before it ("was 0.88, now we're at 0.90"); values compared against or
    someone else's are dropped; of one name, the last value said stands (unless only the parse
    gave it that name: "batch size 32 fits on 1 GPU"), and values of one name with nothing to
    tell which stands are asked ("256 gets 79% yet 512 gets 78%")."""
    for k, later in enumerate(found):
        same = [e for e in found[:k] if e.mention.name and e.mention.name == later.mention.name]
        other = other_split(doc, same[-1], later) if same and later.parsed else None
        if other is not None:  # the parse gave it the name said before the other split
            later.mention.name = other
        if later.mention.name is not None:
            continue
        if k and on_another(doc, found[k - 1], later):
            later.mention.name, later.mention.role = found[k - 1].mention.name, "metric"
            later.apart = found[k - 1].apart = True
            continue
        for earlier in reversed(found[:k]):
            count = bare(earlier.mention.name or "") in COUNT_NAMES
            if count and later.mention.unit == "%":
                continue  # "73% in 25 epochs, and 75% after 50": a share is never a count
            other = other_split(doc, earlier, later)
            if other is not None:
                later.mention.name, later.mention.role = other, "metric"
                break
            if earlier.mention.name is not None and _changed(doc, earlier, later):
                later.mention.name, later.mention.role = earlier.mention.name, earlier.mention.role
                break
    last: dict[str, Found] = {}
    said: dict[str, list[Found]] = {}
    ambiguous: set[str] = set()
    apart = [item for item in found if item.apart and not item.old]
    for item in found:
        name = item.mention.name
        if name is None or item.old or item.apart:
            continue
        seen = last.get(name)
        if seen and not _changed(doc, seen, item):
            if item.parsed and not seen.parsed:
                continue
            repeated = seen.mention.value == item.mention.value  # "3e12, three trillion"
            if not item.parsed and not seen.parsed and not repeated:  # "256 gets 79% yet 512 …"
                ambiguous.add(name)
        last.pop(name, None)
        last[name] = item
        said.setdefault(name, []).append(item)
    kept = [item for name, item in last.items() if name not in ambiguous]
    asked = _asked(said, ambiguous)
    return [item.mention for item in sorted(kept + apart + asked, key=lambda item: item.index)]


def _asked(said: dict[str, list[Found]], ambiguous: set[str]) -> list[Found]:
    """The values of a name said more than once with nothing to tell which is this run's ("the
    mIoU are 75.06 and 74.63", "LSE-D 7.15 …, and with GAN LSE-D 7.21"): each kept as a question
    for the reviewer, none offered (about half such values were the run's on the outside sets)."""
    asked = []
    for name in sorted(ambiguous):
        values = ", ".join(item.mention.text or "" for item in said[name])
        for item in said[name]:
            item.mention.unsure = (
                f"{name} said {len(said[name])} times ({values}): is this one the run's?"
            )
            asked.append(item)
    return asked


def _changed(doc, earlier: Found, later: Found) -> bool:
    """Whether the sentence moves on from one value to the next ("… now …", "… set it to …"),
    between two values of like size (a batch size of 15 does not become 0.73)."""
    a, b = abs(earlier.mention.value or 0.0), abs(later.mention.value or 0.0)
    alike = (a == 0 or b == 0) or max(a, b) / min(a, b) <= 20  # "… now stays at 0.000"
    between = doc[earlier.index + 1 : later.index].text
    moved = earlier.old and re.fullmatch(r"\s*%?\s*(?:(?:up|down|back)\s+)?to\s*", between)
    theirs = owners.theirs(doc, earlier.index) or owners.aimed(doc, earlier.index)
    moved = moved or (earlier.old and theirs and _CONTRAST.search(between))
    marker = _CHANGE.search(doc[earlier.index + 1 : later.index + 4].text)
    later_on = _LATER_ON.match(doc[later.index + 1 : later.index + 6].text)
    return bool(alike) and bool(moved or marker or later_on)
