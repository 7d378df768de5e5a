"""Which data split a value is on: said with the value ("0.68 mAP on train"), elsewhere in its
sentence ("the WER on the test set is 30"), between two values of one metric ("on train 0.98, but
on test only 0.59"), or once for a whole list ("Dev precision 93.8, recall 93.1 and F1 93.4")."""

from __future__ import annotations

import re

from runnotes.voice.extract.mentions import Found, Mention, bare, match_known
from runnotes.voice.extract.tokens import before_number, unit_at
from runnotes.voice.lexicon import SPLIT_PREFIXES, SPLITS, kind_of

# "on the test set", "on the VOC2007 test set", "for our validation data", "on test-clean" (said
# "test clean" once the hyphen is gone: LibriSpeech's and others' names for a split).
SPLIT_PHRASE = re.compile(
    r"\b(?:on|for|over|across) (?:the |our )?(?:\w+ ){0,2}?("
    + "|".join(SPLITS)
    + r")\b(?:[\w ]{0,20}?"
    r"\b(?:set|split|data|images|questions|cohort|examples|subset|samples)| (?:clean|other))\b",
    re.IGNORECASE,
)
# Where a split said elsewhere in the sentence stops reaching: "…, but the mIoU on the test set".
_CONTRASTED = re.compile(r"\b(?:but|whereas|while)\b|;", re.IGNORECASE)
# A split said right after a value and its name: "0.68 mAP on train", "94.6% on the test set".
# Not one regex with _SPLIT_BEHIND: this one starts at the value (matched at its offset in the
# sentence), lets one word of a name stand between and needs no end of clause after the split.
_SPLIT_OWN = re.compile(
    r"\d[\d.e-]*\s?%?\s+(?:(?!(?:and|but|or)\b)[A-Za-z][\w-]*\s+)?(?:on|for) (?:the )?("
    + "|".join(SPLITS)
    + r")\b(?!-)",
    re.IGNORECASE,
)
_NUMBER_TEXT = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
# A split said right after a value, closing its clause: "… and around 7 on train." Not one regex
# with _SPLIT_OWN: this one reads the words after the value's token, lets no word stand between
# and needs the split to close its clause.
_SPLIT_BEHIND = re.compile(
    r"^\s*%?\s*(?:on|for) (?:the )?("
    + "|".join(SPLITS)
    + r")\b\s*(?:[.,;]|(?:set|split|data)\b|$)",
    re.IGNORECASE,
)


def split_of(text: str, at: int, values: frozenset[int]) -> str | None:
    """The split a phrase such as "on the test set" gives the value at ``at`` (a character
    offset): its own, said right after it ("0.68 mAP on train and 0.64 mAP on the test set"),
    else one of the sentence's, not across a "but" ("the loss reached 0.22, but the mIoU on the
    test set …") nor from right after an earlier value ("0.8 AUC on training data, 0.79 AUC on
    the holdout set")."""
    own = _SPLIT_OWN.match(text, at)
    if own is not None:
        return SPLITS[own.group(1).lower()]
    for match in SPLIT_PHRASE.finditer(text):
        owner = _owner(text, match.start(), values)
        if owner is not None and owner < at:
            continue
        if not _CONTRASTED.search(text[min(at, match.start()) : max(at, match.start())]):
            return SPLITS[match.group(1).lower()]
    return None


def _owner(text: str, start: int, values: frozenset[int]) -> int | None:
    """Where the value starts that a phrase at ``start`` follows with at most its name between
    ("0.68 mAP on train"), if any; ``values`` are where the sentence's values start (the 1 of
    "top 1 accuracy on the validation set" is part of a name)."""
    last = max((at for at in values if at < start), default=None)
    number = _NUMBER_TEXT.match(text, last) if last is not None else None
    between = text[number.end() : start] if number is not None else ","
    if len(between.split()) > 1 or re.search(r"[,;:]", between):
        return None
    return last


def same_split(mentions: list[Mention], known: dict[str, str]) -> list[Mention]:
    """ "Dev precision 93.8, recall 93.1 and F1 93.4": one split said for the whole list."""
    splits = {  # "test ratio 0.2" is a setting, no split
        m.name.split("_", 1)[0]
        for m in mentions
        if m.name and m.name.startswith(SPLIT_PREFIXES) and m.role == "metric"
    }
    if len(splits) != 1:
        return mentions
    (split,) = splits
    # "the test loss is 2.59 …, and the loss is at 1.39": said again without its split, a name
    # is another quantity (the training one), not the test one once more
    named = {m.name for m in mentions}
    said = False  # "75.88% accuracy and a test loss of 0.991": a split never reaches back
    for m in mentions:
        bare = m.name or ""
        said = said or bare.startswith(SPLIT_PREFIXES)
        if (
            said
            and bare not in known
            and not bare.startswith(SPLIT_PREFIXES)
            and kind_of(bare) == "metric"
            and f"{split}_{bare}" not in named
        ):
            m.name = match_known(f"{split}_{bare}", known)
    return mentions


def on_another(doc, earlier: Found, later: Found) -> bool:
    """ "AUROC 99.3% on MVTec3D, 96.8% on MVTec and 98.4% on VisA": one metric, each value on the
    data set said right after it; a value with no name of its own, listed right after one that
    has, takes its name."""
    if earlier.mention.role != "metric" or earlier.old or later.old or earlier.mention.name is None:
        return False
    between = doc[unit_at(doc, earlier.index) : later.index]
    first, second = _on_what(doc, earlier.index), _on_what(doc, later.index)
    listed = between[-1:].text in (",", "and") and first is not None and first.end <= later.index
    return listed and second is not None and first.text.lower() != second.text.lower()


def _on_what(doc, i: int):
    """The words of "on <data set>" right after a value, up to the list's next comma or "and"."""
    k = unit_at(doc, i)
    if k >= len(doc) or doc[k].lower_ not in ("on", "for"):
        return None
    end = k + 1
    while end < len(doc) and doc[end].lower_ not in (",", "and", ".", ";", "but", "while"):
        end += 1
    return doc[k + 1 : end] if end - k <= 4 else None


def other_split(doc, earlier: Found, later: Found) -> str | None:
    """ "On train data the accuracy reaches 0.98, but on test data only 0.59": the same metric on
    the split said between the two values."""
    name = earlier.mention.name
    if name is None or earlier.mention.role != "metric" or earlier.old:
        return None
    match = SPLIT_PHRASE.search(doc[earlier.index + 1 : later.index].text)
    j = before_number(doc, later.index)
    listed = j > earlier.index + 1 and doc[j].lower_ in SPLITS and doc[j - 1].lower_ in (",", "and")
    behind = _SPLIT_BEHIND.match(doc[later.index + 1 : later.index + 5].text)
    if behind is not None:  # "an FID of about 10 on the test split, and around 7 on train"
        split = SPLITS[behind.group(1).lower()]
    elif match is not None or listed:  # "training WER 6.16%, validation 37.32%, test 41.02%"
        split = SPLITS[(match.group(1) if match else doc[j].text).lower()]
    else:
        return None
    return None if name.startswith(f"{split}_") else f"{split}_{bare(name)}"
