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
from typing import Any

from runnotes.capture.layout import (
    Box,
    Page,
    Reading,
    name_from_table,
    pointed_shape,
    read_pointed,
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
ABOVE, BELOW = 160, 40  # the band found around the pointer: its line and a few lines above
STRIP = (1000, 560)  # found above a bare number: its column's header, a card title
STRIP_BELOW = 40
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
        """The value under ``(x, y)`` of a full-screen image (or inside ``rect``), and its name.

        Text is first found in a window around the pointer (cheap: ~50 ms) and only the pointed
        line is recognised; a log line names its own value, so that is all most likes cost. A bare
        number (table cell, card) then needs what is above it: boxes are found again in a tall
        strip above the pointer, and only those in its column are read until a header turns up.
        """
        height, width = screen.shape[:2]
        near = self.page(screen, _window(x, y, rect, (width, height)))
        reading = read_pointed(near, x, y, rect)
        if reading.value is None or reading.named_by == "line":
            if reading.value is not None and reading.step is None:
                shape = pointed_shape(near.shapes, x, y)
                reading.step = step_above(near, shape) if shape else None
            return reading
        if not name_from_table(near, reading, x, y, rect, titles=False):
            tall = self.page(screen, _strip(x, y, rect, (width, height)))
            name_from_table(tall, reading, x, y, rect)
        return reading

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

        return Page(shapes, recognise)


def _window(
    x: float, y: float, rect: tuple[int, int, int, int] | None, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The pointer's band of the screen, full width (a log line is never cut at its name), from
    a few lines above (``Epoch 3/6``) to just below; around a rectangle, it and its margin."""
    top, bottom = y - ABOVE, y + BELOW
    if rect is not None:
        top, bottom = min(top, rect[1] - BELOW), max(bottom, rect[1] + rect[3] + BELOW)
    return _clip(0, top, size[0], bottom, size)


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
