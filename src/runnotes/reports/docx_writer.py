"""Markdown (as the report templates write it) to a Word document with python-docx.

The .docx is made from the same rendered template as the Markdown, so a user's ``--template``
shapes both. The Markdown is parsed by markdown-it-py (CommonMark plus pipe tables), the parser
that checks the drafts' escaping, so the .docx reads a value exactly as a Markdown viewer shows
it: backslash escapes, entities and code spans are resolved by the parser, never by a pattern
here. Blocks: headings, paragraphs, bullet and numbered lists (task boxes ``[ ]`` dropped),
quotes, tables (the header row repeats on every page), fenced and indented code, an image alone
in its paragraph (an italic paragraph right after it is its caption) and ``<!-- pagebreak -->``.
Inline: bold, italic, code, links (their text), line breaks; raw HTML (the runs table's anchors)
is dropped and never shown as text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from runnotes.formatting import visible_controls
from runnotes.reports.plots import DPI
from runnotes.reports.render import PAGE_BREAK

IMAGE_WIDTH_INCHES = 6.9  # the text width: US Letter and A4 with 0.7" margins
SCREEN_DPI = 110  # a screenshot is shown at about its size on a screen, never blown up
MAX_IMAGE_HEIGHT_INCHES = 1.9  # a figure takes at most a fifth of the page
MARGIN_INCHES = 0.7
FONT = "Arial"  # Word has it; LibreOffice uses the metric-compatible Liberation Sans
MONO = "DejaVu Sans Mono"
TABLE_POINTS = 9
_TASK_BOX = ("[ ] ", "[x] ", "[X] ")


@functools.cache
def parser() -> MarkdownIt:
    """CommonMark with pipe tables; HTML is parsed (so it can be dropped), never rendered."""
    return MarkdownIt("commonmark", {"html": True}).enable("table")


def write_docx(markdown: str, out: Path, *, base: Path) -> None:
    """Write ``markdown`` as a .docx at ``out``; image paths are relative to ``base``."""
    from docx import Document

    doc = Document()
    _dense(doc)
    tokens = parser().parse(visible_controls(markdown))  # XML has no place for a NUL
    _Writer(doc, base).blocks(tokens)
    doc.save(str(out))


def _dense(doc: Any) -> None:
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
    for name in ("List Bullet", "List Number", "Quote"):
        doc.styles[name].paragraph_format.space_after = Pt(1)
        doc.styles[name].paragraph_format.space_before = Pt(0)


@dataclass
class _Writer:
    """Walks the block tokens once, keeping only what a paragraph's style depends on."""

    doc: Any
    base: Path
    lists: list[str] = field(default_factory=list)  # "bullet"/"ordered", outermost first
    quotes: int = 0
    picture: Any = None  # the paragraph of the image just written (its caption may follow)
    style_ids: dict[str, str] = field(default_factory=dict)

    def blocks(self, tokens: Sequence[Token]) -> None:
        i = 0
        while i < len(tokens):
            i = self.block(tokens, i)

    def block(self, tokens: Sequence[Token], i: int) -> int:
        """Write the block at token ``i``; returns the index of the next token to read."""
        token = tokens[i]
        kind = token.type
        after_picture, self.picture = self.picture, None
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.lists.append(kind.split("_")[0])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "blockquote_open":
            self.quotes += 1
        elif kind == "blockquote_close":
            self.quotes -= 1
        elif kind == "heading_open":
            level = min(int(token.tag[1:]), 9)
            self.inline(self.paragraph(f"Heading {level}"), tokens[i + 1])
            return i + 3
        elif kind == "paragraph_open":
            self.text_block(tokens[i + 1], after_picture)
            return i + 3
        elif kind in ("fence", "code_block"):
            run = self.paragraph("Normal").add_run(token.content.rstrip("\n"))
            run.font.name = MONO
        elif kind == "table_open":
            return self.table(tokens, i)
        elif kind == "html_block" and token.content.strip() == PAGE_BREAK:
            self.doc.add_page_break()
        return i + 1

    def text_block(self, inline: Token, after_picture: Any) -> None:
        """A paragraph: an image alone in it, the caption after one, a list item, a quote or
        plain text."""
        children = [c for c in inline.children or [] if c.type != "softbreak" or c.content]
        if len(children) == 1 and children[0].type == "image":
            self.image(children[0])
            return
        if after_picture is not None and _emphasised(children):
            after_picture.paragraph_format.keep_with_next = True  # never a caption alone
            self.inline(self.paragraph("Caption"), inline, start=1, stop=len(children) - 1)
            return
        if self.lists:
            depth = "" if len(self.lists) == 1 else f" {min(len(self.lists), 3)}"
            style = ("List Number" if self.lists[-1] == "ordered" else "List Bullet") + depth
            self.inline(self.paragraph(style), inline, task=True)
        else:
            self.inline(self.paragraph("Quote" if self.quotes else "Normal"), inline)

    def paragraph(self, style: str) -> Any:
        """``doc.add_paragraph(style=style)`` without python-docx's lookup of the style by name
        on every call, which scans all the styles (8 ms a paragraph: a minute for 10 000
        notes)."""
        paragraph = self.doc.add_paragraph()
        if style != "Normal":
            if style not in self.style_ids:
                self.style_ids[style] = self.doc.styles[style].style_id
            paragraph._p.style = self.style_ids[style]
        return paragraph

    def image(self, token: Token) -> None:
        from docx.shared import Inches

        path = (self.base / str(token.attrs.get("src", ""))).resolve()
        self.doc.add_picture(str(path), width=Inches(_width_inches(path)))
        self.picture = self.doc.paragraphs[-1]

    def table(self, tokens: Sequence[Token], i: int) -> int:
        """A table from ``table_open`` at ``i``; returns the index after ``table_close``."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        rows: list[list[Token]] = []
        while tokens[i].type != "table_close":
            if tokens[i].type == "tr_open":
                rows.append([])
            elif tokens[i].type == "inline":
                rows[-1].append(tokens[i])
            i += 1
        count = len(rows[0])
        table = self.doc.add_table(rows=len(rows), cols=count)
        table.style = "Table Grid"
        widths = _column_widths([[_plain(cell) for cell in row] for row in rows], count)
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid, which LibreOffice lays out by
        size = Pt(TABLE_POINTS)
        for r, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
            for c, cell in enumerate(row.cells):
                cell.width = widths[c]
                paragraph = cell.paragraphs[0]
                paragraph.paragraph_format.space_after = Pt(0)
                if c < len(cells):
                    self.inline(paragraph, cells[c], bold=r == 0)
                for run in paragraph.runs:
                    run.font.size = size
        mark = OxmlElement("w:tblHeader")  # repeat the header row on every page
        mark.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(mark)
        return i + 1

    def inline(
        self,
        paragraph: Any,
        inline: Token,
        *,
        bold: bool = False,
        start: int = 0,
        stop: int | None = None,
        task: bool = False,
    ) -> None:
        """Add an inline token's children (``start:stop``) to ``paragraph`` as runs."""
        children = list(inline.children or [])[start:stop]
        if task and children and children[0].type == "text":
            children[0] = _without_task_box(children[0])
        for text, mono, strong, italic, breaks in _runs(children):
            if breaks:
                paragraph.add_run().add_break()
                continue
            run = paragraph.add_run(text)
            if mono:
                run.font.name = MONO
            if strong or bold:
                run.bold = True
            if italic:
                run.italic = True


def _runs(children: Sequence[Token]) -> Iterator[tuple[str, bool, bool, bool, bool]]:
    """(text, code, bold, italic, line break) for each run of inline tokens, neighbouring text
    of one format joined (python-docx's runs cost time: a note is one run, not one per escape)."""
    strong = italic = 0
    pending = ""
    for child in children:
        kind = child.type
        if kind in ("text", "softbreak", "image"):
            pending += " " if kind == "softbreak" else child.content
            continue
        if pending:
            yield pending, False, strong > 0, italic > 0, False
            pending = ""
        if kind == "code_inline":
            yield child.content, True, strong > 0, italic > 0, False
        elif kind == "hardbreak":
            yield "", False, False, False, True
        elif kind in ("strong_open", "strong_close"):
            strong += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind.endswith("open") else -1
        # links keep their text (the children between link_open and link_close); raw HTML
        # (html_inline) is dropped
    if pending:
        yield pending, False, strong > 0, italic > 0, False


def _emphasised(children: Sequence[Token]) -> bool:
    """Whether a paragraph is one italic span (an image's caption)."""
    return (
        len(children) >= 3
        and children[0].type == "em_open"
        and children[-1].type == "em_close"
        and not any(c.type == "em_open" for c in children[1:])
    )


def _without_task_box(token: Token) -> Token:
    for box in _TASK_BOX:
        if token.content.startswith(box):
            return token.copy(content=token.content[len(box) :])
    return token


def _plain(inline: Token) -> str:
    """A cell's text as shown (for its column's width)."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _width_inches(path: Path) -> float:
    """The size a picture was made for (figures at their DPI, screenshots about as on screen),
    never wider than the text: a one-panel figure is not blown up to the page width."""
    from PIL import Image

    dpi = SCREEN_DPI if path.name.startswith("screenshot-") else DPI
    with Image.open(path) as image:
        aspect = image.width / max(image.height, 1)
        return min(IMAGE_WIDTH_INCHES, image.width / dpi, MAX_IMAGE_HEIGHT_INCHES * aspect)


def _column_widths(rows: list[list[str]], count: int) -> list[int]:
    """Column widths (EMU) in proportion to each column's longest text, so a run's name is not
    wrapped into three lines while a status column takes a sixth of the page."""
    from docx.shared import Inches

    longest = [max((len(r[c]) for r in rows if c < len(r)), default=1) for c in range(count)]
    weights = [min(max(n, 7), 40) for n in longest]  # 7: a bold header word fits its column
    total = Inches(IMAGE_WIDTH_INCHES)
    return [int(total * w / sum(weights)) for w in weights]
