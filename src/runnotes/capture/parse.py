"""Pull ``name → value`` pairs out of a line of text: training logs, selections, OCR.

One parser serves ``watch`` (a training command's output) and the hotkey (selected or OCR'd
text). It understands ``key=value`` and ``key: value`` pairs, JSON-lines and Python dict reprs
(Hugging Face Trainer), Keras ``loss: 0.1234 - accuracy: 0.95``, XGBoost ``[12]\ttrain-rmse:0.51``,
LightGBM ``[12]\tvalid_0's l2: 0.12`` and tqdm postfixes ``loss=0.123, acc=0.9``; which numbers
of a free-text line are a report and which are words of a sentence is :mod:`.pairs`' rule. With
``loose=True`` (text a person pointed at) a lone bare number after a label counts too:
``loss 0.2314``.

Which pairs are parameters rather than metrics follows general rules, not names: a line that
starts with ``config``/``hparams``/``args``/``params`` (or is an ``argparse`` ``Namespace(…)``),
a dict printed before any metric or step (``at_start``), and a config file's ``name = value``
line printed before training or with a ``# comment``, hold parameters; a progress bar's
values (tqdm, or a Keras bar not yet complete) are per batch (``Parsed.batch``). A command line's
options are parameters too (:func:`parse_args`).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from runnotes.capture.pairs import NUMBER, STEP_KEYS, is_metric_name, read_pairs

__all__ = ["NUMBER", "STEP_KEYS", "LineReader", "Parsed", "parse_args", "parse_line", "parse_text"]


@dataclass
class Parsed:
    """The pairs found in one line, the step it names (if any), and the text they came from."""

    values: dict[str, float] = field(default_factory=dict)
    step: int | None = None
    units: dict[str, str] = field(default_factory=dict)
    text: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # the exact digits shown, e.g. "3e-4"
    params: dict[str, str] = field(default_factory=dict)  # parameters, as printed (any type)
    progress: tuple[int, int | None] | None = None  # a progress bar's (count, total)
    batch: bool = False  # the values are a progress bar's: one batch's, not the epoch's

    @property
    def metrics(self) -> dict[str, float]:
        """The numeric pairs that are not parameters."""
        return {k: v for k, v in self.values.items() if k not in self.params}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def normalize(text: str) -> str:
    """Drop terminal colour codes; NFKC turns OCR's full-width ``：`` into ``:``."""
    text = _ANSI.sub("", text) if "\x1b" in text else text
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _number(value: object) -> float | None:
    """A mapping's value as a number: numbers, and numbers logged as text ("3.180", "100%")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(rf"{NUMBER}%?", value.strip()):
        return float(value.strip().rstrip("%"))
    return None


def _from_mapping(data: dict[str, object], out: Parsed) -> None:
    for key, value in data.items():
        number = _number(value)
        if number is None:
            continue
        name = str(key).lower()
        # An integer epoch is a step; Trainer's fractional one (0.5) is a progress value.
        integral = isinstance(value, int) or (
            name in ("step", "global_step") and number.is_integer()
        )
        if name in STEP_KEYS and integral:
            out.step = int(number)
        elif str(key) == "epoch" or is_metric_name(str(key)):
            out.values[str(key)] = number


_BOOSTER = re.compile(r"^\s*\[(\d+)\]\s+(.*)$")  # XGBoost / LightGBM: "[12]\ttrain-rmse:0.51"
# A config file printed as it is read (nanoGPT): "learning_rate = 6e-4 # max learning rate".
_SETTING = re.compile(r"^\s*([A-Za-z_][\w.]*)\s+=\s+([^\s#]+)\s*(#.*)?$")


# A mapping, alone or after a label: "json_stats: {...}" (Detectron).
_MAPPING = re.compile(r"^\s*(?:[\w .\-]{1,40}:\s*)?(\{.*\})\s*$")


def _mapping(line: str) -> dict[str, object] | None:
    found = _MAPPING.match(line)
    if found is None:
        return None
    body = found.group(1)
    for loader in (json.loads, ast.literal_eval):
        try:
            data = loader(body)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(data, dict):
            return data
    return None


_CONFIG = re.compile(
    r"^\s*(?:config|configuration|hparams|hyperparameters|args|arguments|params|parameters)"
    r"\b\s*[:=]?\s*(.*)$",
    re.IGNORECASE,
)
_TEXT_PAIR = re.compile(r"(?<![\w.\-])([A-Za-z_][\w.\-]*)\s*[=:]\s*('[^']*'|\"[^\"]*\"|[^\s,;]+)")
# tqdm: "45/100 [00:01<00:02, 30.1it/s, loss=0.1]" or "45it [00:01, …]"; Keras: "10/32 [==>…]".
_TQDM = re.compile(r"(?<![\w.])(\d+)(?:/(\d+))?[A-Za-z]*\s*\[\d+:\d\d")
_KERAS = re.compile(r"^\s*(\d+)/(\d+)\s+(?:\[[=>.]*\]|━)")


def param_text(value: object) -> str:
    """A parameter value as text: strings as they are, everything else as Python prints it."""
    return value if isinstance(value, str) else repr(value)


def flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested config dicts as dotted names, the way Hydra names overrides: ``optimizer.lr``."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _namespace(text: str) -> dict[str, object] | None:
    """The fields of an ``argparse.Namespace(lr=0.1, data='x')`` repr."""
    if not text.startswith("Namespace("):
        return None
    try:
        call = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if not isinstance(call, ast.Call):
        return None
    fields: dict[str, object] = {}
    for keyword in call.keywords:
        try:
            fields[str(keyword.arg)] = ast.literal_eval(keyword.value)
        except (ValueError, SyntaxError, TypeError):
            fields[str(keyword.arg)] = ast.unparse(keyword.value)  # e.g. PosixPath('data')
    return fields


def _config(text: str) -> dict[str, object] | None:
    """The parameters of a config line (``config lr=0.1 optimizer=adam``, ``hparams: {…}``,
    ``Namespace(…)``); None when the line is not one."""
    match = _CONFIG.match(text)
    body = match.group(1).strip() if match else text.strip()
    fields = _namespace(body)
    if fields is None and match:
        fields = _mapping(body) or {
            m.group(1): m.group(2).strip("'\"") for m in _TEXT_PAIR.finditer(body)
        }
    return flatten(fields) if fields else None


def _progress(text: str, out: Parsed) -> None:
    tqdm = _TQDM.search(text)
    keras = _KERAS.match(text) if tqdm is None else None
    found = tqdm or keras
    if found is None:
        return
    total = int(found.group(2)) if found.group(2) else None
    out.progress = (int(found.group(1)), total)
    # A Keras bar's completed line holds the epoch's averages; every other update is one batch's.
    out.batch = tqdm is not None or total is None or out.progress[0] < total


def _as_params(fields: dict[str, object], out: Parsed) -> Parsed:
    for name, value in fields.items():
        out.params[name] = param_text(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.values[name] = float(value)
            out.texts[name] = param_text(value)
    return out


_MAY_HOLD = re.compile(r"[\d=:{]")


def parse_line(line: str, *, loose: bool = False, at_start: bool = False) -> Parsed:
    """The pairs in one line. ``at_start``: nothing was logged yet, so a dict with no step in it
    is the run's configuration (printed before training starts), not metrics."""
    text = normalize(line).rstrip("\r\n")
    out = Parsed(text=text)
    if _MAY_HOLD.search(text) is None:
        return out  # prose: every pair, step, setting and mapping needs one of these
    config = _config(text)
    if config is not None:
        return _as_params(config, out)
    mapping = _mapping(text)
    if mapping is not None:
        if at_start and not STEP_KEYS & {str(k).lower() for k in mapping}:
            return _as_params(flatten(mapping), out)
        _from_mapping(mapping, out)
        return out
    setting = _SETTING.match(text)
    if setting and not loose and (at_start or setting.group(3)):
        # One setting on a line, before training or with a comment: the config, printed.
        return _as_params({setting.group(1): setting.group(2).strip("'\"")}, out)
    _progress(text, out)
    booster = _BOOSTER.match(text)
    body = booster.group(2) if booster else text
    pairs, out.step = read_pairs(body, loose=loose)
    if booster:
        out.step = int(booster.group(1))
    for pair in pairs:
        out.values[pair.name] = pair.value
        out.texts[pair.name] = pair.text
        if pair.unit == "%":
            out.units[pair.name] = "%"
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


SHELL = re.compile(r"(?:ba|da|k|z)?sh")
SHELL_CODE_FLAG = re.compile(r"-[a-z]*c[a-z]*")  # -c, -lc, -ec: the next word is the code
SHELL_OPERATORS = {"&&", "||", ";", ";;", "|", "&", "(", ")"}


def _shell_command(argv: list[str]) -> list[str] | None:
    """``sh -c CODE`` (bash, dash, zsh, ksh; ``-lc`` too): the words of the one command in
    CODE whose parameters are the run's, else None. The shell's own ``-c`` is no parameter
    ``c``, and of ``cd src && python train.py --lr 3`` only the Python command counts; with no
    single such command (``echo a; exit 3``, two scripts) there are no parameters: a wrong name
    is worse than none."""
    if not argv or not SHELL.fullmatch(Path(argv[0]).name):
        return None
    flag = next((i for i, a in enumerate(argv[1:-1], 1) if SHELL_CODE_FLAG.fullmatch(a)), None)
    if flag is None:
        return None
    lexer = shlex.shlex(argv[flag + 1], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # an unclosed quote: nothing can be said of it
        return []
    commands: list[list[str]] = [[]]
    for word in words:
        if word in SHELL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    commands = [c for c in commands if c]
    if len(commands) == 1:
        return commands[0]
    scripts = [c for c in commands if _script_start(c) is not None]
    return scripts[0] if len(scripts) == 1 else []


def _script_start(argv: list[str]) -> int | None:
    """Where a program's own arguments start after a Python script or module (``*.py``,
    ``-m MODULE``, ``python -c CODE``), skipping the interpreter's and a launcher's options
    (``torchrun --nproc 4 train.py``); None when the command runs no Python script."""
    python = bool(argv) and re.fullmatch(r"python[\d.]*", Path(argv[0]).name) is not None
    for i, arg in enumerate(argv):
        if (arg == "-m" or (python and arg == "-c")) and i + 1 < len(argv):
            return i + 2
        if arg.endswith(".py") and not arg.startswith("-"):
            return i + 1
    return None


def _script_args(argv: list[str]) -> list[str]:
    """The arguments a program gets: after its Python script or module when there is one (the
    code of ``python -c CODE`` is no parameter ``c``), else after the program's name."""
    start = _script_start(argv)
    return argv[1:] if start is None else argv[start:]


def _is_value(token: str) -> bool:
    return not token.startswith("-") or re.fullmatch(NUMBER, token) is not None


def parse_args(argv: list[str]) -> dict[str, str]:
    """A command line's parameters: ``--lr 3e-4``, ``--batch-size=64`` (as ``batch_size``, the
    name argparse gives it), ``-e 10``, a bare flag ``--fp16`` (``true``), and ``key=value``
    words, Hydra's ``optimizer.lr=0.1`` and ``+trainer.x=1`` included. Several values after one
    option are kept together when they are all numbers (``--layers 64 128``); otherwise the first
    is the option's and the rest are positional arguments, which are not parameters."""
    params: dict[str, str] = {}
    command = _shell_command(argv)
    args = _script_args(argv if command is None else command)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            continue
        if arg.startswith("-") and not re.fullmatch(NUMBER, arg):
            name, eq, value = arg.lstrip("-").partition("=")
            name = name.replace("-", "_")
            if not re.fullmatch(r"[A-Za-z_][\w.]*", name):
                continue
            if eq:
                params[name] = value
                continue
            values = []
            while i < len(args) and _is_value(args[i]) and "=" not in args[i]:
                values.append(args[i])
                i += 1
            if len(values) > 1 and not all(re.fullmatch(NUMBER, v) for v in values):
                values = values[:1]
            params[name] = " ".join(values) if values else "true"
            continue
        name, eq, value = arg.lstrip("+").partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][\w.\-/]*", name):
            params[name] = value
    return params


class LineReader:
    """A command's output read line by line, as ``watch`` reads it: a dict printed before any
    metric or step is the run's configuration, the same dict later a line of metrics."""

    def __init__(self) -> None:
        # Imported here: shapes reads lines with this module's parse_line.
        from runnotes.capture.shapes import Shapes

        self.started = False
        self.shapes = Shapes()  # once started, the lines a loop repeats are read by their shape

    def read(self, line: str) -> Parsed:
        if self.started:
            return self.shapes.read(line)
        parsed = parse_line(line, at_start=True)
        self.started = bool(parsed.metrics) or parsed.step is not None
        return parsed
