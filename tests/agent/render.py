"""Render the committed OCR cases (ocr_cases.json) into screen-like crops with Pillow.

Each crop is what the agent would grab around the pointer: a terminal, a notebook-style table or
dashboard-style cards, in a light or dark theme, in one of several Debian fonts and sizes. The
pointer sits on the line whose values are expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CASES = Path(__file__).with_name("ocr_cases.json")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/noto"),
)
MONO = ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "NotoSansMono-Regular.ttf")
SANS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "DejaVuSansCondensed.ttf")
THEMES = {
    "light": ((250, 250, 250), (30, 30, 30), (110, 110, 110)),
    "dark": ((30, 32, 38), (220, 220, 210), (150, 160, 170)),
}
SIZE = (640, 240)


@dataclass
class Crop:
    name: str
    image: Image.Image
    pointer: tuple[int, int]
    expect: dict[str, str]
    step: int | None


def font_path(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(f"font {name} is missing: run scripts/setup (fonts-* packages)")


def _canvas(theme: str) -> tuple[Image.Image, ImageDraw.ImageDraw, tuple, tuple, tuple]:
    bg, fg, dim = THEMES[theme]
    image = Image.new("RGB", SIZE, bg)
    return image, ImageDraw.Draw(image), bg, fg, dim


def terminal(case: dict, font: str, size: int, theme: str) -> Crop:
    image, draw, _, fg, _ = _canvas(theme)
    face = ImageFont.truetype(str(font_path(font)), size)
    step = int(size * 1.6)
    top = (SIZE[1] - step * len(case["lines"])) // 2
    for i, line in enumerate(case["lines"]):
        draw.text((12, top + i * step), line, font=face, fill=fg)
    return Crop("", image, (200, top + step + size // 2), case["expect"], case["step"])


def table(case: dict, font: str, size: int, theme: str) -> Crop:
    image, draw, _, fg, dim = _canvas(theme)
    face = ImageFont.truetype(str(font_path(font)), size)
    bold_name = font.replace("-Regular", "").replace(".ttf", "-Bold.ttf")
    bold = ImageFont.truetype(str(font_path(bold_name)), size)
    col = (SIZE[0] - 24) // len(case["header"])
    row_h = int(size * 2.0)
    for j, head in enumerate(case["header"]):
        draw.text((12 + j * col, 16), head, font=bold, fill=fg)
    draw.line((12, 16 + row_h - 6, SIZE[0] - 12, 16 + row_h - 6), fill=dim)
    for i, row in enumerate(case["rows"]):
        for j, cell in enumerate(row):
            draw.text((12 + j * col, 16 + (i + 1) * row_h), cell, font=face, fill=fg)
    y = 16 + (case["target"] + 1) * row_h + size // 2
    return Crop("", image, (SIZE[0] // 2, y), case["expect"], case["step"])


def cards(case: dict, font: str, size: int, theme: str) -> Crop:
    image, draw, bg, fg, dim = _canvas(theme)
    label = ImageFont.truetype(str(font_path(font)), size)
    big = ImageFont.truetype(str(font_path(font)), int(size * 1.9))
    width = (SIZE[0] - 24) // len(case["cards"])
    card_bg = tuple(min(255, c + 12) if theme == "dark" else max(0, c - 14) for c in bg)
    for j, (name, value) in enumerate(case["cards"]):
        x = 12 + j * width
        draw.rounded_rectangle((x, 40, x + width - 12, 200), radius=10, fill=card_bg)
        draw.text((x + 14, 60), name, font=label, fill=dim)
        draw.text((x + 14, 100), value, font=big, fill=fg)
    return Crop("", image, (SIZE[0] // 2, 120), case["expect"], case["step"])


def crops() -> list[Crop]:
    """Every case in several fonts, sizes and themes: 8×3 terminal + 4×3 table + 4×3 cards = 48."""
    cases = json.loads(CASES.read_text())
    out = []
    themes = cycle(THEMES)
    for layout, fonts, sizes in (
        ("terminal", MONO, (13, 15, 17)),
        ("table", SANS, (14, 16, 18)),
        ("cards", SANS, (13, 15, 17)),
    ):
        draw = {"terminal": terminal, "table": table, "cards": cards}[layout]
        for i, case in enumerate(cases[layout]):
            for font, size in zip(fonts, sizes, strict=True):
                theme = next(themes)
                crop = draw(case, font, size, theme)
                crop.name = f"{layout}{i}-{Path(font).stem}-{size}px-{theme}"
                out.append(crop)
    return out
