"""Which number the pointer is on, and what a person would call it, from OCR boxes.

A like is one value: the number under the pointer. Its name comes from the layout around it, in
the order a person reads a screen:

1. a label on the same line (``val_acc: 0.93``, ``val_acc=0.93``, ``'eval_loss': 0.41``, or
   ``bleu 27.4`` in a log line — not the first cell of a table row);
2. the header of its column: rows are split into columns at the gaps between the cells of the
   value's row, so a left-aligned header over right-aligned numbers stays in its column, a header
   box that OCR merged over several columns is split word by word, and headers any distance above
   count; the row's first text cell is kept as a qualifier (the class of a classification report,
   the run of a runs table), and a ``Step``/``Epoch`` column of the row gives the step;
3. a card or panel title above (also when the header is a generic ``Value``/``Smoothed``);
4. in a property sheet (MLflow's compare page: ``Run Name:  a  b  c`` over ``val_acc  0.91
   0.88  0.93``) the columns are runs: the value's row label names it, the cell of the
   ``Key:`` line above says which run (the qualifier). Times and quantities with a unit
   (``06:09:05 AM``, ``297ms``) on the way up are values, never headers.

Recognition is the slow part of OCR (~20 ms a box), so the functions here ask the ``Page`` for
the text of the boxes they need, a few at a time, and never read the whole screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from runnotes.capture.parse import NUMBER, STEP_KEYS

NUMBER_TOKEN = re.compile(rf"(?<![\w.])({NUMBER})(%?)(?![\w.])")
_BARE = re.compile(rf"^\s*[(\[]?({NUMBER})(%?)[)\]]?\s*$")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_CODE = re.compile(r"['\"{}\[\],=]")
_TITLE = re.compile(r"^[A-Za-z_][\w./\-]*$")
# A quantity with a short unit or a time of day (``297ms``, ``0.5s``, ``06:09:05 AM``): a value.
_MEASURE = re.compile(r"^\d[\d.,:/\s]*[A-Za-z]{1,3}$")
# A name and its value on one line: ``name: v``, ``name=v``, ``'name': v`` (dict reprs).
_STRICT = re.compile(
    rf"(?<![\w.\-])['\"]?([A-Za-z_][\w./\-]*)['\"]?\s*[:=]\s*({NUMBER})(%?)(?![\w.])"
)
_LOOSE = re.compile(rf"(?<![\w.\-])([A-Za-z_][\w./\-]*)\s+({NUMBER})(%?)(?![\w.])")
# A line that starts inside a quoted key (``er_second': 405.2``): the key began on the line above.
_CONTINUED = re.compile(r"^\s*(\w+)['\"]\s*:")
_KEY_START = re.compile(r"['\"](\w*)$")
_EPOCH_ABOVE = re.compile(r"^\s*(?:epoch|step|iter(?:ation)?)\s*[:=]?\s*(\d+)\b", re.I)
_BOOSTER_START = re.compile(r"^\s*\[(\d+)\](?!:)")  # XGBoost's [12]; not Jupyter's [12]:
_STEP_IN_LINE = re.compile(r"\b(?:epoch|step|iter|iteration|global_step)\b\s*[:=]?\s*(\d+)", re.I)
# Headers of the column that names a table's rows (its cells qualify, they are not values).
ROW_LABEL_HEADERS = {"run", "run name", "name", "model", "class", "label", "runs"}
# Headers that say which series, not which metric: the name is the card's title.
GENERIC_HEADERS = {"value", "values", "smoothed", "raw", "current", "latest"}
# Words before a number that are not names of what it measures.
NOT_NAMES = {"eta", "time", "elapsed", "remaining", "it", "s", "ms", "line", "pid", "port"}
WRAPPED = "may be cut where the line wraps"
POINTER_SLACK = 4.0  # px around a box that still count as "under the pointer"


@dataclass(frozen=True)
class Box:
    """One text box: an axis-aligned rectangle in screen pixels, and its text once recognised."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    # Pixel spans of the ink clusters (words) of the text, when measured.
    words: tuple[tuple[float, float], ...] = field(default=(), compare=False, hash=False)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def shape(self) -> Box:
        return Box(self.x0, self.y0, self.x1, self.y1)

    def distance(self, x: float, y: float) -> float:
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.y0 - y, 0.0, y - self.y1)
        return (dx * dx + dy * dy) ** 0.5

    def char_span(self, start: int, end: int) -> tuple[float, float]:
        """Where characters ``start:end`` of the text lie: inside the word's own ink when the
        words were measured (proportional fonts: a space is narrower than a digit), else
        assuming even character widths."""
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", self.text)]
        if self.words and len(self.words) == len(words):
            for (w0, w1), (x0, x1) in zip(words, self.words, strict=True):
                if w0 <= start < w1 or (start <= w0 and end > w0):
                    per = (x1 - x0) / max(w1 - w0, 1)
                    return x0 + (max(start, w0) - w0) * per, x0 + (min(end, w1) - w0) * per
        per = (self.x1 - self.x0) / max(len(self.text), 1)
        return self.x0 + start * per, self.x0 + end * per


@dataclass
class Page:
    """Detected boxes (no text yet) and a way to recognise some of them, cached; ``measure``
    gives the x-spans of a box's ink clusters (its words)."""

    shapes: list[Box]
    recognise: Callable[[list[Box]], list[tuple[str, float]]]
    measure: Callable[[Box], list[tuple[float, float]]] | None = None
    # True when ink runs along the bottom of the gap between two boxes: an underscore that
    # split one name into two boxes (``val`` ``loss`` → ``val_loss``).
    underscore: Callable[[Box, Box], bool] | None = None
    # A page of the line through a box, from the screen's left edge to the box: a row label or
    # a sheet's key may lie past this page's own left edge (at ``left``).
    line_left: Callable[[Box], Page] | None = None
    left: float = 0.0
    right: float = float("inf")  # the screen x of the page's right edge: a line may go on
    read: dict[Box, Box] = field(default_factory=dict)
    scores: dict[Box, float] = field(default_factory=dict)

    def texts(self, shapes: list[Box]) -> list[Box]:
        todo = [s for s in dict.fromkeys(shapes) if s not in self.read]
        if todo:
            for shape, (read, score) in zip(todo, self.recognise(todo), strict=True):
                text = self._underscores(shape, read)
                words = tuple(self.measure(shape)) if self.measure and " " in text else ()
                self.read[shape] = Box(shape.x0, shape.y0, shape.x1, shape.y1, text, words)
                self.scores[shape] = score
        return [self.read[s] for s in shapes]

    def _underscores(self, shape: Box, text: str) -> str:
        """A space the recogniser put between two letters where the ink shows an underscore
        (``val loss=0.795`` for ``val_loss=0.795``) is an underscore again."""
        if self.underscore is None or " " not in text:
            return text
        per = (shape.x1 - shape.x0) / len(text)

        def fix(m: re.Match[str]) -> str:
            x = shape.x0 + (m.start() + 0.5) * per
            a, b = Box(shape.x0, shape.y0, x, shape.y1), Box(x, shape.y0, shape.x1, shape.y1)
            return "_" if self.underscore(a, b) else " "  # type: ignore[misc]

        return re.sub(r"(?<=[A-Za-z]) (?=[A-Za-z])", fix, text)


@dataclass
class Reading:
    """What the pointer is on: one value (or why there is none), its name and its context."""

    value: float | None = None
    text: str = ""  # the exact digits shown, e.g. "3e-4", "76.13%"
    name: str | None = None
    named_by: str = ""  # "line", "column", "title" or ""
    qualifier: str | None = None  # the row label of a table (class, run)
    header: Box | None = None  # where the column's header was found
    step: int | None = None
    line: str = ""  # the text of the value's line or row
    context: dict[str, str] = field(default_factory=dict)  # other values of the line/row
    score: float = 1.0  # the recogniser's confidence in the value's box
    why: str = ""  # when there is no value: why not

    @property
    def unit(self) -> str | None:
        return "%" if self.text.endswith("%") else None


def same_line(a: Box, b: Box) -> bool:
    return a.y0 <= b.cy <= a.y1 or b.y0 <= a.cy <= b.y1


def group_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes whose vertical centres fall inside each other's extent form one line, left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in lines:
            if same_line(line[0], box):
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def row_of(target: Box, shapes: list[Box]) -> list[Box]:
    return sorted([s for s in shapes if same_line(target, s)], key=lambda b: b.x0)


def line_of(target: Box, shapes: list[Box]) -> list[Box]:
    """The boxes of the target's line, each cut to the line's height: the detector sometimes
    finds one box over the same short text of several lines (XGBoost's ``[3]`` and ``[4]``
    one above the other), and recognising it whole reads neither."""
    tall = 1.5 * target.height
    return [
        Box(s.x0, target.y0, s.x1, target.y1) if s.height > tall else s
        for s in row_of(target, shapes)
    ]


def pointed_shape(shapes: list[Box], x: float, y: float) -> Box | None:
    """The box under the pointer (a few px of slack)."""
    near = [s for s in shapes if s.distance(x, y) <= POINTER_SLACK]
    return min(near, key=lambda s: (s.distance(x, y), abs(s.cy - y)), default=None)


def _in_rect(shapes: list[Box], rect: tuple) -> list[Box]:
    rx, ry, rw, rh = rect
    return [s for s in shapes if s.x0 < rx + rw and rx < s.x1 and ry <= s.cy <= ry + rh]


@dataclass
class _Token:
    start: int
    end: int
    number: str
    percent: str


def numbers_in(text: str) -> list[_Token]:
    return [
        _Token(m.start(1), m.end(2), m.group(1), m.group(2)) for m in NUMBER_TOKEN.finditer(text)
    ]


def adjacent(a: Box, b: Box) -> bool:
    """Two boxes of one line close enough to be parts of one name."""
    height = max(a.height, b.height)
    return -0.5 * height <= b.x0 - a.x1 < 0.6 * height  # detector boxes may overlap a little


def _neighbourhood(line: list[Box], shape: Box) -> list[Box]:
    """The boxes of a line worth reading: the pointed one, its neighbours (a label, or the next
    number that makes it a table row; a name OCR split at underscores is several boxes) and the
    first one (``[12]``, ``Epoch 3:``)."""
    i = line.index(shape)
    first = i - 1
    while first > 0 and adjacent(line[first - 1], line[first]):
        first -= 1
    keep = {0, *range(first, i + 3)} & set(range(len(line)))  # "val" "_acc:" "0.93"
    return [line[j] for j in sorted(keep)]


def glue(page: Page, a: Box, b: Box) -> str:
    """What joins two adjacent boxes: ``_`` over an underscore, else a space."""
    return "_" if page.underscore is not None and page.underscore(a, b) else " "


def merge_adjacent(page: Page, boxes: list[Box]) -> list[Box]:
    """Recognised boxes of one line with the parts of split names joined again."""
    out: list[Box] = []
    for box in sorted(boxes, key=lambda b: b.x0):
        joined = out and adjacent(out[-1], box) and "_" in (out[-1].text[-1:], box.text[:1])
        if joined or (out and adjacent(out[-1], box) and glue(page, out[-1], box) == "_"):
            prev = out[-1]
            text = prev.text + ("" if joined else "_") + box.text
            out[-1] = Box(prev.x0, min(prev.y0, box.y0), box.x1, max(prev.y1, box.y1), text)
        else:
            out.append(box)
    return out


GAP = " … "  # between boxes of a line that were not read: no pair spans it


def join_line(line: list[Box], page: Page | None = None) -> tuple[str, list[int]]:
    """A line's text and where each box starts in it: parts of a split name joined (``_`` or a
    space), neighbouring boxes two spaces apart, ``…`` across a wide gap or skipped boxes."""
    parts, starts, at = [], [], 0
    for k, box in enumerate(line):
        if k:
            prev = line[k - 1]
            if adjacent(prev, box) and "_" in (prev.text[-1:], box.text[:1]):
                sep = ""  # OCR kept the underscore in one of the parts
            elif adjacent(prev, box) and page is not None and glue(page, prev, box) == "_":
                sep = "_"
            else:
                sep = "  " if box.x0 - prev.x1 < 3 * box.height else GAP
            parts.append(sep)
            at += len(sep)
        starts.append(at)
        parts.append(box.text)
        at += len(box.text)
    return "".join(parts), starts


def _pairs(text: str) -> list[tuple[str, int, int, int, int]]:
    """``(name, name_start, name_end, value_start, value_end)`` for every pair on a line.

    Strict pairs (``:``, ``=``) first; a loose ``name value`` pair only when the number is not
    followed by another bare number (``model_a 0.91 0.88`` is a table row, not ``model_a=0.91``).
    """
    out = []
    taken: set[int] = set()
    for m in _STRICT.finditer(text):
        out.append((m.group(1), m.start(1), m.end(1), m.start(2), m.end(3)))
        taken.add(m.start(2))
    for m in _LOOSE.finditer(text):
        if m.start(2) in taken or m.group(1).lower() in NOT_NAMES:
            continue
        following = text[m.end(3) :].split()
        if following and _BARE.match(following[0]):
            continue
        out.append((m.group(1), m.start(1), m.end(1), m.start(2), m.end(3)))
    return [p for p in out if p[0].lower() not in NOT_NAMES]


def _token_at(box: Box, x: float, rect: tuple | None) -> _Token | None:
    """The number of ``box`` under ``x`` (or inside the rectangle), within half a character."""
    tokens = numbers_in(box.text)
    if not tokens:
        return None
    per = (box.x1 - box.x0) / max(len(box.text), 1)
    if rect is not None:
        rx, _, rw, _ = rect
        inside = [
            t for t in tokens if rx - per <= sum(box.char_span(t.start, t.end)) / 2 <= rx + rw + per
        ]
        return min(
            inside, key=lambda t: abs(sum(box.char_span(t.start, t.end)) / 2 - x), default=None
        )
    best = None
    for token in tokens:
        left, right = box.char_span(token.start, token.end)
        gap = max(left - x, 0.0, x - right)
        if gap <= per * 0.75 + POINTER_SLACK and (best is None or gap < best[0]):
            best = (gap, token)
    return best[1] if best else None


def _dist(box: Box, token: _Token, x: float) -> float:
    return abs(sum(box.char_span(token.start, token.end)) / 2 - x)


def is_label(text: str) -> bool:
    """Header-like text: letters, not a number, not code (quotes, braces, commas: a dict line)."""
    return (
        bool(_HAS_LETTER.search(text))
        and not _BARE.match(text)
        and not _CODE.search(text)
        and not _MEASURE.match(text)
    )


def _lines_left(page: Page, shape: Box) -> Iterator[tuple[Page, list[Box]]]:
    """``shape``'s line left of it, nearest box first: on this page (boxes cut by its left
    edge left out), then over the whole line when the page does not reach the screen's left
    edge (one more detection: only when the page did not have what was looked for)."""
    row = [b for b in row_of(shape, page.shapes) if b.x1 <= shape.x0 + 2]
    yield page, [b for b in row[::-1] if page.left == 0 or b.x0 > page.left + 3]
    if page.line_left is not None and page.left > 0:
        wide = page.line_left(shape)
        yield wide, [b for b in row_of(shape, wide.shapes) if b.x1 <= shape.x0 + 2][::-1]


def row_label(page: Page, shape: Box) -> Box | None:
    """The nearest label left of a value on its line, across the other numbers of the row."""
    for near, row in _lines_left(page, shape):
        for i in range(0, len(row), 2):  # nearest first, two at a time: each read costs
            for box in near.texts(row[i : i + 2]):
                if is_label(box.text):
                    return box
                if not _BARE.match(box.text):
                    return None
    return None


def sheet_key(page: Page, header: Box, label: Box) -> str | None:
    """The key of a property sheet's line (``Run Name:`` of ``Run Name: a b c``), in the column
    of the value's row label: a line that starts with ``Key:`` lists one thing per column, it is
    not a row of column headers."""
    for near, row in _lines_left(page, header):
        keys = [b for b in row if _overlaps(b, label.x0, label.x1)]
        if keys:
            key = near.texts(keys[-1:])[0].text.strip()
            return key[:-1] if key.endswith(":") and is_label(key[:-1]) else None
    return None


def read_pointed(page: Page, x: float, y: float, rect: tuple | None = None) -> Reading:
    """The value under the pointer with its name from its own line; ``named_by`` is empty when
    the line does not name it (the caller then looks at the column and the titles above).

    With a dragged rectangle, the number inside it nearest its middle is the value (OCR may
    have one box for ``name: value``, only part of which is inside)."""
    if rect is not None:
        token, shape = None, None
        for box in page.texts(_in_rect(page.shapes, rect)):
            found = _token_at(box, x, rect)
            if found and (
                token is None or _dist(box, found, x) < _dist(page.read[shape], token, x)  # type: ignore[index]
            ):
                token, shape = found, box.shape()
        if shape is None:
            return Reading(why="no number inside the rectangle")
    else:
        shape = pointed_shape(page.shapes, x, y)
        if shape is None:
            return Reading(why="no text under the pointer")
    line = page.texts(_neighbourhood(line_of(shape, page.shapes), shape))
    box = page.read[shape]
    text, starts = join_line(line, page)
    offset = starts[line.index(box)]
    token = _token_at(box, x, rect) if rect is None else token
    pairs = _pairs(text)
    if token is None and rect is None:
        # On the name of a pair, its value is meant ("val_acc" of "val_acc: 0.93").
        per = (box.x1 - box.x0) / max(len(box.text), 1)
        at = offset + int((x - box.x0) / per) if per else offset
        k = line.index(box)
        if k + 1 < len(line) and adjacent(box, line[k + 1]) and is_label(box.text):
            at = starts[k + 1]  # "val" of "val" + "acc: 0.93", split at the underscore
        for _, n0, n1, v0, v1 in pairs:
            if n0 <= at < n1:
                value = text[v0:v1]
                token = _Token(
                    v0 - offset, v1 - offset, value.rstrip("%"), value[len(value.rstrip("%")) :]
                )
                break
    if token is None:
        return Reading(line=text, why=f"no number under the pointer (it is on {box.text!r})")
    reading = Reading(
        value=float(token.number),
        text=token.number + token.percent,
        line=text,
        score=page.scores.get(shape, 1.0),
    )
    start = offset + token.start
    for name, n0, _, v0, _ in pairs:
        if v0 == start:
            reading.name, reading.named_by = name, "line"
            if _CONTINUED.match(text) and n0 == _CONTINUED.match(text).start(1):  # type: ignore[union-attr]
                wrapped = wrapped_key(page, line[0])
                if wrapped is None:
                    reading.why = f"the name {name!r} {WRAPPED}"
                reading.name = (wrapped or "") + name
        else:
            reading.context[name] = text[v0 : v0 + len(text[v0:].split()[0])].rstrip(",;}")
    if reading.name is None and _STRICT.search(text):
        # A log or dict line names its values; this one it does not (cut off, or misread):
        # a header further up would belong to some other block of text.
        reading.why = "the line names other values but not this one"
    step = _BOOSTER_START.match(text) or _STEP_IN_LINE.search(text)
    if step and step.start(1) != start:
        reading.step = int(step.group(1))
    return reading


def wrapped_key(page: Page, first: Box) -> str | None:
    """The start of a quoted key that a wrapped line cut: the end of the line just above
    (``… 'eval_samples_p`` over ``er_second': 405.2``), or None when that line does not end
    inside an open quote (then the name is in doubt)."""
    above = [
        ln
        for ln in group_lines(
            [s for s in page.shapes if s.cy < first.y0 and first.y0 - s.y1 < first.height]
        )
    ]
    if not above:
        return None
    last = max(above, key=lambda ln: ln[0].cy)[-1]
    if last.x1 >= page.right - 3:
        return None  # the line above goes on beyond the page
    m = _KEY_START.search(page.texts([last])[0].text.rstrip())
    return m.group(1) if m else None


def _columns(row: list[Box], target: Box) -> tuple[float, float]:
    """The x-interval of the target's column: halfway to the neighbouring cells of its row."""
    i = row.index(target)
    width = target.x1 - target.x0
    left = (row[i - 1].x1 + target.x0) / 2 if i > 0 else target.x0 - max(width, 60.0)
    right = (target.x1 + row[i + 1].x0) / 2 if i + 1 < len(row) else target.x1 + max(width, 60.0)
    return left, right


def _in_column(box: Box, left: float, right: float) -> str | None:
    """The part of a recognised box inside the column: whole, or its words whose middles are in
    it (a header box OCR merged over several columns)."""
    inside_bounds = box.x0 >= left - 4 and box.x1 <= right + 4
    if inside_bounds or (" " not in box.text and left <= box.cx <= right):
        return box.text
    if not is_label(box.text):
        return None  # a date or a code line is not a header merged over columns: no word of it
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", box.text)]
    inside = [box.text[s:e] for s, e in words if left <= sum(box.char_span(s, e)) / 2 <= right]
    return " ".join(inside) or None


def _overlap(a: Box, b: Box) -> float:
    """How far two boxes overlap horizontally (a header over its value: left-aligned headers
    over right-aligned numbers still overlap their own column's value most)."""
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))


def _overlaps(box: Box, left: float, right: float) -> bool:
    return box.x0 < right and left < box.x1


def column_header(page: Page, target: Box, batch: int = 4) -> tuple[str, Box] | None:
    """The nearest label above the target in its column, read a few lines at a time."""
    row = row_of(target, page.shapes)
    left, right = _columns(row, target)
    above = [
        ln
        for ln in group_lines(
            [s for s in page.shapes if s.cy < target.y0 and not same_line(s, target)]
        )
    ]
    above.sort(key=lambda ln: -ln[0].cy)
    pending = [[s for s in ln if _overlaps(s, left, right)] for ln in above]
    pending = [c for c in pending if c]
    for i in range(0, len(pending), batch):
        chunk = pending[i : i + batch]
        page.texts([s for cells in chunk for s in cells])
        for cells in chunk:
            merged = merge_adjacent(page, [page.read[s] for s in cells])
            for box in sorted(merged, key=lambda b: (-_overlap(b, target), abs(b.cx - target.cx))):
                part = _in_column(box, left, right)
                if part and is_label(part):
                    return part.strip(" :"), box
        batch *= 2
    return None


def header_row(page: Page, header: Box, row: list[Box]) -> dict[Box, str]:
    """Each cell of ``row`` with the header text of its column (the header line read once)."""
    line = merge_adjacent(page, page.texts(row_of(header, page.shapes)))
    out = {}
    for cell in row:
        left, right = _columns(row, cell)
        for box in line:
            part = _in_column(box, left, right)
            if part and is_label(part):
                out[cell] = part.strip(" :")
                break
    return out


def block_left(line: list[Box], box: Box) -> float:
    """Where the table a header box belongs to starts: boxes to its left with no wide gap."""
    i = min(range(len(line)), key=lambda j: abs(line[j].cx - box.cx))
    box = line[i]
    while i > 0 and box.x0 - line[i - 1].x1 < 12 * box.height:
        i, box = i - 1, line[i - 1]
    return box.x0


def title_above(page: Page, top: float, left: float, right: float, most: int = 30) -> str | None:
    """The nearest identifier-like label above ``top`` over ``left..right`` (a card title),
    reading candidates nearest first a few at a time (axis ticks and numbers in between)."""
    candidates = sorted(
        [s for s in page.shapes if s.y1 <= top and _overlaps(s, left, right)],
        key=lambda s: top - s.y1,
    )[:most]
    batch = 6
    for i in range(0, len(candidates), batch):
        for box in page.texts(candidates[i : i + batch]):
            text = box.text.strip(" :")
            if _TITLE.match(text) and len(text) > 1 and text.lower() not in GENERIC_HEADERS:
                return text
        batch *= 2
    return None


def step_above(page: Page, target: Box) -> int | None:
    """``Epoch 6/6`` (or ``Step 12``) starting the target's own line or the line just above it
    (Keras prints the epoch on its own line over the progress bar). Only the nearest line: an
    epoch further up heads some other block (XGBoost's ``[0]`` printed after a Keras run's
    ``Epoch 4/4`` is not epoch 4), and a missing step is better than a wrong one."""
    lines = group_lines(
        [s for s in page.shapes if s.y1 <= target.y1 + 2 and target.y0 - s.cy < 2 * target.height]
    )
    lines = [ln for ln in lines if ln[0].cy < target.y1]
    lines.sort(key=lambda ln: -ln[0].cy)
    for line in lines[:2]:  # the target's own line (when on the page), then the one above
        m = _EPOCH_ABOVE.match(page.texts([line[0]])[0].text)
        if m:
            return int(m.group(1))
        if not same_line(line[0], target):
            break
    return None


def name_from_table(
    page: Page, reading: Reading, x: float, y: float, rect: tuple | None, titles: bool = True
) -> bool:
    """Fill name, qualifier, step and context of a bare number from its column and titles.

    With ``titles=False`` (a first look in a small band) only a specific column header counts:
    returns False when the caller should look again, higher up."""
    shape = pointed_shape(page.shapes, x, y)
    if rect is not None:
        inside = _in_rect(page.shapes, rect)
        shape = min(inside, key=lambda s: s.distance(x, y), default=None)
    if shape is None:
        return False
    found = column_header(page, shape)
    row = row_of(shape, page.shapes)
    if found is None or (not titles and found[0].lower() in GENERIC_HEADERS):
        if not titles:
            return False
        reading.name = title_above(page, shape.y0, shape.x0 - 20, shape.x1)
        reading.named_by = "title" if reading.name else ""
        return True
    header, header_shape = found
    page.texts(row)
    label = row_label(page, shape)
    if label is not None and sheet_key(page, header_shape, label):
        # Columns are runs (MLflow's compare page): the sheet's line above says which run, the
        # value's own row label says what it is.
        reading.name, reading.named_by, reading.qualifier = label.text, "row", header
        return True
    headers = header_row(page, header_shape, row)
    reading.name, reading.named_by = header, "column"
    if header.lower() in GENERIC_HEADERS:
        left = block_left(row_of(header_shape, page.shapes), header_shape)
        title = title_above(page, header_shape.y0, left - 20, shape.x1)
        if title:
            reading.name, reading.named_by = title, "title"
            reading.qualifier = None
    for cell in row:
        if cell == shape:
            continue
        text = page.read[cell].text
        head = headers.get(cell)
        if head and head.lower() in STEP_KEYS:
            text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # "1,100"
        bare = _BARE.match(text)
        if head and head.lower() in STEP_KEYS and bare:
            reading.step = int(float(bare.group(1)))
        elif head and bare:
            reading.context[head] = bare.group(1) + bare.group(2)
    reading.header = header_shape
    left = block_left(row_of(header_shape, page.shapes), header_shape)
    # Left of the page the table may go on: only a cell under a Run/Name column is sure.
    reading.qualifier = row_qualifier(page, row, shape, left, headers, named_only=page.left > 0)
    return True


def row_qualifier(
    page: Page,
    row: list[Box],
    value: Box,
    left: float,
    headers: dict[Box, str],
    named_only: bool = False,
) -> str | None:
    """The row's label (the run of a runs table, the class of a report): the text cell left of
    the value under a ``Run``/``Name``/``Model`` header, else the row's first text cell inside
    the table. The table starts at ``left``, where its header line starts; a label column may
    have no header (a classification report), so a cell a little left of that still counts, a
    side panel's item far left of it does not. A cell cut by the page's edge is not read."""
    cells = [
        c
        for c in row
        if (page.left <= 0 or page.left + 3 < c.x0)
        and c.x1 < value.x0
        and c.x1 >= left - 3 * c.height
    ]
    named = [c for c in cells if headers.get(c, "").lower() in ROW_LABEL_HEADERS]
    for cell in named + ([] if named_only else cells):
        text = re.sub(r"^\W+", "", page.texts([cell])[0].text)  # a run's colour dot, a checkbox
        if is_label(text) and len(text) > 1:  # a lone "O" is a colour dot read as a letter
            return text
    return None
