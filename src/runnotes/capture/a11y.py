"""The text an application publishes on the accessibility bus (AT-SPI), read at a screen point.

Chromium (with accessibility on), GTK and Qt programs publish their text over AT-SPI, a D-Bus
protocol: the exact characters under the pointer and, for a table cell, its column header and
its row, with no pixels involved. Where the window under the pointer publishes it, a like takes
its digits (and a name the text or the table gives) from there; OCR stays the fallback that
always works (no bus, an application that publishes nothing, a canvas, a terminal).

Measured on Xvfb with Debian's Chromium (README, Likes; benchmarks/a11y.py): p50 7 ms, p95 28 ms
a point on a loaded 2-core machine, against a few hundred ms for OCR.
LibreOffice publishes nothing with its default X11 backend (only with the GTK one).

D-Bus is spoken with jeepney (pure Python, nothing to compile). Every call has a short timeout:
a hung application must not hold a like up.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from runnotes.capture.layout import (
    Box,
    Page,
    Reading,
    is_label,
    name_from_table,
    pointed_shape,
    read_pointed,
    step_above,
)

log = logging.getLogger(__name__)

REGISTRY = ("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root")
NULL_PATH = "/org/a11y/atspi/null"
ACCESSIBLE = "org.a11y.atspi.Accessible"
SCREEN_COORDS = 0  # ATSPI_COORD_TYPE_SCREEN
STATE_ACTIVE, STATE_FOCUSED, STATE_MANAGES_DESCENDANTS, STATE_SHOWING = 1, 12, 17, 25
SELECTION_NODES = 600  # objects looked at for a text selection in the active window
SELECTION_BUDGET_S = 3.0  # for that walk: a like from a keybinding, no pointer moving meanwhile
CELL_ROLES = {"table cell", "grid cell"}
BUDGET_S = 0.25  # for all the calls of one point: a hung application must not hold a like up
RELIST_S = 2.0  # the applications on the bus are listed again at most this often
DEPTH = 40  # an accessible tree deeper than this is a loop


@dataclass(frozen=True)
class Pointed:
    """The text object under a point: its text, the character under the point, and for a table
    cell the texts of its column header and of its row's first cell."""

    text: str
    offset: int
    role: str
    header: str | None = None
    row_label: str | None = None


Ref = tuple[str, str]  # (bus name, object path) of an accessible object


class A11yBus:
    """A connection to the accessibility bus of this session; ``open()`` gives None when there
    is none (no session bus, AT-SPI not running)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._apps: dict[int, Ref] = {}
        self._listed = -RELIST_S
        self._deadline = 0.0

    @classmethod
    def open(cls) -> A11yBus | None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return None
        try:
            with open_dbus_connection(bus="SESSION") as session:
                bus = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus")
                reply = session.send_and_get_reply(
                    new_method_call(bus, "GetAddress"), timeout=BUDGET_S
                )
            return cls(open_dbus_connection(bus=reply.body[0]))
        except Exception as exc:  # noqa: BLE001 - no accessibility bus: OCR does the work
            log.info("no accessibility bus: %s", exc)
            return None

    def close(self) -> None:
        self.conn.close()

    # -- D-Bus calls ------------------------------------------------------------------------------
    def _call(self, ref: Ref, iface: str, method: str, sig: str | None = None, *body: Any) -> Any:
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import unwrap_msg

        msg = new_method_call(DBusAddress(ref[1], ref[0], iface), method, sig, body)
        return unwrap_msg(self.conn.send_and_get_reply(msg, timeout=self._left()))

    def _prop(self, ref: Ref, iface: str, name: str) -> Any:
        from jeepney import DBusAddress, Properties
        from jeepney.wrappers import unwrap_msg

        msg = Properties(DBusAddress(ref[1], ref[0], iface)).get(name)
        return unwrap_msg(self.conn.send_and_get_reply(msg, timeout=self._left()))[0][1]

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"accessibility bus: over {BUDGET_S:.2f} s for one point")
        return left

    def _role(self, ref: Ref) -> str:
        return self._call(ref, ACCESSIBLE, "GetRoleName")[0]

    def _text_of(self, ref: Ref) -> str:
        try:
            return self._call(ref, "org.a11y.atspi.Text", "GetText", "ii", 0, -1)[0].strip()
        except Exception:  # noqa: BLE001 - no Text interface: its name is its text
            return str(self._prop(ref, ACCESSIBLE, "Name")).strip()

    # -- what is under a point -------------------------------------------------------------------
    def _app_of(self, pid: int) -> Ref | None:
        """The accessible application of a process (cached; the bus is listed again on a miss,
        at most every RELIST_S: a terminal's likes do not list it each time)."""
        if pid not in self._apps and time.monotonic() - self._listed > RELIST_S:
            self._listed = time.monotonic()
            self._apps.clear()
            for name, path in self._call(REGISTRY, ACCESSIBLE, "GetChildren")[0]:
                owner = self._pid(name)
                if owner is not None:
                    self._apps[owner] = (name, path)
        return self._apps.get(pid)

    def _pid(self, name: str) -> int | None:
        try:
            return self._call(
                ("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                "org.freedesktop.DBus",
                "GetConnectionUnixProcessID",
                "s",
                name,
            )[0]
        except Exception:  # noqa: BLE001 - a client that left meanwhile
            return None

    def _deepest_at(self, app: Ref, x: int, y: int) -> Ref | None:
        """The innermost object at screen ``(x, y)`` in the application's showing windows, the
        active one first."""
        frames = []
        for ref in self._call(app, ACCESSIBLE, "GetChildren")[0]:
            low = self._call(tuple(ref), ACCESSIBLE, "GetState")[0][0]
            if low >> STATE_SHOWING & 1:
                frames.append((not low >> STATE_ACTIVE & 1, tuple(ref)))
        for _, frame in sorted(frames):
            ref, found = frame, None
            for _ in range(DEPTH):
                child = self._call(
                    ref, "org.a11y.atspi.Component", "GetAccessibleAtPoint", "iiu", x, y, 0
                )[0]
                if child[1] == NULL_PATH or tuple(child) == ref:
                    break
                ref = found = tuple(child)
            if found is not None:
                return found
        return None

    def pointed(self, x: int, y: int, pid: int) -> Pointed | None:
        """The text object at screen ``(x, y)`` of the window of process ``pid``, or None when
        that process publishes nothing there (then OCR reads the pixels)."""
        self._deadline = time.monotonic() + BUDGET_S
        try:
            app = self._app_of(pid)
            ref = self._deepest_at(app, x, y) if app is not None else None
            if ref is None:
                return None
            text_iface = "org.a11y.atspi.Text"
            offset = self._call(ref, text_iface, "GetOffsetAtPoint", "iiu", x, y, SCREEN_COORDS)[0]
            text = self._call(ref, text_iface, "GetText", "ii", 0, -1)[0]
            role = self._role(ref)
            header, row_label = self._cell_context(ref, role)
            return Pointed(text, offset, role, header, row_label)
        except Exception as exc:  # noqa: BLE001 - any failure on the bus: OCR instead
            log.info("accessibility text at (%d, %d) not read: %s", x, y, exc)
            return None

    def selected_text(self) -> str:
        """The text selected in the active window of any application on the bus, where the
        application publishes it (GTK, Qt, Chromium, LibreOffice's GTK backend): the "select,
        then like" of desktops whose selection cannot be read otherwise (GNOME on Wayland
        without a data-control protocol). The focused object first, then the rest of the active
        window, breadth first up to ``SELECTION_NODES`` objects; "" when nothing is selected.
        Measured: 0.1 s for a GTK 3 window; more when the machine is loaded."""
        self._deadline = time.monotonic() + SELECTION_BUDGET_S
        try:
            active, showing = [], []
            for app in self._call(REGISTRY, ACCESSIBLE, "GetChildren")[0]:
                for frame in self._call(tuple(app), ACCESSIBLE, "GetChildren")[0]:
                    state = self._state(tuple(frame))
                    if state >> STATE_ACTIVE & 1:
                        active.append(tuple(frame))
                    elif state >> STATE_SHOWING & 1:
                        showing.append(tuple(frame))
            # No window active anywhere (a compositor that told no window it has the focus, as
            # headless sway with no keyboard): the showing windows, in the bus's order.
            for frame in active or showing:
                text = self._selection_in(frame)
                if text:
                    return text
        except Exception as exc:  # noqa: BLE001 - no answer in time: no selection from here
            log.info("accessibility selection not read: %s", exc)
        return ""

    def _state(self, ref: Ref) -> int:
        return int(self._call(ref, ACCESSIBLE, "GetState")[0][0])

    def _selection_in(self, frame: Ref) -> str:
        todo, seen, later = [frame], 0, []
        while todo and seen < SELECTION_NODES:
            ref = todo.pop(0)
            seen += 1
            state = self._state(ref)
            if not state >> STATE_SHOWING & 1 and ref != frame:
                continue
            text = self._selected_in(ref)
            if text and state >> STATE_FOCUSED & 1:
                return text
            if text:
                later.append(text)
            if not state >> STATE_MANAGES_DESCENDANTS & 1:  # a table's thousands of cells
                todo.extend(tuple(child) for child in self._call(ref, ACCESSIBLE, "GetChildren")[0])
        return later[0] if later else ""

    def _selected_in(self, ref: Ref) -> str:
        text_iface = "org.a11y.atspi.Text"
        if text_iface not in self._call(ref, ACCESSIBLE, "GetInterfaces")[0]:
            return ""  # (asking anyway makes GTK print a warning each time)
        if self._call(ref, text_iface, "GetNSelections")[0] < 1:
            return ""
        start, end = self._call(ref, text_iface, "GetSelection", "i", 0)
        if end <= start:
            return ""
        return str(self._call(ref, text_iface, "GetText", "ii", start, end)[0]).strip()

    def _cell_context(self, ref: Ref, role: str) -> tuple[str | None, str | None]:
        """A table cell's column header and its row's first cell (the text may be a child of
        the cell)."""
        cell = ref
        if role not in CELL_ROLES:
            cell = tuple(self._prop(ref, ACCESSIBLE, "Parent"))
            if self._role(cell) not in CELL_ROLES:
                return None, None
        iface = "org.a11y.atspi.TableCell"
        headers = self._call(cell, iface, "GetColumnHeaderCells")[0]
        header = self._text_of(tuple(headers[0])) if headers else None
        row, _ = self._prop(cell, iface, "Position")
        table = tuple(self._prop(cell, iface, "Table"))
        first = tuple(self._call(table, "org.a11y.atspi.Table", "GetAccessibleAt", "ii", row, 0)[0])
        row_label = self._text_of(first) if first != cell and first[1] != NULL_PATH else None
        return header or None, row_label or None


# -- the reading: the layout rules on exact text --------------------------------------------

CHAR_W, LINE_H = 10.0, 20.0  # the text laid out on a grid: one cell per character


def text_page(text: str) -> Page:
    """Exact text laid out as OCR would see it in a monospace font: one box per run of text
    between gaps of two spaces or more, so the layout rules (``layout.py``) apply unchanged."""
    shapes, texts = [], {}
    for row, line in enumerate(text.split("\n")):
        for m in re.finditer(r"\S+(?: \S+)*", line):
            box = Box(m.start() * CHAR_W, row * LINE_H, m.end() * CHAR_W, row * LINE_H + LINE_H / 2)
            shapes.append(box)
            texts[box] = m.group()
    return Page(shapes, lambda todo: [(texts[b], 1.0) for b in todo])


def read_pointed_text(pointed: Pointed) -> Reading | None:
    """The value at the pointed character, named as on a screen: by its line, the column above
    in the same text, or the table cell's column header (the row's first cell qualifying it).
    None when no number is there: the pixels may still show one (a canvas, an image)."""
    if not 0 <= pointed.offset < len(pointed.text):
        return None
    before = pointed.text[: pointed.offset]
    row, col = before.count("\n"), len(before) - before.rfind("\n") - 1
    x, y = (col + 0.5) * CHAR_W, (row + 0.25) * LINE_H
    page = text_page(pointed.text)
    reading = read_pointed(page, x, y)
    if reading.value is None:
        return None
    if reading.step is None and row > 0:  # Keras's "Epoch 5/6" on its own line above
        shape = pointed_shape(page.shapes, x, y)
        reading.step = step_above(page, shape) if shape is not None else None
    if reading.named_by or reading.why:
        return reading
    if pointed.header and is_label(pointed.header):
        reading.name, reading.named_by = pointed.header, "column"
        if pointed.row_label and is_label(pointed.row_label):
            reading.qualifier = pointed.row_label
    elif row > 0:
        name_from_table(page, reading, x, y, None, titles=False)
    return reading
