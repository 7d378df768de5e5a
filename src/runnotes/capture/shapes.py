"""Lines of one shape are read one way: the fast path for the lines a training loop repeats.

A loop prints the same line with other numbers thousands of times, and reading each one in full
(:func:`~runnotes.capture.parse.parse_line`: a dozen regexes, segments, names) is what limits
how fast ``watch`` can read a flood of metric lines. Every rule of that reading looks at digits
only as digits (``\\d``, never one digit in particular), so two ASCII lines that differ only in
which digits they hold — the same *shape* — are cut the same way, and each value comes from the
same number of the line. A few rules depend on the values themselves (a name printed twice is
kept only when its values agree; a progress bar is one batch's or the epoch's by its count
against its total; a mapping's integer step); lines with a bar, a mapping or parameters are
always read in full, and the checks below catch a repeated name.

The second time a shape is seen, its line is read in full, then again with the digits of one
number changed (each digit d → d+1 mod 10), for each of its numbers, and once with every digit
0. Each value must change with exactly one number, and a recipe made of that ("``loss`` is the
3rd number") must give exactly what the full reading gives for every one of those lines —
nothing may appear or vanish. A shape that passes keeps its recipe: later lines of that shape
are read with one regex (their numbers) and the recipe. Any other shape is read in full every
time. A wrong recipe would store wrong values, so a test reads real output (``watchset``) and
the parser's own cases both ways, with their digits shuffled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runnotes.capture.pairs import NUMBER
from runnotes.capture.parse import Parsed, normalize, parse_line

MAX_SHAPES = 4096  # shapes remembered; past it they are all forgotten (and learnt again)
MAX_NUMBERS = 32  # a line with more numbers is read in full: learning its shape costs more
_TOKEN = re.compile(NUMBER)
_ZERO = str.maketrans("123456789", "000000000")
_BUMP = str.maketrans("0123456789", "1234567890")
_SEEN = object()  # a shape seen once: learnt when it comes again
_FULL = object()  # a shape that is read in full


@dataclass(frozen=True)
class Recipe:
    """Where a shape's values are: ``(name, index of its number, text after the digits)``."""

    values: tuple[tuple[str, int, str], ...]
    units: tuple[tuple[str, str], ...]
    step: int | None  # the index of the number that is the step

    def apply(self, text: str) -> Parsed:
        numbers = _TOKEN.findall(text)
        out = Parsed(text=text, units=dict(self.units))
        for name, index, suffix in self.values:
            number = numbers[index]
            out.values[name] = float(number)
            out.texts[name] = number + suffix
        if self.step is not None:
            out.step = int(numbers[self.step])
        return out


class Shapes:
    """Reads lines of output (after the first metric or step: ``at_start`` is false), each
    shape learnt once and then read by its recipe."""

    def __init__(self) -> None:
        self.known: dict[str, object] = {}

    def read(self, line: str) -> Parsed:
        text = normalize(line).rstrip("\r\n")
        if not text.isascii():
            return parse_line(line)
        shape = text.translate(_ZERO)
        known = self.known.get(shape)
        if isinstance(known, Recipe):
            return known.apply(text)
        parsed = parse_line(line)
        if known is None:
            if len(self.known) >= MAX_SHAPES:
                self.known.clear()
            self.known[shape] = _SEEN
        elif known is _SEEN:
            self.known[shape] = learn(text, parsed) or _FULL
        return parsed


def learn(text: str, parsed: Parsed) -> Recipe | None:
    """The recipe of ``text``'s shape (``parsed``: its full reading), or None when its values
    cannot be told apart by where they are."""
    if parsed.params or parsed.progress is not None or "{" in text:
        return None
    spans = [m.span() for m in _TOKEN.finditer(text)]
    if len(spans) > MAX_NUMBERS:
        return None
    probes = [_bump(text, start, end) for start, end in spans]
    readings = [parse_line(probe) for probe in probes]
    values: list[tuple[str, int, str]] = []
    for name, value in parsed.values.items():
        moved = [i for i, r in enumerate(readings) if r.values.get(name) != value]
        if len(moved) != 1:
            return None
        index = moved[0]
        number = text[slice(*spans[index])]
        if not parsed.texts.get(name, "").startswith(number):
            return None
        values.append((name, index, parsed.texts[name][len(number) :]))
    step = None
    if parsed.step is not None:
        moved = [i for i, r in enumerate(readings) if r.step != parsed.step]
        if len(moved) != 1:
            return None
        step = moved[0]
    recipe = Recipe(tuple(values), tuple(parsed.units.items()), step)
    checks = [(text, parsed), (text.translate(_ZERO), None), *zip(probes, readings, strict=True)]
    for probe, reading in checks:
        try:
            if recipe.apply(probe) != (reading or parse_line(probe)):
                return None
        except (ValueError, IndexError):
            return None
    return recipe


def _bump(text: str, start: int, end: int) -> str:
    """``text`` with the digits of one number changed, and nothing else."""
    return text[:start] + text[start:end].translate(_BUMP) + text[end:]
