"""Local OCR of the screen around the pointer: text boxes found first, then only the few boxes
the layout rules (``layout.py``) ask for are recognised.

rapidocr ships its PP-OCR models inside the wheel, so nothing is downloaded. Its defaults are slow
and round numbers badly on screen text; the tuning below (measured in FIELD-NOTES) keeps digits
exact. Loading takes over a second, so an agent loads it once. Detection costs about the area
searched and recognition ~20 ms a box (quiet machine), so a like searches a band around the
pointer and reads a handful of boxes; only a table's header or a card's title needs more.
"""

from __future__ import annotations

import math
import re
import threading
from typing import Any

from runnotes.capture.grid import cell_at, cells_above, grey, is_blank
from runnotes.capture.layout import (
    WRAPPED,
    Box,
    Page,
    Reading,
    block_left,
    header_row,
    is_label,
    name_from_table,
    pointed_shape,
    read_pointed,
    row_qualifier,
    same_line,
    step_above,
)
from runnotes.capture.parse import NUMBER, normalize
from runnotes.errors import RunnotesError

TUNING: dict[str, Any] = {
    "Det.limit_type": "max",
    "Det.limit_side_len": 2000,  # no shrinking: screen text is small already
    "Global.use_cls": False,
    # Crops narrower than this are zero-padded to it; screen words are short (~100 px at the
    # model's 48 px height), so the default 320 made recognition twice as slow for nothing.
    "Rec.rec_img_shape": [3, 48, 160],
    "Global.log_level": "error",
}
PAD = 16
# The band found around the pointer: its line and a few lines above; the full screen width
# only when the pointed line runs off its left edge (a name is on the left).
HALF_WIDTH, ABOVE, BELOW = 480, 120, 40
STRIP = (1000, 560)  # found above a bare number: its column's header, a card title
STRIP_BELOW = 40
_TOKEN = re.compile(r"[^\s:=,]+")
_AS_DIGIT = str.maketrans({"l": "1", "I": "1", "|": "1", "!": "1", "O": "0", "o": "0"})
_FULL_NUMBER = re.compile(rf"^{NUMBER}%?$")


def _fix_token(match: re.Match[str]) -> str:
    """Undo the l/1/I confusions screen OCR makes, using the shape of the token around them."""
    token = re.sub(r"(?<=[A-Za-z0-9])~(?=[A-Za-z])", "_", match.group(0))  # "val~loss"
    as_number = token.translate(_AS_DIGIT)
    if as_number != token and any(c.isdigit() for c in token) and _FULL_NUMBER.match(as_number):
        return as_number  # "le-05" → "1e-05", "0.93O1" → "0.9301"
    if _FULL_NUMBER.match(token) or any(c.isupper() for c in token.replace("I", "")):
        return token  # a number, or a name with real capitals (IoU, F1) is left alone
    token = re.sub(r"^top[lI|!]$", "top1", token)
    token = re.sub(r"^1(?=[a-z_])", "l", token)  # "1oss" → "loss", "1r" → "lr"
    return re.sub(r"(?<![0-9])[I!|](?![0-9])", "l", token)  # "Ir" → "lr", "rouge_!" → "rouge_l"


_I_OR_L = re.compile(r"[a-z]I")


def fix_confusions(text: str) -> str:
    return _TOKEN.sub(_fix_token, text)


class OcrEngine:
    """rapidocr, loaded on first use and shared by the threads of one agent (calls serialised)."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._engine is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as exc:
                    raise RunnotesError(
                        "no OCR engine: install rapidocr and opencv-python-headless "
                        "(pip install 'runnotes[screen]')"
                    ) from exc
                self._engine = RapidOCR(params=TUNING)

    def read_at(
        self,
        screen: Any,
        x: float,
        y: float,
        rect: tuple[int, int, int, int] | None = None,
    ) -> Reading:
        """``_read_at``, with a name OCR may have misspelt left in doubt: a capital ``I`` right
        after a small letter (``TruthfuIQA``) is as likely an ``l`` in a proportional font — and
        as likely right (``mIoU``), so neither spelling is stored approved."""
        reading = self._read_at(screen, x, y, rect)
        if reading.name and not reading.why and _I_OR_L.search(reading.name):
            reading.why = f"OCR cannot tell I from l in {reading.name!r}"
        return reading

    def _read_at(
        self,
        screen: Any,
        x: float,
        y: float,
        rect: tuple[int, int, int, int] | None = None,
    ) -> Reading:
        """The value under ``(x, y)`` of a full-screen image (or inside ``rect``), and its name.

        Text is first found in a window around the pointer (cheap: ~50 ms) and only the pointed
        line is recognised; a log line names its own value, so that is all most likes cost. A bare
        number (table cell, card) then needs what is above it: boxes are found again in a tall
        strip above the pointer, and only those in its column are read until a header turns up.
        """
        height, width = screen.shape[:2]
        band = _window(x, y, rect, (width, height))
        near = self.page(screen, band)
        reading = read_pointed(near, x, y, rect)
        wrapped = reading.why.endswith(WRAPPED) and band[2] - band[0] < width
        if (band[0] > 0 and _runs_off_left(near, x, y, band[0])) or wrapped:
            near = self.page(screen, (0, band[1], width, band[3]))
            reading = read_pointed(near, x, y, rect)
        if reading.value is None or reading.named_by == "line" or reading.why:
            if reading.value is not None and reading.step is None:
                reading.step = self._step_above(screen, near, x, y)
            return reading
        page = near
        if not name_from_table(near, reading, x, y, rect, titles=False):
            strip = _strip(x, y, rect, (width, height))
            page = self.page(screen, strip)
            name_from_table(page, reading, x, y, rect)
            band = strip
        if reading.header is not None and reading.qualifier is None and band[0] > 0:
            reading.qualifier = self._row_label(screen, page, x, y, reading.header)
        if reading.named_by in ("column", "title", ""):
            self._name_by_grid(screen, x, y, reading)
        return reading

    def _name_by_grid(self, screen: Any, x: float, y: float, reading: Reading) -> None:
        """Where a sheet draws its grid, the column is the one between the lines around the
        value: its header is the first label up that column (``capture/grid.py``). No label
        there, and the name found by layout is in doubt (pending review)."""
        found = self.grid_header(screen, x, y)
        if found is None:
            return
        header = found[0]
        if header is None:
            reading.why = reading.why or "no header read in the value's column of the grid"
        elif header != reading.name:
            reading.context.pop(header, None)
            reading.name, reading.named_by = header, "column"

    def grid_header(
        self, screen: Any, x: float, y: float, batch: int = 6
    ) -> tuple[str | None] | None:
        """None where no grid is drawn around the point; else ``(label,)`` heading the point's
        grid column, or ``(None,)`` when the column shows no label (numbers all the way up,
        something else first, or the top of the sheet)."""
        g = grey(screen)
        found = cell_at(g, int(x), int(y))
        if found is None:
            return None
        cell, background = found
        todo = [c for c in cells_above(g, cell, background) if not is_blank(g, c, background)]
        for i in range(0, len(todo), batch):
            crops = [
                screen[c.top + 1 : c.bottom, c.left + 1 : c.right, :3] for c in todo[i : i + batch]
            ]
            with self._lock:
                result = self._engine.recognize_txt(crops)
            for raw in result.txts:
                text = fix_confusions(normalize(raw).strip()).strip(" :")
                if re.fullmatch(rf"{NUMBER}%?", text):
                    continue
                return (text if is_label(text) else None,)
        return (None,)

    def _step_above(self, screen: Any, near: Page, x: float, y: float) -> int | None:
        """``Epoch 6/6`` at the start of the line above; those starts may lie left of the band
        (Keras prints the epoch alone, at the left, over a progress line longer than the band),
        and so may the pointed line's own start (Lightning's ``Epoch 1:``)."""
        shape = pointed_shape(near.shapes, x, y)
        if shape is None:
            return None
        step = step_above(near, shape)
        if step is None and near.left > 0:
            top = int(shape.y0 - 2 * shape.height)
            left = self.page(screen, (0, max(top, 0), int(near.left) + 40, math.ceil(shape.y1)))
            step = step_above(left, shape)
        return step

    def _row_label(self, screen: Any, page: Page, x: float, y: float, header: Box) -> str | None:
        """The row label of a table whose start is left of the band (the run or class the value
        is about): the rows from the header line to the value's are found again from the
        screen's left edge, so a label straddling the band's edge is read whole, its column's
        header is known, and a side panel's item on the same line is told from the table."""
        shape = pointed_shape(page.shapes, x, y)
        if shape is None:
            return None
        top, bottom = int(header.y0) - 4, math.ceil(shape.y1) + 4
        left_part = self.page(screen, (0, top, int(shape.x0) - 2, bottom))
        row = sorted((s for s in left_part.shapes if same_line(shape, s)), key=lambda s: s.x0)
        line = sorted((s for s in left_part.shapes if same_line(header, s)), key=lambda b: b.x0)
        if not line:
            return row_qualifier(left_part, row, shape, 0.0, {})
        headers = header_row(left_part, line[-1], row)
        return row_qualifier(left_part, row, shape, block_left(line, line[-1]), headers)

    def page(self, screen: Any, box: tuple[int, int, int, int]) -> Page:
        """Boxes found in ``box`` of the screen (screen coordinates), recognised on demand."""
        import cv2

        self.load()
        left, top, right, bottom = box
        crop = screen[top:bottom, left:right]
        if crop.ndim == 3 and crop.shape[2] == 4:
            crop = crop[:, :, :3]
        # Text touching the edge of the grab is often missed: give the detector a margin.
        padded = cv2.copyMakeBorder(crop, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        with self._lock:
            result = self._engine(padded, use_rec=False)
        shapes = []
        for quad in result.boxes if result.boxes is not None else []:
            xs = [float(p[0]) - PAD + left for p in quad]
            ys = [float(p[1]) - PAD + top for p in quad]
            shapes.append(Box(min(xs), min(ys), max(xs), max(ys)))

        def recognise(todo: list[Box]) -> list[tuple[str, float]]:
            crops = [
                padded[
                    int(b.y0) - top + PAD : math.ceil(b.y1) - top + PAD,
                    int(b.x0) - left + PAD : math.ceil(b.x1) - left + PAD,
                ]
                for b in todo
            ]
            with self._lock:
                result = self._engine.recognize_txt(crops)
            return [
                (fix_confusions(normalize(text).strip()), float(score))
                for text, score in zip(result.txts, result.scores, strict=True)
            ]

        def measure(box: Box) -> list[tuple[float, float]]:
            return ink_words(padded, box, left - PAD, top - PAD)

        def underscore(a: Box, b: Box) -> bool:
            return underscore_between(padded, a, b, left - PAD, top - PAD)

        lines: dict[tuple[int, int, int], Page] = {}

        def line_left(box: Box) -> Page:
            key = (int(box.y0) - 4, max(int(box.x0) - 2, 1), math.ceil(box.y1) + 4)
            if key not in lines:
                lines[key] = self.page(screen, (0, key[0], key[1], key[2]))
            return lines[key]

        return Page(shapes, recognise, measure, underscore, line_left, float(left), float(right))


def underscore_between(image: Any, a: Box, b: Box, dx: float, dy: float) -> bool:
    """An underscore where two boxes meet: a short ink stroke low across their boundary with
    nothing above it there (a table's grid line runs on far longer; a space leaves no ink)."""
    import numpy as np

    height = max(a.height, b.height)
    m = int((a.x1 + b.x0) / 2 - dx)
    y0, y1 = int(min(a.y0, b.y0) - dy), math.ceil(max(a.y1, b.y1) - dy) + 3
    x0, x1 = max(m - int(2.5 * height), 0), m + int(2.5 * height)
    gray = image[max(y0, 0) : y1, x0:x1].mean(axis=2)
    if gray.shape[0] < 6 or not 0 <= m - x0 < gray.shape[1]:
        return False
    ink = np.abs(gray - np.median(gray)) > 48
    # The boxes' boundary may cut a letter's edge: look a few columns either side.
    return any(
        _stroke_at(ink, c, height) for c in range(m - x0 - 3, m - x0 + 4) if 0 <= c < ink.shape[1]
    )


def _stroke_at(ink: Any, c: int, height: float) -> bool:
    """A short horizontal stroke in the lower half of column ``c`` with no ink above it. Each
    low ink row is tried, lowest first: a table's grid line just under the text (Calc's header
    row) is too long to be the underscore, but the underscore may sit right above it."""
    column = ink[:, c]
    for r in range(len(column) - 1, len(column) // 2 - 1, -1):
        if not column[r]:
            continue
        if column[len(column) // 5 : max(r - 2, 0)].any():
            return False  # a letter's stroke, not an underscore
        left = right = c
        while left > 0 and ink[r, left - 1]:
            left -= 1
        while right < ink.shape[1] - 1 and ink[r, right + 1]:
            right += 1
        if 0.3 * height <= right - left + 1 < 2.4 * height:
            return True
    return False


def ink_words(image: Any, box: Box, dx: float, dy: float) -> list[tuple[float, float]]:
    """The x-spans (screen pixels) of the ink clusters in a box: letters of a word touch or
    nearly touch, words are a space apart, so gaps wider than 0.3 of the height split."""
    import numpy as np

    y0, y1 = int(box.y0 - dy), math.ceil(box.y1 - dy)
    x0, x1 = int(box.x0 - dx), math.ceil(box.x1 - dx)
    gray = image[max(y0, 0) : y1, max(x0, 0) : x1].mean(axis=2)
    if gray.size == 0:
        return []
    background = np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]))
    ink = (np.abs(gray - background) > 48).any(axis=0)
    min_gap = max(3, round(0.3 * (y1 - y0)))
    spans, start, gap = [], None, 0
    for i, on in enumerate(ink):
        if on:
            if start is None:
                start = i
            elif gap >= min_gap:
                spans.append((start, i - gap))
                start = i
            gap = 0
        elif start is not None:
            gap += 1
    if start is not None:
        spans.append((start, len(ink) - gap))
    return [(s + x0 + dx, e + x0 + dx) for s, e in spans]


def _window(
    x: float, y: float, rect: tuple[int, int, int, int] | None, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The pointer's band of the screen, from a few lines above (``Epoch 3/6``) to just below;
    around a rectangle, it and its margin."""
    left, right = x - HALF_WIDTH, x + HALF_WIDTH
    top, bottom = y - ABOVE, y + BELOW
    if rect is not None:
        left, right = min(left, rect[0] - 200), max(right, rect[0] + rect[2] + 200)
        top, bottom = min(top, rect[1] - BELOW), max(bottom, rect[1] + rect[3] + BELOW)
    return _clip(left, top, right, bottom, size)


def _runs_off_left(page: Page, x: float, y: float, edge: float) -> bool:
    """Does the pointed line start at the band's left edge (its name may lie beyond)?"""
    shape = pointed_shape(page.shapes, x, y)
    row = [s for s in page.shapes if shape is not None and same_line(shape, s)]
    return bool(row) and min(s.x0 for s in row) <= edge + 10


def _strip(
    x: float, y: float, rect: tuple[int, int, int, int] | None, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A tall strip above the pointer, where headers and card titles are."""
    if rect is not None:
        x, y = rect[0] + rect[2] / 2, rect[1] + rect[3] / 2
    return _clip(x - STRIP[0] / 2, y - STRIP[1], x + STRIP[0] / 2, y + STRIP_BELOW, size)


def _clip(
    x0: float, y0: float, x1: float, y1: float, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    width, height = size
    return max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1))
