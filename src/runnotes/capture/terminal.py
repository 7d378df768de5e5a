"""The exact text of a terminal under the pointer, where the terminal can tell it.

OCR misreads small or unusual terminal fonts (``0.9321`` as ``0.932l``), yet a terminal
multiplexer holds every character it shows: ``tmux capture-pane -p`` prints a pane's visible
rows. When the active window's process runs a tmux client, the pointer's character cell is worked
out from the window's rectangle and the client's size in cells, and the like reads its digits and
name from that text (through the same naming rules as the accessibility bus: ``Pointed``).

Only tmux's default server (``$TMUX_TMPDIR``/``tmux-UID/default``) is asked. kitty
(``kitten @ get-text``) and WezTerm (``wezterm cli get-text``) give their text the same way; they
are not installed here, so there is no code for them yet (docs/desktops.md).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass

import psutil

from runnotes.capture.a11y import Pointed
from runnotes.capture.window import WindowInfo

log = logging.getLogger(__name__)
TIMEOUT_S = 1.0
DEPTH = 32  # parent links followed from a tmux client up to the window's process


@dataclass(frozen=True)
class Client:
    pid: int
    session: str
    cols: int
    rows: int


@dataclass(frozen=True)
class Pane:
    id: str
    left: int
    top: int
    cols: int
    rows: int


def _tmux(*args: str) -> str:
    """A tmux command's output; empty when tmux or its server is not there."""
    try:
        done = subprocess.run(
            ["tmux", *args], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("tmux %s: %s", args[0], exc)
        return ""
    return done.stdout if done.returncode == 0 else ""


def _rows(*args: str) -> list[list[str]]:
    """Tab-separated rows of a tmux listing."""
    return [line.split("\t") for line in _tmux(*args).splitlines() if line]


def _parent(pid: int) -> int | None:
    try:
        return psutil.Process(pid).ppid()
    except psutil.Error:
        return None


def descends(pid: int, ancestor: int) -> bool:
    """Whether ``pid`` is ``ancestor`` or one of its descendants (a shell's tmux client)."""
    for _ in range(DEPTH):
        if pid == ancestor:
            return True
        parent = _parent(pid)
        if parent is None or parent <= 1:
            return False
        pid = parent
    return False


def clients() -> list[Client]:
    rows = _rows(
        "list-clients", "-F", "#{client_pid}\t#{session_name}\t#{client_width}\t#{client_height}"
    )
    return [Client(int(r[0]), r[1], int(r[2]), int(r[3])) for r in rows if len(r) == 4]


def cell_at(
    rect: tuple[int, int, int, int], cols: int, rows: int, x: int, y: int
) -> tuple[int, int] | None:
    """The (column, row) of the character cell at a screen point, in a window of ``cols`` ×
    ``rows`` equal cells centred inside the window's padding; None outside the grid."""
    left, top, width, height = rect
    if cols <= 0 or rows <= 0 or width < cols or height < rows:
        return None
    cell_w, cell_h = width // cols, height // rows
    pad_x, pad_y = (width - cols * cell_w) // 2, (height - rows * cell_h) // 2
    col, row = (x - left - pad_x) // cell_w, (y - top - pad_y) // cell_h
    if not (0 <= col < cols and 0 <= row < rows):
        return None
    return col, row


def pane_at(client: Client, col: int, row: int) -> Pane | None:
    """The pane of the client's current window holding the cell."""
    rows = _rows(
        "list-panes",
        "-t",
        f"{client.session}:",
        "-F",
        "#{pane_id}\t#{pane_left}\t#{pane_top}\t#{pane_width}\t#{pane_height}",
    )
    for r in rows:
        pane = Pane(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]))
        if pane.left <= col < pane.left + pane.cols and pane.top <= row < pane.top + pane.rows:
            return pane
    return None


def pointed_in_terminal(window: WindowInfo, pointer: tuple[int, int]) -> Pointed | None:
    """The pane text and the pointed character, when the window runs a tmux client."""
    if window.pid is None or window.rect is None or shutil.which("tmux") is None:
        return None
    for client in clients():
        if not descends(client.pid, window.pid):
            continue
        cell = cell_at(window.rect, client.cols, client.rows, *pointer)
        pane = pane_at(client, *cell) if cell is not None else None
        if cell is None or pane is None:
            return None
        lines = _tmux("capture-pane", "-p", "-t", pane.id).split("\n")
        col, row = cell[0] - pane.left, cell[1] - pane.top
        if row >= len(lines) or col >= len(lines[row]):
            return None
        offset = sum(len(line) + 1 for line in lines[:row]) + col
        return Pointed("\n".join(lines), offset, "terminal")
    return None
