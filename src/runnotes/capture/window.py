"""Which window the user is looking at: title, application class and process, via python-xlib.

A window manager publishes the active window in ``_NET_ACTIVE_WINDOW`` on the root window; without
one (a bare X server) the input focus is the best guess. Windows can vanish between the key press
and the query, so every failure ends as an "unknown" window rather than an exception.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class WindowInfo:
    title: str = ""
    wm_class: str = ""
    pid: int | None = None
    rect: tuple[int, int, int, int] | None = None  # x, y, width, height on the screen, if known

    def origin(self) -> str:
        """``"<class>: <title>"``, the capture origin every part shows."""
        return f"{self.wm_class or 'unknown'}: {self.title}".rstrip(": ") or "unknown"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["class"] = data.pop("wm_class")
        if data["rect"] is None:
            del data["rect"]
        else:
            data["rect"] = list(data["rect"])
        return data


def _prop(display: Any, window: Any, name: str, kind: Any) -> Any:
    reply = window.get_full_property(display.intern_atom(name), kind)
    return reply.value if reply is not None else None


def _with_title(display: Any, window: Any) -> Any:
    """The focus is often a child of the decorated client window: walk up to one with a title."""
    from Xlib import X

    while window is not None and window != X.NONE:
        if (
            _prop(display, window, "_NET_WM_NAME", display.intern_atom("UTF8_STRING")) is not None
            or window.get_wm_name()
        ):
            return window
        parent = window.query_tree().parent
        if parent == 0 or parent == display.screen().root:
            return window
        window = parent
    return None


def _rect(display: Any, window: Any) -> tuple[int, int, int, int] | None:
    """The window's rectangle on the screen (its inside, without the frame a manager draws)."""
    try:
        geometry = window.get_geometry()
        origin = window.translate_coords(display.screen().root, 0, 0)
    except Exception:  # noqa: BLE001 - the window vanished: no rectangle
        return None
    return -origin.x, -origin.y, geometry.width, geometry.height


def active_window(display: Any) -> WindowInfo:
    """The active window (EWMH), else the input focus; an empty WindowInfo if neither answers."""
    from Xlib import X, Xatom
    from Xlib.error import XError

    try:
        root = display.screen().root
        active = _prop(display, root, "_NET_ACTIVE_WINDOW", Xatom.WINDOW)
        if active is not None and len(active) and active[0]:
            window = display.create_resource_object("window", int(active[0]))
        else:
            window = _with_title(display, display.get_input_focus().focus)
        if window is None or window in (X.NONE, X.PointerRoot):
            return WindowInfo()
        raw = _prop(display, window, "_NET_WM_NAME", display.intern_atom("UTF8_STRING"))
        if isinstance(raw, bytes):
            title = raw.decode("utf-8", "replace")
        else:
            title = window.get_wm_name() or ""
        wm_class = window.get_wm_class() or ("", "")
        pid = _prop(display, window, "_NET_WM_PID", Xatom.CARDINAL)
        pid_value = int(pid[0]) if pid is not None and len(pid) else None
        return WindowInfo(str(title), wm_class[1] or wm_class[0], pid_value, _rect(display, window))
    except (XError, AttributeError, TypeError):
        return WindowInfo()
