"""What a spoken note says: metric and parameter values, run references, the why and the what-next.

A ``spacy.blank("en")`` tokenizer with PhraseMatcher/Matcher rules, run on text whose numbers were
turned into digits first (:mod:`runnotes.voice.numbers`). Rules beat the statistical English model
here: it tags "Adam" as a person and misses "1e-4", and it is 15× slower (see FIELD-NOTES).

A name is followed by its value ("learning rate to 3e-4", "accuracy is 91.4%", "from 0.6 to 0.55":
the last one wins) or preceded by it ("1000 warmup steps"). Names are matched to the names the run
already uses ("learning rate" ↔ ``lr``, "val acc" ↔ ``val_accuracy``) so a spoken value lands on
the same series as the logged one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from runnotes.capture.parse import NUMBER
from runnotes.voice.numbers import to_digits

# canonical name → (kind, spoken aliases). Mishearings Whisper tiny.en makes are aliases too.
VOCABULARY: dict[str, tuple[str, tuple[str, ...]]] = {
    "lr": ("param", ("learning rate", "lr", "learning-rate")),
    "batch_size": ("param", ("batch size", "match size", "batch-size", "batchsize")),
    "dropout": ("param", ("dropout", "drop out", "dropout rate", "drop-out")),
    "weight_decay": ("param", ("weight decay", "wait decay")),
    "epochs": ("param", ("epochs", "number of epochs", "epox")),
    "warmup_steps": ("param", ("warmup steps", "warm up steps", "warm-up steps")),
    "momentum": ("param", ("momentum",)),
    "optimizer": ("param", ("optimizer", "optimiser")),
    "num_layers": ("param", ("layers", "number of layers")),
    "num_heads": ("param", ("heads", "attention heads", "number of heads")),
    "hidden_size": ("param", ("hidden size", "hidden dimension", "hidden dim")),
    "seed": ("param", ("seed", "random seed")),
    "label_smoothing": ("param", ("label smoothing",)),
    "grad_clip": ("param", ("gradient clipping", "grad clip", "gradient clip", "gradient norm")),
    "val_accuracy": (
        "metric",
        ("validation accuracy", "val accuracy", "val acc", "valid accuracy", "dev accuracy"),
    ),
    "test_accuracy": ("metric", ("test accuracy", "test acc")),
    "train_accuracy": ("metric", ("training accuracy", "train accuracy")),
    "accuracy": ("metric", ("accuracy",)),
    "top1_accuracy": ("metric", ("top 1 accuracy", "top-1 accuracy", "top1 accuracy")),
    "top5_accuracy": ("metric", ("top 5 accuracy", "top-5 accuracy", "top5 accuracy")),
    "val_loss": ("metric", ("validation loss", "val loss", "valid loss", "dev loss")),
    "train_loss": ("metric", ("training loss", "train loss")),
    "test_loss": ("metric", ("test loss",)),
    "loss": ("metric", ("loss",)),
    "f1": ("metric", ("f1", "f 1", "f1 score", "f 1 score", "f-1", "f-1 score", "f one")),
    "precision": ("metric", ("precision",)),
    "recall": ("metric", ("recall",)),
    "auc": ("metric", ("auc", "a u c", "area under the curve", "roc auc", "oc")),
    "perplexity": ("metric", ("perplexity",)),
    "bleu": ("metric", ("bleu", "bleu score", "blue score")),
    "rmse": ("metric", ("rmse", "root mean squared error", "root mean square error")),
    "mae": ("metric", ("mae", "mean absolute error")),
    "wer": ("metric", ("word error rate", "wer")),
}
OPTIMIZERS = {
    "adam": "adam",
    "adamw": "adamw",
    "sgd": "sgd",
    "rmsprop": "rmsprop",
    "adagrad": "adagrad",
    "lion": "lion",
    "adafactor": "adafactor",
    "lamb": "lamb",
}
# Generic names sharpened by "on the validation set" in the same sentence.
_SPLITS = {
    "validation": "val",
    "val": "val",
    "dev": "val",
    "test": "test",
    "training": "train",
    "train": "train",
}
_SPLIT_PHRASE = re.compile(
    r"\bon the (validation|val|dev|test|training|train),? (?:set|split|data)\b", re.IGNORECASE
)
# Words allowed between a name and its value: "went up to", "is now", "of about".
_LINK = {
    "is",
    "was",
    "are",
    "were",
    "of",
    "to",
    "at",
    "now",
    "reached",
    "went",
    "goes",
    "up",
    "down",
    "dropped",
    "fell",
    "rose",
    "increased",
    "decreased",
    "improved",
    "set",
    "the",
    "a",
    "an",
    "from",
    "by",
    "about",
    "around",
    "roughly",
    "approximately",
    "=",
    ":",
    "'s",
    "still",
    "be",
    "became",
    "becomes",
    "stays",
    "stayed",
    "equals",
    "hit",
    "climbed",
    "got",
    "gets",
    "back",
    "only",
    "just",
    "reach",
    "reaches",
    "changed",
    "lowered",
    "raised",
    "use",
    "using",
    "with",
    "it",
    "score",
    "for",
    "on",
    ",",
}
_NUM = re.compile(rf"^{NUMBER}$")
_GLUE = {"near", "-"}  # what tiny.en puts between the pieces of a number it breaks up
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
_TODO_HEAD = re.compile(r"^\s*to\s?do\b\s*[.,:]", re.IGNORECASE)  # Whisper's "To do." / "To do,"
_RUN_REF = re.compile(r"\b(?:run|experiment)(?:[,:]?\s+|-)(?:number\s+)?(\d+)\b", re.IGNORECASE)
# tiny.en writes "run three" as "run-free": a hyphen makes it a name, so a sound-alike is a number.
# Without the hyphen only the words no sentence puts after "run" count ("run for ten epochs").
_RUN_SOUNDALIKE = {
    "free": "3",
    "tree": "3",
    "for": "4",
    "fore": "4",
    "to": "2",
    "too": "2",
    "won": "1",
    "ate": "8",
}
_SOUNDALIKE_RUN = re.compile(
    rf"\b(run|experiment)(?:-({'|'.join(_RUN_SOUNDALIKE)})|,?\s+(free|tree))\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Mention:
    """One fact found in a note. ``role`` is metric, param, run_ref, rationale or next_step."""

    role: str
    sentence: str
    segment: int
    name: str | None = None
    value: float | None = None
    text: str | None = None
    unit: str | None = None
    run: int | None = None

    @property
    def kind(self) -> str:
        return self.role if self.role in ("metric", "param") else "note"


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s_\-./]+", name.lower()) if w]


_EXPAND = {
    "lr": ["learning", "rate"],
    "acc": ["accuracy"],
    "val": ["validation"],
    "valid": ["validation"],
    "eval": ["validation"],
    "dev": ["validation"],
    "bs": ["batch", "size"],
    "wd": ["weight", "decay"],
    "train": ["training"],
    "ppl": ["perplexity"],
    "f1score": ["f1"],
    "top1": ["top", "1"],
    "top5": ["top", "5"],
    "num": [],
    "n": [],
    "number": [],
    "of": [],
    "the": [],
    "score": [],
    "dim": ["size"],
    "lr0": ["learning", "rate"],
    "epoch": ["epochs"],
    "nlayers": ["layers"],
}


def name_key(name: str) -> str:
    """A spelling-free key: ``val_acc``, ``validation accuracy`` and ``val-accuracy`` agree."""
    out: list[str] = []
    for word in _words(name):
        out.extend(_EXPAND.get(word, [word]))
    return " ".join(out)


def match_known(name: str, known: Iterable[str]) -> str:
    """The run's own spelling of ``name`` when it has one (exact key, else close enough)."""
    key = name_key(name)
    keyed = {name_key(k): k for k in known}
    if key in keyed:
        return keyed[key]
    close = difflib.get_close_matches(key, list(keyed), n=1, cutoff=0.85)
    return keyed[close[0]] if close else name


@cache
def _nlp():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.blank("en")


def _phrase_matcher(extra_names: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from spacy.matcher import PhraseMatcher

    nlp = _nlp()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for canonical, (_, aliases) in VOCABULARY.items():
        matcher.add(canonical, [nlp.make_doc(a) for a in aliases])
    for name in extra_names:
        phrases = {name.lower(), " ".join(_words(name)), name_key(name)}
        matcher.add("known:" + name, [nlp.make_doc(p) for p in phrases if p])
    return matcher


_matchers: dict[tuple[str, ...], object] = {}


def _matcher_for(known: dict[str, str]):  # type: ignore[no-untyped-def]
    """A matcher knowing the vocabulary plus the run's names that the vocabulary lacks."""
    canonical_keys = {name_key(c) for c in VOCABULARY} | {
        name_key(a) for _, aliases in VOCABULARY.values() for a in aliases
    }
    extra = tuple(sorted(n for n in known if name_key(n) not in canonical_keys))
    if extra not in _matchers:
        _matchers[extra] = _phrase_matcher(extra)
    return _matchers[extra]


def _garbled(doc, i: int) -> bool:  # type: ignore[no-untyped-def]
    """A number tiny.en broke up ("zero point zero zero zero three" → "0.0 near 0.0 near 0.3").

    Its pieces cannot be put back together reliably, and its first piece is a wrong value: better
    no mention than ``lr = 0.0``. The voice note keeps the transcript for the reviewer.
    """
    return i + 2 < len(doc) and doc[i + 1].lower_ in _GLUE and bool(_NUM.match(doc[i + 2].text))


def _value_after(doc, end: int) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    """The token index and text of the number a name at ``doc[:end]`` is given, if any.

    "from 0.6 to 0.55" gives the new value; "from 0.6" alone (Whisper ended the sentence there)
    gives none, since 0.6 is the value it had before.
    """
    found: tuple[int, str] | None = None
    i = end
    while i < len(doc) and i < end + 8:
        text = doc[i].text.lower()
        if _NUM.match(text):
            if _garbled(doc, i):
                return None
            found = (i, doc[i].text)
            if i + 1 < len(doc) and doc[i + 1].lower_ == "to" and found:
                i += 1  # "from 0.6 to 0.55": keep going to the new value
                continue
            return None if i > end and doc[i - 1].lower_ == "from" else found
        if text in OPTIMIZERS:
            return (i, OPTIMIZERS[text])
        if text not in _LINK and not doc[i].is_space:
            break
        i += 1
    return found


def _value_before(doc, start: int) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    if start >= 1 and _NUM.match(doc[start - 1].text):
        return (start - 1, doc[start - 1].text)
    return None


def _split_prefix(sentence: str) -> str | None:
    match = _SPLIT_PHRASE.search(sentence)
    return _SPLITS[match.group(1).lower()] if match else None


def _sentence_mentions(sentence: str, segment: int, known: dict[str, str]) -> list[Mention]:
    text = to_digits(sentence)
    prefix = _split_prefix(text)
    doc = _nlp()(_SPLIT_PHRASE.sub("", text))
    from spacy.util import filter_spans

    matches = _matcher_for(known)(doc)  # type: ignore[operator]
    spans = filter_spans([doc[s:e] for _, s, e in matches])
    labels = {(s, e): doc.vocab.strings[m] for m, s, e in matches}
    out: list[Mention] = []
    used: set[int] = set()
    for span in spans:
        label = labels[(span.start, span.end)]
        if label.startswith("known:"):
            name = label.removeprefix("known:")
            kind = known[name]
        else:
            kind, _ = VOCABULARY[label]
            name = f"{prefix}_{label}" if prefix and label in ("accuracy", "loss") else label
        hit = _value_after(doc, span.end) or _value_before(doc, span.start)
        if hit is None or hit[0] in used:
            continue
        index, raw = hit
        used.add(index)
        is_number = bool(_NUM.match(raw))
        if kind == "metric" and not is_number:
            continue
        unit = "%" if is_number and index + 1 < len(doc) and doc[index + 1].text == "%" else None
        name = match_known(name, known)
        out.append(
            Mention(
                role=kind,
                sentence=sentence,
                segment=segment,
                name=name,
                value=float(raw) if is_number else None,
                text=raw + (unit or ""),
                unit=unit,
            )
        )
    out.extend(_notes(sentence, text, doc, segment))
    return out


def _notes(sentence: str, text: str, doc, segment: int) -> list[Mention]:  # type: ignore[no-untyped-def]
    low = text.lower()
    refs = _RUN_REF.findall(
        _SOUNDALIKE_RUN.sub(
            lambda m: f"{m.group(1)} {_RUN_SOUNDALIKE[(m.group(2) or m.group(3)).lower()]}", text
        )
    )
    out = [
        Mention(role="run_ref", sentence=sentence, segment=segment, run=int(ref), text=sentence)
        for ref in refs
    ]
    if (
        any(re.search(rf"\b{re.escape(cue)}", low) for cue in _NEXT)
        or _NEXT_TAIL.search(low)
        or _TODO_HEAD.match(low)
    ):
        out.append(Mention(role="next_step", sentence=sentence, segment=segment, text=sentence))
    if any(re.search(rf"\b{re.escape(cue)}\b", low) for cue in _RATIONALE):
        out.append(Mention(role="rationale", sentence=sentence, segment=segment, text=sentence))
    return out


def sentences(texts: Sequence[str]) -> list[tuple[int, str]]:
    """(segment index, sentence) pairs; a sentence spanning segments belongs to its first one."""
    out: list[tuple[int, str]] = []
    carry, carry_seg = "", 0
    for index, text in enumerate(texts):
        parts = _SENTENCE_END.split(text.strip())
        for part in parts:
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
    return [
        m
        for seg, sentence in sentences(segment_texts)
        for m in _sentence_mentions(sentence, seg, known)
    ]
