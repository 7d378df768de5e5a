"""The exact text of a terminal under the pointer, where the terminal can tell it.

OCR misreads small or unusual terminal fonts (``0.9321`` as ``0.932l``), yet a terminal that can
be asked holds every character it shows. Three are asked, each for its visible rows and its grid
of character cells; the pointer's cell is worked out from the window's rectangle, and the like
reads its digits and name from that text (through the same naming rules as the accessibility
bus: ``Pointed``):

- **tmux**, when the active window's process runs a tmux client: ``tmux capture-pane -p`` of the
  pane holding the cell (only tmux's default server, ``$TMUX_TMPDIR``/``tmux-UID/default``);
- **kitty**, with remote control on (``allow_remote_control yes`` or ``socket-only``,
  ``listen_on``): the socket from a child's ``KITTY_LISTEN_ON``, then ``ls`` for the grid and
  ``get-text`` for the rows, the commands ``kitten @`` sends, spoken on the socket directly
  (kitty's remote-control protocol: ``ESC P @kitty-cmd``, JSON, ``ESC`` backslash): Debian's
  ``kitty @`` 0.26 is a Python start-up, 0.5 s of CPU and 8–10 s at load 20 here, where the
  socket answers in 15 ms. A single window and tab only (splits and a tab bar move the grid);
- **WezTerm**: ``wezterm cli list --format json`` for the pane's grid and pixel size (the window's
  default padding: one cell left and right, half a cell below, the tab bar above), ``wezterm cli
  get-text`` for the rows; a single pane only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psutil

from runnotes.capture.a11y import Pointed
from runnotes.capture.window import WindowInfo

log = logging.getLogger(__name__)
TIMEOUT_S = 2.0  # a loaded machine: a terminal's answer is worth the wait (OCR is slower)
KITTY_RC = b"\x1bP@kitty-cmd", b"\x1b\\"  # a remote-control message's start and end
KITTY_RC_VERSION = [0, 26, 0]  # the oldest protocol the commands below are known in
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


def _out(args: list[str], env: dict[str, str] | None = None) -> str:
    """A command's output; empty when it is missing, fails or hangs."""
    try:
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.debug("%s: %s", args[:2], exc)
        return ""
    if done.returncode != 0:
        log.debug("%s: exit %s: %s", args[:2], done.returncode, done.stderr[:200])
    return done.stdout if done.returncode == 0 else ""


def _tmux(*args: str) -> str:
    """A tmux command's output; empty when tmux or its server is not there."""
    return _out(["tmux", *args])


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


def pointed_at(lines: list[str], col: int, row: int) -> Pointed | None:
    """The terminal's rows and the character at (col, row) of them; None past the text."""
    if row >= len(lines) or col >= len(lines[row]):
        return None
    offset = sum(len(line) + 1 for line in lines[:row]) + col
    return Pointed("\n".join(lines), offset, "terminal")


def _in_tmux(window: WindowInfo, pointer: tuple[int, int]) -> Pointed | None:
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
        return pointed_at(lines, cell[0] - pane.left, cell[1] - pane.top)
    return None


def child_env(pid: int, name: str) -> str | None:
    """A variable from the environment of one of ``pid``'s descendants (a terminal's shell
    holds what the terminal told it: ``KITTY_LISTEN_ON``); None when no readable one has it."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return None
    for child in children:
        try:
            value = child.environ().get(name)
        except psutil.Error:
            continue
        if value:
            return value
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def kitty_rc(address: str, cmd: str, payload: dict[str, Any]) -> Any:
    """One remote-control command on kitty's socket (``unix:PATH``, or ``unix:@NAME`` in the
    abstract namespace): its ``data``, or None when kitty refuses or is not there."""
    if not address.startswith("unix:"):
        return None
    path = address[5:]
    where = "\0" + path[1:] if path.startswith("@") else path
    message = {"cmd": cmd, "version": KITTY_RC_VERSION, "no_response": False, "payload": payload}
    reply = b""
    try:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(TIMEOUT_S)
            conn.connect(where)
            conn.sendall(KITTY_RC[0] + json.dumps(message).encode() + KITTY_RC[1])
            while not reply.endswith(KITTY_RC[1]):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                reply += chunk
    except OSError as exc:
        log.debug("kitty %s: %s", cmd, exc)
        return None
    answer = _json(reply[len(KITTY_RC[0]) : -len(KITTY_RC[1])].decode("utf-8", "replace"))
    if not isinstance(answer, dict) or not answer.get("ok"):
        log.debug("kitty %s: %s", cmd, answer.get("error") if isinstance(answer, dict) else reply)
        return None
    return answer.get("data")


def _in_kitty(window: WindowInfo, pointer: tuple[int, int]) -> Pointed | None:
    """kitty's text, asked over its remote-control socket."""
    if "kitty" not in window.wm_class.lower() or window.pid is None or window.rect is None:
        return None
    address = child_env(window.pid, "KITTY_LISTEN_ON")
    listing = kitty_rc(address, "ls", {}) if address else None
    grid = kitty_grid(_json(listing) if isinstance(listing, str) else None)
    if grid is None or address is None:
        return None
    cell = cell_at(window.rect, grid[1], grid[2], *pointer)
    if cell is None:
        return None
    text = kitty_rc(address, "get-text", {"match": f"id:{grid[0]}", "extent": "screen"})
    return pointed_at(text.split("\n"), *cell) if isinstance(text, str) else None


def kitty_grid(listing: Any) -> tuple[int, int, int] | None:
    """(kitty window id, columns, lines) of kitty's focused OS window (the active window the
    like is in), from ``kitty @ ls``; None unless it shows one tab of one window: a tab bar or
    a split moves the grid away from the OS window's own."""
    if not isinstance(listing, list):
        return None
    chosen = [w for w in listing if w.get("is_focused")]
    if len(chosen) != 1 or len(chosen[0].get("tabs", [])) != 1:
        return None
    windows = chosen[0]["tabs"][0].get("windows", [])
    if len(windows) != 1:
        return None
    return int(windows[0]["id"]), int(windows[0]["columns"]), int(windows[0]["lines"])


def _in_wezterm(window: WindowInfo, pointer: tuple[int, int]) -> Pointed | None:
    """WezTerm's text, asked with ``wezterm cli`` (the GUI's socket from a child's
    environment when there is one, else wezterm finds it)."""
    if "wezterm" not in window.wm_class.lower() or shutil.which("wezterm") is None:
        return None
    if window.rect is None:
        return None
    socket = child_env(window.pid, "WEZTERM_UNIX_SOCKET") if window.pid else None
    env = {"WEZTERM_UNIX_SOCKET": socket} if socket else None
    listing = _json(_out(["wezterm", "cli", "list", "--format", "json"], env))
    found = wezterm_cell(listing, window, pointer)
    if found is None:
        return None
    pane_id, (col, row) = found
    text = _out(["wezterm", "cli", "get-text", "--pane-id", str(pane_id)], env)
    return pointed_at(text.split("\n"), col, row)


def wezterm_cell(
    panes: Any, window: WindowInfo, pointer: tuple[int, int]
) -> tuple[int, tuple[int, int]] | None:
    """(pane id, pointed cell) from ``wezterm cli list --format json``: the active pane of the
    window whose title is the X window's (else the only window), alone in its tab. Its pixel
    size places the grid: centred across, half a cell of padding below (WezTerm's defaults)."""
    if not isinstance(panes, list) or window.rect is None:
        return None
    active = [p for p in panes if p.get("is_active")]
    titled = [p for p in active if p.get("title") and p.get("title") == window.title]
    chosen = titled or (active if len({p.get("window_id") for p in panes}) == 1 else [])
    if len(chosen) != 1:
        return None
    pane = chosen[0]
    if sum(p.get("tab_id") == pane.get("tab_id") for p in panes) != 1:
        return None
    size = pane.get("size") or {}
    cols, rows = int(size.get("cols", 0)), int(size.get("rows", 0))
    width, height = int(size.get("pixel_width", 0)), int(size.get("pixel_height", 0))
    if not (cols and rows and width and height):
        return None
    left, top, w, h = window.rect
    cell_w, cell_h = width / cols, height / rows
    x0, y0 = left + (w - width) / 2, top + h - height - cell_h / 2
    x, y = pointer
    col, row = int((x - x0) // cell_w), int((y - y0) // cell_h)
    if not (0 <= col < cols and 0 <= row < rows):
        return None
    return int(pane["pane_id"]), (col, row)


TERMINALS: tuple[Callable[[WindowInfo, tuple[int, int]], Pointed | None], ...] = (
    _in_tmux,
    _in_kitty,
    _in_wezterm,
)


def pointed_in_terminal(window: WindowInfo, pointer: tuple[int, int]) -> Pointed | None:
    """The terminal's text and the pointed character, where the window's terminal tells them
    (tmux inside any terminal first: its panes are what is shown)."""
    for source in TERMINALS:
        found = source(window, pointer)
        if found is not None:
            return found
    return None
