"""Local OCR of a screen region, and turning its boxes into the values nearest the pointer.

rapidocr ships its PP-OCR models inside the wheel, so nothing is downloaded. Its defaults are slow
and round numbers badly on screen text; the tuning below (measured in FIELD-NOTES) keeps digits
exact; a like's OCR takes ~0.2 s on 2 cores. Loading takes over a second, so an agent loads it once.

Screen text comes in three layouts: a log line (``val_acc: 0.9321``, parsed as is), a table (a row
of bare numbers under a header row) and dashboard cards (a label above a big number). A bare
number is therefore named by the nearest label above it in the same column.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from runnotes.capture.parse import NUMBER, STEP_KEYS, normalize, parse_line
from runnotes.errors import RunnotesError

TUNING: dict[str, Any] = {
    "Det.limit_type": "max",
    "Det.limit_side_len": 960,
    "Global.use_cls": False,
    # Crops narrower than this are zero-padded to it; screen words are short (~100 px at the
    # model's 48 px height), so the default 320 made recognition twice as slow for nothing.
    "Rec.rec_img_shape": [3, 48, 160],
    "Global.log_level": "error",
}
PAD = 16
_BARE_NUMBER = re.compile(rf"^\s*({NUMBER})(%?)\s*$")
_LABEL = re.compile(r"^[A-Za-z_][\w./\-]*$")
_TOKEN = re.compile(r"[^\s:=,]+")
_AS_DIGIT = str.maketrans({"l": "1", "I": "1", "|": "1", "!": "1", "O": "0", "o": "0"})
_FULL_NUMBER = re.compile(rf"^{NUMBER}%?$")


def _fix_token(match: re.Match[str]) -> str:
    """Undo the l/1/I confusions screen OCR makes, using the shape of the token around them."""
    token = match.group(0)
    as_number = token.translate(_AS_DIGIT)
    if as_number != token and any(c.isdigit() for c in token) and _FULL_NUMBER.match(as_number):
        return as_number  # "le-05" → "1e-05", "0.93O1" → "0.9301"
    if _FULL_NUMBER.match(token) or any(c.isupper() for c in token.replace("I", "")):
        return token  # a number, or a name with real capitals (IoU, F1) is left alone
    token = re.sub(r"^top[lI|!]$", "top1", token)
    token = re.sub(r"^1(?=[a-z_])", "l", token)  # "1oss" → "loss", "1r" → "lr"
    return re.sub(r"(?<![0-9])[I!|](?![0-9])", "l", token)  # "Ir" → "lr", "rouge_!" → "rouge_l"


def fix_confusions(text: str) -> str:
    return _TOKEN.sub(_fix_token, text)


@dataclass(frozen=True)
class Box:
    """One text box found by OCR, as an axis-aligned rectangle in region pixels."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def distance(self, x: float, y: float) -> float:
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.y0 - y, 0.0, y - self.y1)
        return (dx * dx + dy * dy) ** 0.5


@dataclass
class Found:
    """The values of the text line nearest the pointer, with the exact text each came from."""

    values: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    step: int | None = None
    line: str = ""
    all_text: str = ""


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

    def read_near(self, bgr: Any, x: float, y: float, lines_tried: int = 3) -> Found:
        """The values nearest ``(x, y)``, recognising as few boxes as possible.

        Recognition costs ~20 ms per box and a screen region holds dozens, so boxes are found
        first (cheap), then only the line nearest the pointer is read, plus — when it holds more
        bare numbers than it named itself — the boxes above it in the same columns, where a header
        or card title would be. A log line split into ``val_acc:`` and ``0.9321`` boxes names all
        its numbers, so its neighbours are never read: labels above could not win (see
        ``_line_candidate``), and reading them cost more than the line itself.
        """
        padded = self._padded(bgr)
        shapes = self._detect(padded)
        read: dict[Box, Box] = {}
        lines = sorted(group_lines(shapes), key=lambda ln: min(b.distance(x, y) for b in ln))
        found = Found()
        for line in lines[:lines_tried]:
            self._recognize(padded, line, read)
            found = values_near(list(read.values()), x, y)
            bare = sum(bool(_BARE_NUMBER.match(read[b].text)) for b in line)
            if found.values and bare <= len(found.values):  # else a table row: read its header
                return found
            above = [
                b
                for b in shapes
                if b.y1 <= line[0].cy and any(b.x0 < n.x1 and n.x0 < b.x1 for n in line)
            ]
            self._recognize(padded, above, read)
            found = values_near(list(read.values()), x, y)
            if found.values:
                return found
        return found

    def _padded(self, bgr: Any) -> Any:
        import cv2

        self.load()
        if bgr.ndim == 3 and bgr.shape[2] == 4:
            bgr = bgr[:, :, :3]
        # Text touching the edge of the grab is often missed: give the detector a margin.
        return cv2.copyMakeBorder(bgr, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)

    def _detect(self, padded: Any) -> list[Box]:
        """Where the text is (boxes without text yet), in unpadded coordinates."""
        with self._lock:
            result = self._engine(padded, use_rec=False)
        shapes = []
        for quad in result.boxes if result.boxes is not None else []:
            xs = [float(p[0]) - PAD for p in quad]
            ys = [float(p[1]) - PAD for p in quad]
            shapes.append(Box("", min(xs), min(ys), max(xs), max(ys)))
        return shapes

    def _recognize(self, padded: Any, shapes: list[Box], read: dict[Box, Box]) -> None:
        """Read the boxes not read yet, in one batch; results go into ``read`` (shape → box)."""
        todo = [b for b in shapes if b not in read]
        if not todo:
            return
        crops = [
            padded[int(b.y0) + PAD : math.ceil(b.y1) + PAD, int(b.x0) + PAD : math.ceil(b.x1) + PAD]
            for b in todo
        ]
        with self._lock:
            result = self._engine.recognize_txt(crops)
        for shape, text in zip(todo, result.txts, strict=True):
            clean = fix_confusions(normalize(text).strip())
            read[shape] = Box(clean, shape.x0, shape.y0, shape.x1, shape.y1)


def group_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes whose vertical centres fall inside each other's extent form one line, left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in lines:
            ref = line[0]
            if ref.y0 <= box.cy <= ref.y1 or box.y0 <= ref.cy <= box.y1:
                line.append(box)
                break
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _label_above(number: Box, boxes: list[Box]) -> Box | None:
    """The nearest label above ``number`` in an overlapping column (table header, card title)."""
    above = [
        b
        for b in boxes
        if b.y1 <= number.cy and b.x0 < number.x1 and number.x0 < b.x1 and _LABEL.match(b.text)
    ]
    return max(above, key=lambda b: b.y1, default=None)


@dataclass
class _Candidate:
    distance: float
    found: Found


_WORD_END = re.compile(r"(?:^|\s)[A-Za-z]\w*$")
_NAME_START = re.compile(r"^[A-Za-z]\w*\s*[:=]")


def join_line(line: list[Box]) -> str:
    """A line's text; OCR often splits ``train_loss`` at the underscore into two boxes one
    character apart, so a word box right before a ``name:`` box is joined with ``_``."""
    parts = [line[0].text] if line else []
    for left, right in zip(line, line[1:], strict=False):
        close = right.x0 - left.x1 < 0.8 * (right.y1 - right.y0)
        tight = close and _WORD_END.search(left.text) and _NAME_START.match(right.text)
        parts.append(("_" if tight else "  ") + right.text)
    return "".join(parts)


def _under_labels(line: list[Box], boxes: list[Box]) -> Found:
    """Bare numbers named by the label above them: a table row under its header, or cards."""
    found = Found()
    for box in line:
        match = _BARE_NUMBER.match(box.text)
        label = _label_above(box, boxes) if match else None
        if match is None or label is None or label.text in found.values:
            continue
        if label.text.lower() in STEP_KEYS:
            found.step = int(float(match.group(1)))
            continue
        found.values[label.text] = float(match.group(1))
        found.texts[label.text] = match.group(1) + match.group(2)
        if match.group(2):
            found.units[label.text] = "%"
    return found


def _line_candidate(line: list[Box], boxes: list[Box], x: float, y: float) -> _Candidate | None:
    """The line's values: as a log line, unless more of them read as a row under labels."""
    text = join_line(line)
    parsed = parse_line(text, loose=True)
    found = Found(values=parsed.values, texts=parsed.texts, units=parsed.units, step=parsed.step)
    labelled = _under_labels(line, boxes)
    if len(labelled.values) > len(found.values):
        found = labelled
    if not found.values:
        return None
    found.line = text
    return _Candidate(min(b.distance(x, y) for b in line), found)


def values_near(boxes: list[Box], x: float, y: float) -> Found:
    """The values on the line nearest the point ``(x, y)`` (region pixels); empty if none."""
    lines = group_lines(boxes)
    candidates = [c for line in lines if (c := _line_candidate(line, boxes, x, y))]
    best = min(candidates, key=lambda c: c.distance, default=None)
    found = best.found if best else Found()
    found.all_text = "\n".join(join_line(line) for line in lines)
    return found
