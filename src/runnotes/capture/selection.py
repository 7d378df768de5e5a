"""Reading the X selections (PRIMARY: what is highlighted; CLIPBOARD: what was copied).

A direct python-xlib conversion request needs no helper binary and takes milliseconds. The
clipboard is only used when it changed a few seconds before the like: an old copy has nothing to
do with what the user is pointing at. XFixes tells us when a selection changes owner, so we know
that without polling.
"""

from __future__ import annotations

import threading
import time
from typing import Any

TIMEOUT_S = 0.5


class SelectionReader:
    """Reads a selection's text through its own connection and window (one per thread)."""

    def __init__(self, display: Any) -> None:
        from Xlib import X

        self.display = display
        self.window = display.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        self._prop = display.intern_atom("RUNNOTES_SELECTION")

    def read(self, name: str = "PRIMARY", timeout: float = TIMEOUT_S) -> str:
        """The selection's text, or ``""`` when nobody owns it or the owner does not answer."""
        from Xlib import X

        display = self.display
        selection = display.intern_atom(name)
        if display.get_selection_owner(selection) == X.NONE:
            return ""
        for target in ("UTF8_STRING", "STRING"):
            self.window.convert_selection(
                selection, display.intern_atom(target), self._prop, X.CurrentTime
            )
            display.flush()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not display.pending_events():
                    time.sleep(0.002)
                    continue
                event = display.next_event()
                if event.type != X.SelectionNotify or event.selection != selection:
                    continue
                if event.property == X.NONE:
                    break  # the owner cannot give this target: try the next one
                reply = self.window.get_full_property(self._prop, X.AnyPropertyType)
                self.window.delete_property(self._prop)
                value = reply.value if reply is not None else b""
                return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            else:
                return ""
        return ""


class SelectionWatch:
    """Remembers when each selection last changed owner (XFixes), on a thread of its own."""

    def __init__(self, display_name: str | None, names: tuple[str, ...] = ("PRIMARY", "CLIPBOARD")):
        from Xlib import display as xdisplay

        self.display = xdisplay.Display(display_name)
        self.changed: dict[str, float] = {}
        self._atoms: dict[int, str] = {}
        if not self.display.has_extension("XFIXES"):
            return
        self.display.xfixes_query_version()
        root = self.display.screen().root
        from Xlib.ext import xfixes

        for name in names:
            atom = self.display.intern_atom(name)
            self._atoms[atom] = name
            self.display.xfixes_select_selection_input(
                root, atom, xfixes.XFixesSetSelectionOwnerNotifyMask
            )
        self.display.flush()
        threading.Thread(target=self._loop, name="runnotes-selection-watch", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                event = self.display.next_event()
            except Exception:  # noqa: BLE001 - the X connection closed: stop watching
                return
            name = self._atoms.get(getattr(event, "selection", None))  # type: ignore[arg-type]
            if name:
                self.changed[name] = time.monotonic()

    def changed_within(self, name: str, seconds: float, now: float | None = None) -> bool:
        when = self.changed.get(name)
        return when is not None and (now or time.monotonic()) - when <= seconds
