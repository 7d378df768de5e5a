"""Markdown (as the report templates write it) to a Word document with python-docx.

The .docx is made from the same rendered template as the Markdown, so a user's ``--template``
shapes both. Only the Markdown the templates use is understood: ``#`` headings, paragraphs,
``-`` lists (``[ ]`` task boxes dropped), ``>`` quotes, pipe tables (the first row becomes a
repeated header row), fenced code, images on their own line (the italic line after one is its
caption) and ``<!-- pagebreak -->``. Inline: ``**bold**``, ``*italic*``, ``code``, links (text
kept) and backslash escapes; raw HTML tags such as anchors are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from runnotes.formatting import visible_controls
from runnotes.reports.plots import DPI
from runnotes.reports.render import PAGE_BREAK

IMAGE_WIDTH_INCHES = 6.9  # the text width: US Letter and A4 with 0.7" margins
SCREEN_DPI = 110  # a screenshot is shown at about its size on a screen, never blown up
MAX_IMAGE_HEIGHT_INCHES = 1.9  # a figure takes at most a fifth of the page
MARGIN_INCHES = 0.7
FONT = "Arial"  # Word has it; LibreOffice uses the metric-compatible Liberation Sans
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_IMAGE = re.compile(r"^!\[(.*)\]\((.+)\)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?:\[[ xX]\]\s+)?(.*)$")
_FENCE = re.compile(r"^(`{3,})")
_TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_INLINE = re.compile(
    r"\\(?P<esc>[!-/:-@\[-`{-~])"
    r"|(?P<ticks>`+)(?P<code>.+?)(?P=ticks)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|\*(?P<italic>[^*\s](?:.*?[^*\s])?)\*"
    r"|\[(?P<link>(?:\\.|[^\]\\])*)\]\((?P<href>[^)]*)\)"
    r"|<[A-Za-z/!][^>]*>"
)


def write_docx(markdown: str, out: Path, *, base: Path) -> None:
    """Write ``markdown`` as a .docx at ``out``; image paths are relative to ``base``."""
    from docx import Document

    doc = Document()
    _dense(doc)
    lines = visible_controls(markdown).splitlines()  # XML has no place for a NUL
    i = 0
    while i < len(lines):
        i = _block(doc, lines, i, base)
    doc.save(str(out))


def _dense(doc) -> None:
    """Narrow margins, a 10 pt sans body and tight spacing: a report is read on a page, and
    python-docx's defaults (1" margins, 11 pt, big heading gaps) leave half of it empty."""
    from docx.shared import Inches, Pt

    for section in doc.sections:
        section.left_margin = section.right_margin = Inches(MARGIN_INCHES)
        section.top_margin = section.bottom_margin = Inches(MARGIN_INCHES)
    sizes = {"Normal": 10, "Heading 1": 16, "Heading 2": 13, "Heading 3": 11, "Caption": 8.5}
    for name, size in sizes.items():
        style = doc.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.paragraph_format.space_after = Pt(3 if name == "Normal" else 4)
        style.paragraph_format.space_before = Pt(10 if name.startswith("Heading") else 4)
    for name in ("List Bullet", "Quote"):
        doc.styles[name].paragraph_format.space_after = Pt(1)
        doc.styles[name].paragraph_format.space_before = Pt(0)


def _block(doc, lines: list[str], i: int, base: Path) -> int:
    """Write the block starting at line ``i``; returns the index of the next block."""
    line = lines[i].rstrip()
    stripped = line.strip()
    if not stripped:
        return i + 1
    if stripped == PAGE_BREAK:
        doc.add_page_break()
        return i + 1
    if heading := _HEADING.match(stripped):
        _inline(doc.add_heading(level=len(heading.group(1))), heading.group(2))
        return i + 1
    if image := _IMAGE.match(stripped):
        return _image(doc, lines, i, base, image.group(2))
    if fence := _FENCE.match(stripped):
        return _code(doc, lines, i, fence.group(1))
    if stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
        return _table(doc, lines, i)
    if bullet := _BULLET.match(line):
        _inline(_paragraph(doc, "List Bullet"), bullet.group(1))
        return i + 1
    if stripped.startswith(">"):
        j = i
        while j < len(lines) and lines[j].strip().startswith(">"):
            text = lines[j].strip()[1:].strip()
            if text:
                bullet = _BULLET.match(text)
                _inline(
                    _paragraph(doc, "List Bullet" if bullet else "Quote"),
                    bullet.group(1) if bullet else text,
                )
            j += 1
        return j
    j = i + 1
    while j < len(lines) and lines[j].strip() and not _starts_block(lines[j]):
        j += 1
    _inline(doc.add_paragraph(), " ".join(part.strip() for part in lines[i:j]))
    return j


def _paragraph(doc, style: str):
    """``doc.add_paragraph(style=style)`` without python-docx's lookup of the style by name on
    every call, which scans all the styles (8 ms a paragraph: a minute for 10 000 notes)."""
    ids = doc.__dict__.setdefault("_runnotes_style_ids", {})
    if style not in ids:
        ids[style] = doc.styles[style].style_id
    paragraph = doc.add_paragraph()
    paragraph._p.style = ids[style]
    return paragraph


def _starts_block(line: str) -> bool:
    s = line.strip()
    return bool(
        s == PAGE_BREAK
        or _HEADING.match(s)
        or _IMAGE.match(s)
        or _FENCE.match(s)
        or s.startswith(("|", ">"))
        or _BULLET.match(line)
    )


def _image(doc, lines: list[str], i: int, base: Path, ref: str) -> int:
    from docx.shared import Inches

    path = (base / ref).resolve()
    doc.add_picture(str(path), width=Inches(_width_inches(path)))
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    caption = lines[j].strip() if j < len(lines) else ""
    if len(caption) > 2 and caption[0] == caption[-1] == "*" and caption[1] != "*":
        doc.paragraphs[-1].paragraph_format.keep_with_next = True  # never a caption alone
        _inline(doc.add_paragraph(style="Caption"), caption[1:-1])
        return j + 1
    return i + 1


def _width_inches(path: Path) -> float:
    """The size a picture was made for (figures at their DPI, screenshots about as on screen),
    never wider than the text: a one-panel figure is not blown up to the page width."""
    from PIL import Image

    dpi = SCREEN_DPI if path.name.startswith("screenshot-") else DPI
    with Image.open(path) as image:
        aspect = image.width / max(image.height, 1)
        return min(IMAGE_WIDTH_INCHES, image.width / dpi, MAX_IMAGE_HEIGHT_INCHES * aspect)


def _code(doc, lines: list[str], i: int, ticks: str) -> int:
    j = i + 1
    body = []
    while j < len(lines) and not lines[j].strip().startswith(ticks):
        body.append(lines[j])
        j += 1
    run = doc.add_paragraph().add_run("\n".join(body))
    run.font.name = "DejaVu Sans Mono"
    return j + 1


def _cells(line: str) -> list[str]:
    body = line.strip().removeprefix("|")
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def _table(doc, lines: list[str], i: int) -> int:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    header = _cells(lines[i])
    rows = []
    j = i + 2
    while j < len(lines) and lines[j].strip().startswith("|"):
        rows.append(_cells(lines[j]))
        j += 1
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    widths = _column_widths([header, *rows], len(header))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice lays out by
    for r, cells in enumerate([header, *rows]):
        for c in range(len(header)):
            cell = table.rows[r].cells[c]
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            _inline(paragraph, cells[c] if c < len(cells) else "", bold=r == 0)
            for run in paragraph.runs:
                run.font.size = Pt(9)
    mark = OxmlElement("w:tblHeader")  # repeat the header row on every page
    mark.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(mark)
    return j


def _column_widths(rows: list[list[str]], count: int) -> list[int]:
    """Column widths (EMU) in proportion to each column's longest text, so a run's name is not
    wrapped into three lines while a status column takes a sixth of the page."""
    from docx.shared import Inches

    plain = [
        [_INLINE.sub(lambda m: m.group("code") or m.group("bold") or "", c) for c in r]
        for r in rows
    ]
    longest = [max((len(r[c]) for r in plain if c < len(r)), default=1) for c in range(count)]
    weights = [min(max(n, 7), 40) for n in longest]  # 7: a bold header word fits its column
    total = Inches(IMAGE_WIDTH_INCHES)
    return [int(total * w / sum(weights)) for w in weights]


def _inline(paragraph, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """Add ``text`` to ``paragraph`` as runs, turning inline Markdown into formatting."""
    pos = 0
    for match in _INLINE.finditer(text):
        _run(paragraph, text[pos : match.start()], bold, italic)
        pos = match.end()
        if match.group("esc") is not None:
            _run(paragraph, match.group("esc"), bold, italic)
        elif match.group("code") is not None:
            run = paragraph.add_run(match.group("code").strip())
            run.font.name, run.bold, run.italic = "DejaVu Sans Mono", bold, italic
        elif match.group("bold") is not None:
            _inline(paragraph, match.group("bold"), bold=True, italic=italic)
        elif match.group("italic") is not None:
            _inline(paragraph, match.group("italic"), bold=bold, italic=True)
        elif match.group("link") is not None:
            _inline(paragraph, match.group("link"), bold=bold, italic=italic)
    _run(paragraph, text[pos:], bold, italic)


def _run(paragraph, text: str, bold: bool, italic: bool) -> None:
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
