"""Pull ``name → value`` pairs out of a line of text: training logs, selections, OCR.

One parser serves ``watch`` (a training command's output) and the hotkey (selected or OCR'd
text). It understands ``key=value`` and ``key: value`` pairs, JSON-lines and Python dict reprs
(Hugging Face Trainer), Keras ``loss: 0.1234 - accuracy: 0.95``, XGBoost ``[12]\ttrain-rmse:0.51``,
LightGBM ``[12]\tvalid_0's l2: 0.12`` and tqdm postfixes ``loss=0.123, acc=0.9``. With
``loose=True`` (text a person pointed at) a bare number after a label counts too: ``loss 0.2314``.
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass, field

NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z_][\w./\-]*(?:'s [\w.\-]+)?"
_PAIR = re.compile(rf"(?<![\w.\-])({_NAME})\s*(?:=|:)\s*({NUMBER})(%?)(?![\w.])")
_LOOSE_PAIR = re.compile(rf"(?<![\w.\-])({_NAME})\s+({NUMBER})(%?)(?![\w.])")
_BOOSTER = re.compile(r"^\s*\[(\d+)\]\s+(.*)$")
_STEP = re.compile(
    r"\b(epoch|step|iter|iteration|global_step)\b\s*[:=]?\s*(\d+)(?:\s*/\s*\d+)?", re.IGNORECASE
)
STEP_KEYS = {"epoch", "step", "iter", "iteration", "global_step"}
# Words that precede numbers in logs without being metrics.
_NOT_METRICS = {"eta", "time", "elapsed", "remaining", "it", "s", "ms", "line", "pid", "port"}


@dataclass
class Parsed:
    """The pairs found in one line, the step it names (if any), and the text they came from."""

    values: dict[str, float] = field(default_factory=dict)
    step: int | None = None
    units: dict[str, str] = field(default_factory=dict)
    text: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # the exact digits shown, e.g. "3e-4"


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def normalize(text: str) -> str:
    """Drop terminal colour codes; NFKC turns OCR's full-width ``：`` into ``:``."""
    return unicodedata.normalize("NFKC", _ANSI.sub("", text))


def _clean_name(name: str) -> str:
    return name.replace("'s ", "-").strip("-:/.")


def _from_mapping(data: dict[str, object], out: Parsed) -> None:
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if key.lower() in ("step", "global_step") and float(value).is_integer():
            out.step = int(value)
        else:
            out.values[str(key)] = float(value)


def _mapping(line: str) -> dict[str, object] | None:
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    for loader in (json.loads, ast.literal_eval):
        try:
            data = loader(stripped)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(data, dict):
            return data
    return None


def parse_line(line: str, *, loose: bool = False) -> Parsed:
    text = normalize(line).rstrip("\r\n")
    out = Parsed(text=text)
    mapping = _mapping(text)
    if mapping is not None:
        _from_mapping(mapping, out)
        return out
    body = text
    booster = _BOOSTER.match(text)
    if booster:
        out.step = int(booster.group(1))
        body = booster.group(2)
    else:
        step = _STEP.search(text)
        if step:
            out.step = int(step.group(2))
    patterns = [_PAIR, _LOOSE_PAIR] if loose else [_PAIR]
    for pattern in patterns:
        for match in pattern.finditer(body):
            name = _clean_name(match.group(1))
            if not name or name.lower() in STEP_KEYS or name.lower() in _NOT_METRICS:
                continue
            if name in out.values:
                continue
            out.values[name] = float(match.group(2))
            out.texts[name] = match.group(2) + match.group(3)
            if match.group(3):
                out.units[name] = "%"
    return out


def parse_text(text: str, *, loose: bool = True) -> Parsed:
    """Every pair in a block of text (a selection, an OCR result): first occurrence wins."""
    merged = Parsed(text=normalize(text))
    for line in re.split(r"[\r\n]+", text):
        parsed = parse_line(line, loose=loose)
        for name, value in parsed.values.items():
            merged.values.setdefault(name, value)
            merged.texts.setdefault(name, parsed.texts.get(name, str(value)))
        merged.units.update({k: v for k, v in parsed.units.items() if k not in merged.units})
        if merged.step is None:
            merged.step = parsed.step
    return merged
