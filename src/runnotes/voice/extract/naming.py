"""Which name a value takes: a name next to it, else what the parse says its verb measures,
else a name in no list; then the name's kind, its split and the run's own spelling of it. Also the
word values of categorical settings ("switched the optimizer to Adam")."""

from __future__ import annotations

import re

from runnotes.voice.extract.adjacent import counted_after, moved_name, name_before, named_for
from runnotes.voice.extract.mentions import Mention, Name, bare, match_known
from runnotes.voice.extract.owners import compared
from runnotes.voice.extract.parse import acronym, categorical
from runnotes.voice.extract.tokens import ancestors, in_name, is_number, name_after, unit_at
from runnotes.voice.extract.unlisted import (
    acronym_after,
    as_result,
    list_item,
    near_lexicon,
    noun_phrase,
    phrase_before,
)
from runnotes.voice.extract.words import (
    AVERAGES,
    CHANGE_NOUNS,
    COUNT_NAMES,
    COUNTED,
    COUNTERS,
    GENERIC,
    LINK_VERBS,
    MODIFIER_POS,
    NOT_NAME_WORDS,
    PARAM_VERBS,
    PLAIN_MODIFIERS,
    RESULT_VERBS,
    SETTING_WORDS,
    STATISTICS,
    STRETCH,
    TIME_UNITS,
)
from runnotes.voice.lexicon import CATEGORIES, SPLIT_PREFIXES, SPLITS, kind_of

# Names after a number that other words in the sentence may say better: "warm up for 1000 steps".
_VAGUE_AFTER = {"max_steps"}
# Whose subject is the thing that did it ("the plain DNN gets 0.81"), never the thing measured.
_AGENT_VERBS = {"get", "score", "achieve", "obtain", "give", "yield", "produce"}
_MODIFIABLE = {"lr", "dropout", "accuracy", "map"}
_WARMUP_OF = {"epochs": "warmup_epochs", "max_steps": "warmup_steps"}
# The first word of a setting's name: "max tokens", "num envs", "total timesteps".
_SETTING_PREFIXES = ("max_", "min_", "num_", "n_", "total_")


def _counted_setting(doc, i: int, names: list[Name]) -> list[str] | None:
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
    never = COUNTED | TIME_UNITS | GENERIC | COUNTERS | STRETCH
    if not plural or any(t.lemma_ in never or t.lower_ in never or t.is_stop for t in things):
        return None
    settings = [n for n in names if n.kind == "param" and abs(n.start - i) <= 8]
    return ["num", *(t.lower_ for t in things)] if settings else None


def _from_parse(doc, i: int, names: list[Name]):
    """(name, fallback words, verb) from the parse: what the number's verb says it measures."""
    for token in ancestors(doc[i], 4):
        clause = any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children)
        if token.dep_ == "conj" and not clause and token.pos_ not in ("VERB", "AUX"):
            break  # "6 encoder layers and 6 decoder layers": not across "and" ("…, changed
            # it to 0.002": the verb is the number's own)
        hit = in_name(token, names)
        if hit is not None and hit.start != unit_at(doc, i):  # "for 1000 steps" → the verb's
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
                head = in_name(arg, names)
                if head is None:  # a name before the argument's noun: "the loss weight"
                    head = next(
                        (n for n in names for c in arg.lefts if n.start <= c.i < n.end), None
                    )
                    if head is not None and arg.lower_ in SETTING_WORDS:
                        return None, noun_phrase(arg), verb  # "the loss weight is 0.5": the loss's
                    if head is not None and arg.lower_ in CHANGE_NOUNS:
                        return None, None, verb  # "the accuracy drop was 2": a change, no accuracy
                if head is not None and head.kind == "param" and verb in RESULT_VERBS:
                    return None, None, verb  # "lr 0.1 and wd give 92.44%": the result's
                if head is not None:
                    return head, None, verb
            subject = next((a for a in args if a.dep_ in ("nsubj", "nsubjpass") and a.i < i), None)
            pronoun = subject is not None and subject.lower_ in ("it", "one", "mine")
            if (
                subject is not None and pronoun and verb in LINK_VERBS
            ):  # "my own trained one is at 37.07"
                return _referent(doc, subject.i, names), None, verb
            if subject is not None and verb in LINK_VERBS and noun_phrase(subject):
                if verb in _AGENT_VERBS or any(_model_word(w) for w in noun_phrase(subject)):
                    return None, None, verb  # "the plain DNN gets 0.81": a thing, no metric
                return None, noun_phrase(subject), verb
            alone = subject is not None and not any(subject.lefts) or _only_det(subject)
            lettered = subject is not None and subject.text.isalpha()  # not "BF16 was 7.11"
            if (
                subject is not None
                and alone
                and lettered
                and verb in LINK_VERBS - _AGENT_VERBS
                and acronym(subject, names)
            ):
                return None, [subject.lower_], None  # "the CIDEr reached 113.8": a metric's
            thing = next((a for a in args if a.dep_ == "dobj" and a.i < i), None)
            if thing is not None and thing.lower_ == "it" and verb in PARAM_VERBS:
                setting = [n for n in names if n.end <= thing.i and n.kind == "param"]
                return (setting[-1] if setting else None), None, verb  # "changed it to 0.002"
            if thing is not None and verb in PARAM_VERBS:  # "changed the total timesteps to …"
                return None, noun_phrase(thing), verb
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


def _referent(doc, i: int, names: list[Name]) -> Name | None:
    """What "it" stands for in "the perplexity was 5.9, with the LoRA weights it is 7.3": the
    metric named last before it in the sentence (a setting is never "it": "it" of "lr 0.1, it
    gets 80" is the run; "after 30 epochs it becomes 1" is still the metric's)."""
    before = [n for n in names if n.end <= i and n.kind == "metric"]
    return before[-1] if before else None


def category(doc, i, names, category, sentence, segment, named):
    """ "switched the optimizer to Adam", "we use SGD": a word value of a categorical param."""
    name = name_before(doc, i, names)
    after = in_name(doc[i + 1], names) if i + 1 < len(doc) else None  # "the Adam optimizer"
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


def number(doc, i, names, known, split, sentence, segment):
    """(the value at ``i`` with the name it measures, or None for a name; whether the parse, not a
    neighbouring name, gave it)."""
    unit = "%" if i + 1 < len(doc) and doc[i + 1].text == "%" else None
    raw = doc[i].text
    mention = Mention("metric", sentence, segment, value=float(raw), text=raw + (unit or ""))
    mention.unit = unit
    name = name_before(doc, i, names, across_comma=False)
    if name is not None and name.kind == "metric" and counted_after(doc, i, names):
        name = None  # "77.24% mIoU at 24 epochs": the 24 counts the epochs after it
    after = name_after(doc, i, names) if name is None else None
    if name is None and after is None:
        name = name_before(doc, i, names)
    verb, fallback, parsed, result = None, None, False, False
    if name is None and after is None:
        fallback = phrase_before(doc, i, names)
        if not fallback:
            fallback = list_item(doc, i, names) or fallback
        if fallback is None:
            fallback = acronym_after(doc, i, names)
        if fallback == []:
            return mention, False  # "a BLEU bump of 8": a noun no name covers owns it
        parsed = bool(fallback)
        result = bool(fallback) and (
            _last_word_kind(fallback[-1]) == "metric" or as_result(doc, i, names, fallback)
        )
        if fallback and not result:
            verb = "set"  # "hop length 160", "cosine T max 30": a list of settings
    if name is None and after is None and not fallback:
        name = moved_name(doc, i, names) or named_for(
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
    if name is not None and compared(doc, name):
        return mention, parsed
    if name is not None:
        canonical, kind = name.name, name.kind
    elif fallback:
        canonical = near_lexicon(" ".join(fallback))
        split = SPLITS.get(fallback[0]) if len(fallback) > 1 else None
        if split in ("val", "test"):  # "the validation ANLS"; "training frequency" is a setting
            canonical = f"{split}_{near_lexicon(' '.join(fallback[1:]))}"
        kind = kind_of(canonical)
    else:
        return mention, parsed
    if kind is None:  # a name in no list: "the step size is 10" is a setting, "the error is 3"
        setting = verb in PARAM_VERBS or canonical.rsplit("_", 1)[-1] in SETTING_WORDS
        setting = setting or (not result and canonical.startswith(_SETTING_PREFIXES))
        measured = bool(AVERAGES.intersection(canonical.split("_")))  # "average length", "J mean"
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
    if bare(canonical) in COUNT_NAMES and not float(raw).is_integer():
        if bare(canonical) == "warmup_steps" and float(raw) < 1:
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


def _modifier(doc, name: Name, names: list[Name]) -> str | None:
    """ "the node dropout", "kNN accuracy", "text encoder lr": a word before a plain rate or
    accuracy that may make it another quantity; the value goes to review, not approved."""
    if bare(name.name) not in _MODIFIABLE or not name.start:
        return None
    word = doc[name.start - 1]
    low = word.lower_
    plain = low in SPLITS or low in NOT_NAME_WORDS or low in STATISTICS or low in GENERIC
    plain = plain or low in PLAIN_MODIFIERS
    plain = plain or categorical(low) or in_name(word, names) is not None
    alnum = word.text.isalnum() and not word.text.isdigit()  # "wav2vec lr" too
    tagged = word.pos_ in MODIFIER_POS or word.dep_ in ("amod", "compound")  # "embedding" a verb
    tagged = tagged or word.tag_ == "VBG"  # "…, scaling lr 0.005": a gerund tagged as a verb
    counted = word.tag_ == "NNS" and any(t.like_num for t in doc[max(word.i - 2, 0) : word.i])
    if plain or not alnum or not tagged or counted:  # "on 5,000 tickets accuracy rose": counted
        return None
    return f"{low} {doc[name.start : name.end].text}"


def _warmup_length(doc, i: int) -> bool:
    """Whether the epochs or steps at ``i`` are the warmup's: "warmup of 5 epochs", "reduced the
    warmup from 10 to 8 epochs", "shorter warmup, 3 epochs", "10 epochs of linear warmup"."""
    if doc[unit_at(doc, i) : unit_at(doc, i) + 1].text.lower() not in ("epochs", "steps"):
        return False  # "50 warmup steps and 10000 training steps": a name of its own
    before = []
    for token in reversed(doc[max(i - 5, 0) : i]):
        ranged = is_number(token) and token.i + 1 < i and doc[token.i + 1].lower_ == "to"
        if token.text in (",", ";") or (is_number(token) and not ranged):
            break  # "no warmup, 100 epochs"; not "the warmup from 10 to 8 epochs"
        if token.lower_ in ("and", "steps", "epochs"):
            break  # "500 warmup steps and 90 epochs": the warmup has its own length
        before.append(token.lower_)
    after = [t.lower_ for t in doc[i + 1 : i + 5]]
    return "warmup" in before or after[1:2] == ["of"] and "warmup" in after[2:]
