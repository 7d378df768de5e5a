"""The cell grid a spreadsheet draws: which column a number is in, by the lines, not by guessing.

A spreadsheet (LibreOffice Calc, Excel, Google Sheets) left-aligns its headers and right-aligns
its numbers, so a number sits nearer the next column's header than its own; naming it by the
header that overlaps it most or lies nearest gave the neighbour's name (issue #24). The grid
lines the sheet draws settle it: the value's cell is bounded by a thin uniform line left and
right; the cells above it in the same column, up to the first that holds a label, are its column.
When there is a grid but no readable label in the column, the column is unknown — the caller
stores the value for review rather than take a name from elsewhere.

Pure numpy on a grey image of the screen; recognising a cell's text is the caller's (OCR).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SPAN = 5  # a vertical line must run this many pixels above and below the pointer
REACH = 900  # how far left/right of the pointer a cell's edge may be (a wide column)
ROW_REACH = 160  # the tallest row looked for
UNIFORM = 12  # grey levels a line may vary along its length
CONTRAST = 18  # how much darker than the cells' background a line is
MOST_ROWS = 60  # cells looked at above the value
COVER = 0.85  # share of a cell's side that must be line


@dataclass(frozen=True)
class Cell:
    """A cell by the grid lines around it (screen pixels: the lines themselves)."""

    left: int
    top: int
    right: int
    bottom: int

    def inside(self) -> tuple[int, int, int, int]:
        """x0, y0, x1, y1 of its interior, without the lines."""
        return self.left + 1, self.top + 1, self.right, self.bottom


def grey(screen: Any) -> Any:
    import numpy as np

    pixels = screen[:, :, :3] if screen.ndim == 3 else screen
    return pixels.mean(axis=2).astype(np.int16) if pixels.ndim == 3 else pixels.astype(np.int16)


def _line(segment: Any, background: float, short: bool = False) -> bool:
    """A run of one grey darker than the background. Along a whole cell side most of it is
    enough (a header's underscore or a descender may cross the line); a ``short`` one (a few
    pixels at the pointer) must be all of one grey, and grey, not black: a digit's stroke is
    near black and as tall."""
    import numpy as np

    if segment.size == 0:
        return False
    if short:
        mean = float(segment.mean())
        spread = int(segment.max()) - int(segment.min())
        return spread <= UNIFORM and 60 <= mean <= background - CONTRAST
    middle = float(np.median(segment))
    share = float((np.abs(segment - middle) <= UNIFORM).mean())
    return share >= COVER and middle <= background - CONTRAST


def _vline(g: Any, c: int, y0: int, y1: int, background: float, short: bool = False) -> bool:
    return _line(g[y0:y1, c], background, short)


def _hline(g: Any, r: int, x0: int, x1: int, background: float) -> bool:
    return _line(g[r, x0:x1], background)


def background_at(g: Any, x: int, y: int) -> float:
    """The most common grey around a point: the cell's background."""
    import numpy as np

    h, w = g.shape
    patch = g[max(0, y - SPAN) : min(h, y + SPAN + 1), max(0, x - 60) : min(w, x + 60)]
    values, counts = np.unique(patch, return_counts=True)
    return float(values[counts.argmax()])


def _edges(g: Any, x: int, y: int, step: int, background: float, most: int = 3) -> list[int]:
    """Up to ``most`` columns left (step -1) or right (+1) of x that look like a vertical line
    at the pointer's height."""
    h, w = g.shape
    y0, y1 = y - SPAN, y + SPAN + 1
    found: list[int] = []
    stop = max(-1, x - REACH) if step < 0 else min(w, x + REACH)
    for c in range(x, stop, step):
        if _vline(g, c, y0, y1, background, short=True) and not (found and abs(c - found[-1]) == 1):
            found.append(c)
            if len(found) == most:
                break
    return found


def cell_at(g: Any, x: int, y: int) -> tuple[Cell, float] | None:
    """The grid cell around a point and the cells' background, or None where no grid is drawn:
    a line left and right, a line above and below, and the side lines running the whole height
    of the cell (a stroke of a large digit is no grid line)."""
    h, w = g.shape
    if not (SPAN <= y < h - SPAN and 0 <= x < w):
        return None
    background = background_at(g, x, y)
    for left in _edges(g, x, y, -1, background):
        for right in _edges(g, x, y, 1, background):
            if right - left < 8:
                continue
            top = next(
                (
                    r
                    for r in range(y, max(-1, y - ROW_REACH), -1)
                    if _hline(g, r, left + 1, right, background)
                ),
                None,
            )
            bottom = next(
                (
                    r
                    for r in range(y, min(h, y + ROW_REACH))
                    if _hline(g, r, left + 1, right, background)
                ),
                None,
            )
            if top is None or bottom is None or bottom - top < 6:
                continue
            cell = Cell(left, top, right, bottom)
            if (
                _vline(g, left, top + 2, bottom - 1, background)
                and _vline(g, right, top + 2, bottom - 1, background)
                and items(g, cell, background) == 1
            ):
                return cell, background
    return None


def cells_above(g: Any, cell: Cell, background: float) -> Iterator[Cell]:
    """The cells above in the same column, nearest first, while the grid and the cells'
    background go on (the column letters' bar of a sheet has another background)."""
    bottom = cell.top
    for _ in range(MOST_ROWS):
        # The column's side lines must run on up to the next line: still the same column.
        top = None
        for r in range(bottom - 1, max(-1, bottom - ROW_REACH), -1):
            if _hline(g, r, cell.left + 1, cell.right, background):
                top = r
                break
        if top is None or bottom - top < 6:
            return
        above = Cell(cell.left, top, cell.right, bottom)
        if not (
            _vline(g, cell.left, top + 2, bottom - 1, background)
            and _vline(g, cell.right, top + 2, bottom - 1, background)
        ):
            return
        if (
            abs(background_at(g, (cell.left + cell.right) // 2, (top + bottom) // 2) - background)
            > 8
        ):
            return
        yield above
        bottom = top


def items(g: Any, cell: Cell, background: float) -> int:
    """How many separate pieces of text a cell holds (0 when empty): a sheet's cell holds one
    line with one piece; lines around several rows or columns of a table (a shaded column's
    edge and the table's border) do not make a cell. Ink touching the cell's top or bottom edge
    (a header's underscore on the grid line) does not count."""
    import numpy as np

    x0, y0, x1, y1 = cell.inside()
    interior = g[y0 + 2 : y1 - 2, x0 + 1 : x1 - 1] < background - 3 * CONTRAST
    rows = np.where(interior.any(axis=1))[0]
    if not len(rows):
        return 0
    if (np.diff(rows) > 2).any():
        return 2  # more than one line of text
    cols = np.where(interior.any(axis=0))[0]
    gap = max(12, int(rows[-1] - rows[0] + 1))
    return 1 + int((np.diff(cols) > gap).sum())


def is_blank(g: Any, cell: Cell, background: float) -> bool:
    x0, y0, x1, y1 = cell.inside()
    interior = g[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1]
    return interior.size == 0 or int(interior.min()) >= background - CONTRAST
