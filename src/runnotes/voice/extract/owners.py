"""Whose value a number is: the speaker's own, or one compared against, moved away from, aimed
at, or someone else's (the paper's, a baseline's, last week's run). Such a value is no result of
the run, but a later value without a name of its own may still take its name."""

from __future__ import annotations

import re

from runnotes.voice.extract.adjacent import name_before
from runnotes.voice.extract.mentions import Name
from runnotes.voice.extract.tokens import ancestors, before_number, is_number
from runnotes.voice.extract.words import CLAUSE_END, OLD_VALUE, PUBLISHED, REACH_VERBS

_COMPARED = re.compile(
    r"\b(?:compared (?:to|with)|instead of|relative to|far from|as opposed to)\s*$", re.IGNORECASE
)
# A value that belongs to someone else: "24.6 in the paper", "the 27.7 that was promised".
_THEIRS_AFTER = re.compile(
    r"^\s*%?\s*(?:\w+\s+)?(?:(?:in|from|of|by) (?:the|their|your|his|her|its|this|that)\s+"
    r"(?:\w+\s+)?(?:paper|readme|original|repo|leaderboard|table|blog)|"
    r"(?:in|from|with) (?:their|your|his|her) (?:code|implementation)|(?:that (?:was|is|were) )?"
    r"(?:reported|promised|claimed|expected|advertised))\b",
    re.IGNORECASE,
)
# ... or an earlier run: a clause about the paper, the baseline, last week's run.
_THEIRS_BEFORE = re.compile(
    r"\b(?:(?:in|from) (?:the|their|your|his|her) (?:\w+\s+)?paper|paper'?s|this paper|"
    r"the authors|the (?:paper|page|readme|docs|repo|website|site|leaderboard|model card) (?:says|"
    r"reports|claims|states|shows|lists|uses|has|gets)|reported|the original|baseline|base model|"
    r"old run|previous run|earlier run|"
    r"(?:my|a|our|his|her) (?:co-?workers?|colleagues?|friends?|team ?mates?|lab ?mates?)|"
    r"last (?:week|run|time|month)|used to (?:be|get)|originally|before the change|"
    r"before (?:the )?(?:fine ?tun\w*|finetun\w*|sft|rlhf|dpo|pruning|quantiz\w*|distill\w*|fix)|"
    r"(?:the )?model zoo|(?:the|their|your|official) (?:released|pretrained|provided|official) "
    r"(?:weights|model|checkpoint)s?|"
    r"(?:reproduce|replicate|match|reach) (?:the|their|your)|"
    r"usual|typical|recommended|suggested|(?:they|the authors) (?:claim|report|say|state)\w*)\b",
    re.IGNORECASE,
)
# What one reproduced, and the settings one reproduced it with: those are the speaker's own.
_REPRODUCED_WITH = re.compile(
    r"\b(?:reproduce|replicate|match)\w* (?:the|their|your) [\w ]{0,40}?\b(?:with|using)\b",
    re.IGNORECASE,
)
# Someone else's settings, borrowed: what is measured with them is the speaker's own.
_BORROWED = re.compile(
    r"\b(?:the |their |your )?(?:paper'?s|recommended|suggested|usual|typical|original|official|"
    r"authors'?|default|same|released) (?:\w+ )?(?:hyper ?parameters|parameters|settings|config"
    r"(?:uration)?s?|recipe|setup|schedule|script|training strategy)\b",
    re.IGNORECASE,
)
# Someone else's words, reported: "they say …", "the authors recommend …", "according to …".
_SAID_BY_OTHERS = re.compile(
    r"\b(?:they|the authors|the paper|the readme|the docs|people|he|she)\s+(?:\w+\s+)?"
    r"(?:say|says|said|suggest|suggests|suggested|recommend|recommends|recommended|claim|claims|"
    r"claimed|report|reports|reported)\b|\baccording to\b",
    re.IGNORECASE,
)
_OWN_WORDS = re.compile(
    r"\b(?:i|we|my|our|me|us|mine|ours|but|yet|whereas|however|while)\b", re.IGNORECASE
)
# Whose value a number is, said right before it: "your 16", "their 0.81".
_OTHERS = {"your", "their", "his", "her"}
_AIM_VERBS = {"try", "want", "hope", "aim", "need", "wish", "expect", "attempt", "struggle"}


def theirs(doc, i: int) -> bool:
    """A value the sentence attributes to the paper, a baseline or an earlier run."""
    if _THEIRS_AFTER.search(doc[i + 1 : i + 9].text if i + 1 < len(doc) else ""):
        return True
    start = i
    while start > 0 and doc[start - 1].lower_ not in CLAUSE_END | {":"}:
        start -= 1
    clause = _BORROWED.sub(" ", _after_theirs(doc, start, i))
    clause = _REPRODUCED_WITH.sub(" ", clause)  # "reproduce the results with lr 3e-5": my lr
    return bool(_THEIRS_BEFORE.search(clause)) or _reported(doc[:i].text)


def _after_theirs(doc, start: int, i: int) -> str:
    """The clause before the number at ``i``, less a "… in the paper" that belongs to a value before
    it ("improves from 54.39 in the paper to 47.0": the paper's is the 54.39); someone else's
    settings, borrowed ("with the paper's hyperparameters"), are left out by the caller."""
    last = next((k for k in range(i - 1, start - 1, -1) if is_number(doc[k])), None)
    if last is None:
        return doc[start:i].text
    theirs = _THEIRS_AFTER.search(doc[last + 1 : i].text)
    return doc[last + 1 : i].text[theirs.end() :] if theirs else doc[start:i].text


def _reported(before: str) -> bool:
    """ "They say the good settings are 5 epochs, learning rate 4e-5, batch size 32": what others
    say covers the whole list after it, until the speaker's own words ("but I use …")."""
    said = [m.end() for m in _SAID_BY_OTHERS.finditer(before)]
    return bool(said) and not _OWN_WORDS.search(before[said[-1] :])


def aimed(doc, i: int) -> bool:
    """ "I'm trying to reach F1 88.5, but I reach 88.3": a target the speaker aims at."""
    for token in ancestors(doc[i], 4):
        if token.pos_ in ("VERB", "AUX"):
            aim = token.dep_ == "xcomp" and token.head.lemma_.lower() in _AIM_VERBS
            aim = aim and any(c.lower_ == "to" for c in token.children)  # not "… but I get 56"
            return aim and token.lemma_.lower() in REACH_VERBS | {"reproduce", "match", "beat"}
    return False


def old(doc, i: int, names: list[Name]) -> bool:
    """Whether the number at ``i`` is one compared against, moved away from, or someone else's."""
    j = before_number(doc, i)
    named = next((n for n in names if n.start <= j < n.end), None)
    if named is not None and named.start:  # "… beats lr 2", "better than batch size 64"
        k = before_number(doc, named.start)  # (not "annealing from lr 5e-4": where it starts)
        if k >= 0 and doc[k].lower_ in OLD_VALUE - {"from"}:
            return True
    linked = name_before(doc, i, names) or _clause_name(doc, i, names)
    if linked is not None and linked.start and doc[linked.start - 1].lower_ in _OTHERS:
        return True  # "their batch size is 64", "your mIoU on ADE20K is 0.49": someone else's
    if linked is not None and linked.start and doc[linked.start - 1].lower_ in PUBLISHED:
        return True  # "versus the released AP of 46.2", "the reported F1 is 88.5"
    prev = doc[j].lower_ if j >= 0 else ""
    if prev in OLD_VALUE or prev in _OTHERS:  # "went from 0.6.": the value it had before;
        return True  # "much smaller than your 16": someone else's
    if prev == "of" and j >= 1 and doc[j - 1].lower_ == "instead":
        return True
    return bool(_COMPARED.search(doc[: max(j + 1, 0)].text)) or theirs(doc, i) or aimed(doc, i)


def _clause_name(doc, i: int, names: list[Name]) -> Name | None:
    """The last name said before the number at ``i`` in its own clause (no comma or "but" between
    them): "your mIoU on the ade20k benchmark is 0.4967"."""
    before = [n for n in names if n.end <= i]
    if not before or any(t.lower_ in CLAUSE_END for t in doc[before[-1].end : i]):
        return None
    return before[-1]


def compared(doc, name: Name) -> bool:
    """ "… less than max depth 10", "… compared to kernel size 3", "as seed 42": not chosen."""
    before = doc[name.start - 1].lower_ if name.start else ""
    return before in ("than", "versus", "vs", "as") or bool(
        _COMPARED.search(doc[: name.start].text)
    )
