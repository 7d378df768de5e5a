"""The X11 desktop: chords over X RECORD (pynput), PRIMARY/CLIPBOARD, ``_NET_ACTIVE_WINDOW``,
pixels through mss, and a Tk overlay to drag a region. Everything an X server lets any client
do, which is why the agent started here."""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path
from typing import Any

from runnotes.capture.desktop import Capability, Rect, common_capabilities, notify
from runnotes.capture.hotkey import Chord, ChordListener
from runnotes.capture.screen import Screen, Shot
from runnotes.capture.selection import SelectionReader, SelectionWatch
from runnotes.capture.window import WindowInfo, active_window
from runnotes.errors import RunnotesError

CLIPBOARD_FRESH_S = 5.0  # a copy older than this has nothing to do with the like


class X11Reader:
    """One X connection, selection reader and mss handle, for the thread that made it."""

    def __init__(self, desktop: X11Desktop) -> None:
        from Xlib import display as xdisplay

        self._desktop = desktop
        self.conn = xdisplay.Display(desktop.display_name)
        self._selections = SelectionReader(self.conn)
        self._screen = Screen()
        self.bounds: Rect | None = self._screen.bounds

    def window(self) -> WindowInfo:
        return active_window(self.conn)

    def selection(self) -> tuple[str, str]:
        """PRIMARY (what is highlighted); CLIPBOARD only when it changed moments ago and
        PRIMARY names no value."""
        from runnotes.capture.parse import parse_text

        text = self._selections.read("PRIMARY")
        watch = self._desktop.watch()
        if not parse_text(text).values and watch.changed_within(
            "CLIPBOARD", self._desktop.clipboard_seconds
        ):
            return self._selections.read("CLIPBOARD"), "clipboard"
        return text, "selection" if text else ""

    def grab(self, region: Rect) -> Shot:
        return self._screen.grab(region)

    def full(self) -> Shot:
        return self._screen.full()

    def close(self) -> None:
        self._screen.close()
        self.conn.close()


class X11Desktop:
    name = "x11"

    def __init__(self, display_name: str, clipboard_seconds: float = CLIPBOARD_FRESH_S) -> None:
        self.display_name = display_name
        self.clipboard_seconds = clipboard_seconds
        self._watch: SelectionWatch | None = None
        self._mouse: Any = None

    @classmethod
    def open(cls, display_name: str, clipboard_seconds: float = CLIPBOARD_FRESH_S) -> X11Desktop:
        """Check the display and its RECORD extension now: without it chords never arrive."""
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError

        try:
            conn = xdisplay.Display(display_name)
        except DisplayError as exc:
            raise RunnotesError(f"cannot open display {display_name}: {exc}") from exc
        try:
            if not conn.has_extension("RECORD"):
                raise RunnotesError(
                    f"the X server on {display_name} lacks the RECORD extension, "
                    "which global hotkeys need (Xvfb: add +extension RECORD)"
                )
        finally:
            conn.close()
        return cls(display_name, clipboard_seconds)

    def watch(self) -> SelectionWatch:
        """XFixes selection-owner changes, watched from the first use on."""
        if self._watch is None:
            self._watch = SelectionWatch(self.display_name)
        return self._watch

    def listen(self, chords: list[Chord]) -> ChordListener:
        self.watch()  # the clipboard's age counts from before the first like
        return ChordListener(chords, self.display_name)

    def pointer(self) -> tuple[int, int]:
        if self._mouse is None:
            from pynput import mouse

            self._mouse = mouse.Controller()
        x, y = self._mouse.position
        return int(x), int(y)

    def reader(self) -> X11Reader:
        return X11Reader(self)

    def pick_region(self) -> tuple[Rect, Shot | None] | None:
        """A frozen picture of the screen under a Tk overlay; the grab comes after it closes."""
        from runnotes.capture.overlay import pick_region

        screen = Screen()
        try:
            with tempfile.TemporaryDirectory(prefix="runnotes-") as tmp:
                frozen = Path(tmp) / "screen.png"
                frozen.write_bytes(screen.full().png())
                region = pick_region(frozen)
        finally:
            screen.close()
        if region is None:
            return None
        time.sleep(0.3)  # let the overlay (its rectangle) vanish from the screen before the grab
        return region, None

    def notify(self, line: str) -> bool:
        return notify(line)

    def capabilities(self) -> list[Capability]:
        from Xlib import display as xdisplay

        conn = xdisplay.Display(self.display_name)
        try:
            wm = active_window(conn) != WindowInfo() or bool(
                conn.screen().root.get_full_property(
                    conn.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0
                )
            )
            xfixes = conn.has_extension("XFIXES")
        finally:
            conn.close()
        where = f"X11 on {self.display_name}"
        tk = importlib.util.find_spec("tkinter") is not None
        return [
            Capability("chords", True, f"{where}: X RECORD (pynput)"),
            Capability("push-to-talk", True, "X RECORD sends key releases"),
            Capability(
                "selection",
                True,
                "PRIMARY" + (" and a fresh CLIPBOARD (XFixes)" if xfixes else ""),
            ),
            Capability(
                "region",
                tk,
                "mss grab + Tk overlay to drag a rectangle" if tk else "no tkinter",
                "" if tk else "install python3-tk",
            ),
            Capability("pointer", True, "X pointer position"),
            Capability(
                "active window",
                wm,
                "_NET_ACTIVE_WINDOW" if wm else "no window manager answers",
                "" if wm else "run a window manager (the input focus is the fallback)",
            ),
            *common_capabilities(),
        ]

    def close(self) -> None:
        if self._watch is not None:
            self._watch.display.close()
