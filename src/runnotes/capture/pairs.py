"""Which ``name value`` pairs of a line of output a script reports, and which are words that
happen to sit next to numbers.

A line is read as a whole. Its clock times, dates and logger prefixes (``trainer.py:2405``,
``(trainer:653)``, glog's ``I0914 … solver.cpp:244]``) are set aside, and the rest is cut into
segments at the separators training loops print between values (``|``, `` - ``, ``,``, ``;``,
tabs, wide gaps). A segment counts only when it is made of pairs and nothing else: a step
(``Epoch 3/10``, ``iter 120:``), pairs (``loss: 0.2``, ``val loss 0.3``, ``lr=3e-4``,
``loss 0.61 (0.92)`` with its running mean), units, and at most a leading label
(``Test set: Average loss: 0.28``). A segment with other words in it is a sentence
(``data: 960 train / 240 val rows``, ``Found 730 images belonging to 10 classes``): its numbers
are not metrics. Beyond that, a line whose only pair has no ``=`` or ``:`` and no step
(``loaded 1797``) is not a metric line; counts (``num_*``, ``*_size``, ``samples``), steps
(``*_epoch``, ``*_steps``) and times of day are never metrics; a name printed twice on a line
with different values is dropped (which one is meant is not known) unless the segment names a
split (``Train Loss: 0.45 Acc: 0.83 | Test Loss: 0.32 Acc: 0.88`` gives ``train_acc``,
``test_acc``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_WORD = r"[A-Za-z_][\w.\-/@]*(?:'s [\w.\-]+)?"
# A name is up to three words ("val loss", "Avg accuracy"), each a single-space apart.
_PAIR = re.compile(
    rf"(?<![\w.\-/@])(?P<name>{_WORD}(?: {_WORD}){{0,2}})"
    rf"(?P<sep>\s*[:=]\s*|\s+)(?P<num>{NUMBER})"
    r"(?P<unit>%|[A-Za-z]{1,3}(?:/[A-Za-z]+)?)?"
    rf"(?:\s*\({NUMBER}\))?"  # a running mean printed beside the value
    r"(?![\w.\-/]|,\d)"  # a number ends where no digit group follows ("11,689,512" is no 11)
)
_STEP = re.compile(
    r"\b(?P<key>epoch|step|iter|iteration|global_step)\b\s*[:=]?\s*\[?(?P<num>\d+)\]?"
    r"(?:\s*/\s*\d+\]?)?:?",
    re.IGNORECASE,
)
STEP_KEYS = {"epoch", "step", "iter", "iteration", "global_step"}
# A date has its year, or a time after it: "10/12" alone is a count ("epoch 10/12"), not a day.
_CLOCK = re.compile(
    r"(?<![\w.])(?:(?:\d{4}[-/.]\d\d[-/.]\d\d|\d\d/\d\d/\d{2,4})"
    r"(?:[ T_]\d\d[:\-]\d\d(?:[:\-]\d\d)?)?|\d\d/\d\d[ T_]\d\d:\d\d(?::\d\d)?)"
    r"|(?<![\w.:])\d{1,2}:\d\d(?::\d\d)?(?:[.,]\d+)?(?![\w.:])"
)
_GLOG = re.compile(r"^\s*[IWEF]\d{4}\b")  # glog's severity and date: "I0914"
# Where a logger says the line came from: "trainer.py:2405", "(trainer:653)",
# "trainer:__train_epoch:359 - ", "solver.cpp:244]".
_SOURCE = re.compile(
    r"[\w.\-/]+\.(?:py|pyx|cc|cpp|cxx|c|h|hpp|cu|java|scala|rs|go|js|ts|lua|jl|rb)(?::\d+)+"
    r"|[\w.]+(?::[\w.]+)*:\d+(?=\s*[\])]|\s+-\s|\s*>>)"
)
_FRACTION = re.compile(r"(?<![\w.])\d+\s*/\s*\d+(?![\w.])")  # "1000 / 8223": a count so far
_BAR = re.compile(r"\d{1,3}%\|[^|\n]*\|")  # tqdm's "45%|████▌     |"
_SEGMENTS = re.compile(r"\s*\|\s*|\s+-\s+|,(?!\d)|;|\t|>>|\s{2,}(?=[A-Za-z_*\[])")
_TABLE_ROW = re.compile(rf"^\s*\|\s*({_WORD})\s*\|\s*({NUMBER})\s*\|\s*$")  # stable-baselines
_LABEL = re.compile(rf"^[^:=]{{1,40}}:(?!\s*{NUMBER}(?![\w.]))\s*")
_DIGIT = re.compile(r"\d")
_CODE = re.compile(r"[A-Za-z_]\w*\([^)]*=")  # model.fit(x, epochs = 15, …): code, not a report
_LEFTOVER = re.compile(r"^[\s\[\]()*>#:=\-.,!<?\ufffd]*$")  # undecodable bytes are no words
_UNIT_WORD = re.compile(r"\s*[A-Za-z]+/[A-Za-z]+")  # "samples/sec" after a value

# Words that precede numbers in logs without being metrics.
NOT_METRICS = {
    "eta", "time", "elapsed", "remaining", "it", "s", "ms", "line", "pid", "port",
    "timestamp", "date", "seed", "version", "rank", "device", "gpu",
}  # fmt: skip
_COUNT_FIRST = {"num", "n", "number", "nb", "no"}
_COUNT_LAST = {
    "size", "count", "samples", "examples", "images", "tokens", "rows", "params", "parameters",
    "classes", "files", "workers", "threads", "epochs", "steps", "iters", "iterations",
    "timesteps", "batches", "epoch", "iter", "iteration", "step",
}  # fmt: skip
_STOPWORDS = {
    "a", "an", "the", "of", "for", "to", "in", "on", "at", "by", "with", "from", "per", "and",
    "or", "is", "are", "was", "were", "be", "will", "has", "have", "after", "before", "into",
}  # fmt: skip
_SPLITS = {"train", "training", "val", "valid", "validation", "test", "eval", "dev"}


@dataclass
class Pair:
    name: str
    value: float
    text: str  # the digits as printed, with the unit: "3e-4", "91.4%"
    unit: str
    explicit: bool  # "name: value" / "name=value", not "name value"


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """The text with what ``pattern`` finds turned to spaces (positions stay where they were)."""
    return pattern.sub(_spaces, text) if pattern.search(text) else text


def _spaces(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def is_metric_name(name: str) -> bool:
    """Counts, steps and clock readings are printed next to names too; they are not metrics."""
    parts = [p for p in re.split(r"[\s_.\-]+", name.lower()) if p]
    if not parts:
        return False
    return not (
        parts[-1] in NOT_METRICS
        or parts[-1] in _COUNT_LAST
        or (parts[0] in _COUNT_FIRST and len(parts) > 1)
        or name.lower() in STEP_KEYS
    )


def _name(raw: str) -> str:
    """One word keeps its spelling; several become one: "val loss" → "val_loss"."""
    name = raw.replace("'s ", "-").strip("-:/.")
    words = name.split()
    return "_".join(w.lower() for w in words) if len(words) > 1 else name


def _pairs_from(segment: str, start: int) -> list[re.Match[str]] | None:
    found: list[re.Match[str]] = []
    leftover = []
    position = start
    for match in _PAIR.finditer(segment, start):
        leftover.append(segment[position : match.start()])
        found.append(match)
        position = match.end()
        unit_word = _UNIT_WORD.match(segment, position)
        if unit_word:
            position = unit_word.end()
    leftover.append(segment[position:])
    if not found or not all(_LEFTOVER.match(part) for part in leftover):
        return None
    if any(set(m.group("name").lower().split()) & _STOPWORDS for m in found):
        return None  # "Accuracy at …: 0.66": words of a sentence, not a name
    return found


def _segment_pairs(segment: str) -> list[re.Match[str]] | None:
    """The pairs a segment is made of (after a label, if it has one), or None when it is a
    sentence."""
    segment = segment.strip()
    found = _pairs_from(segment, 0)
    label = _LABEL.match(segment) if found is None else None
    return _pairs_from(segment, label.end()) if label else found


def _with_split(names: list[str]) -> list[str]:
    """``Train Loss: 0.45 Acc: 0.83``: the split the first name gives holds for the segment."""
    first = names[0].split()
    if len(first) < 2 or first[0].lower() not in _SPLITS:
        return names
    return [names[0]] + [n if " " in n else f"{first[0]} {n}" for n in names[1:]]


def find_step(text: str) -> tuple[int | None, str]:
    """The step a line names, and the line with the step blanked out."""
    match = _STEP.search(text)
    if match is None:
        return None, text
    return int(match.group("num")), _blank(text, _STEP)


def clean(text: str) -> str:
    """The line without clock times, dates, logger prefixes and progress bars."""
    if ":" in text:
        text = _blank(text, _SOURCE)
    if "%|" in text:
        text = _blank(text, _BAR)
    return _blank(_blank(text, _GLOG), _CLOCK)


def read_pairs(text: str, *, loose: bool = False) -> tuple[list[Pair], int | None]:
    """The metric pairs of one line (already free of terminal codes), and its step."""
    row = _TABLE_ROW.match(text)
    if row:
        value = row.group(2)
        name = row.group(1)
        pairs = [Pair(name, float(value), value, "", True)] if is_metric_name(name) else []
        return pairs, None
    if not _DIGIT.search(text) or _CODE.search(text):
        return [], None
    step, body = find_step(clean(text))
    body = _blank(body, _FRACTION)
    pairs: list[Pair] = []  # type: ignore[no-redef]
    for segment in _SEGMENTS.split(body):
        found = _segment_pairs(segment) if segment and segment.strip() else None
        if not found:
            continue
        names = _with_split([m.group("name") for m in found])
        for match, raw in zip(found, names, strict=True):
            unit = match.group("unit") or ""
            pairs.append(
                Pair(
                    _name(raw),
                    float(match.group("num")),
                    match.group("num") + ("%" if unit == "%" else ""),
                    unit,
                    explicit=bool(match.group("sep").strip()),
                )
            )
    pairs = [p for p in pairs if is_metric_name(p.name)]
    if not loose and step is None and len(pairs) == 1 and not pairs[0].explicit:
        return [], step  # "loaded 1797": one bare number after a word is a sentence
    return _unambiguous(pairs), step


def _unambiguous(pairs: list[Pair]) -> list[Pair]:
    """A name printed twice with different values: which is meant is not known, so neither."""
    values: dict[str, set[float]] = {}
    for pair in pairs:
        values.setdefault(pair.name, set()).add(pair.value)
    seen: set[str] = set()
    kept = []
    for pair in pairs:
        if len(values[pair.name]) == 1 and pair.name not in seen:
            kept.append(pair)
            seen.add(pair.name)
    return kept
