"""The desktop seam: what the agent needs from a desktop, whichever desktop it is.

The agent asks a desktop for chords (press and, where the desktop sends it, release), the pointer
and the active window where the desktop lets a program know them, the selection, a region or the
whole screen as pixels, and a way to notify. Everything above — reading a value, naming it,
matching the store, committing — is one path whatever answers here (``runnotes.agent``).

The backend is chosen once, at start, from the session: ``XDG_SESSION_TYPE`` /
``WAYLAND_DISPLAY`` say Wayland (even with ``DISPLAY`` set: XWayland only shows XWayland
windows), ``DISPLAY`` alone says X11; ``RUNNOTES_DESKTOP=x11|wayland`` overrides both. macOS and
Windows backends would implement the same protocol (docs/desktops.md); none exists yet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from runnotes.capture.hotkey import Chord
from runnotes.capture.screen import Shot
from runnotes.capture.window import WindowInfo
from runnotes.errors import RunnotesError

Rect = tuple[int, int, int, int]  # x, y, width, height in screen pixels


@dataclass(frozen=True)
class Capability:
    """One thing the agent may need, whether this desktop gives it, and what to do if not."""

    name: str  # chords, push-to-talk, selection, region, pointer, active window, ...
    works: bool
    how: str  # what gives it here, or why it is missing
    fix: str = ""  # what the user can do about a missing one


class Listener(Protocol):
    """Delivers chord presses (and releases) to the chords' callbacks until stopped."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Reader(Protocol):
    """The fleeting state of the desktop, read from one thread (X connections are per thread)."""

    bounds: Rect | None  # the whole screen, when pixels can be read without asking

    def window(self) -> WindowInfo: ...

    def selection(self) -> tuple[str, str]:
        """The selected text and where it came from ("selection", "clipboard"), or ("", "")."""
        ...

    def grab(self, region: Rect) -> Shot | None: ...

    def full(self) -> Shot | None: ...

    def close(self) -> None: ...


class Desktop(Protocol):
    name: str  # "x11", "wayland"

    def listen(self, chords: list[Chord]) -> Listener: ...

    def pointer(self) -> tuple[int, int] | None:
        """The global pointer position, or None where the desktop does not tell (Wayland)."""
        ...

    def reader(self) -> Reader: ...

    def pick_region(self) -> tuple[Rect, Shot | None] | None:
        """Let the user pick a rectangle; with the picture of it when the desktop gives only
        that (a screenshot portal). None when cancelled."""
        ...

    def capabilities(self) -> list[Capability]: ...

    def notify(self, line: str) -> bool: ...

    def close(self) -> None: ...


def session_kind(env: Mapping[str, str]) -> str:
    """``"x11"``, ``"wayland"`` or ``""`` (no display at all), from the session's variables."""
    forced = env.get("RUNNOTES_DESKTOP", "").strip().lower()
    if forced in ("x11", "wayland"):
        return forced
    if forced:
        raise RunnotesError(f"RUNNOTES_DESKTOP must be x11 or wayland, not {forced!r}")
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "wayland":
        return "wayland"
    return "x11" if env.get("DISPLAY") else ""


def open_desktop(
    env: Mapping[str, str] | None = None,
    *,
    clipboard_seconds: float = 5.0,
    region_picker: str = "slurp",
) -> Desktop:
    """The desktop of this session, checked now so the agent fails at start in one line.

    ``clipboard_seconds``: how fresh a copy must be to count (X11); ``region_picker``: the
    command that prints the rectangle the user draws, as ``X,Y WxH`` (Wayland, slurp's form)."""
    env = dict(os.environ if env is None else env)
    kind = session_kind(env)
    if kind == "x11":
        from runnotes.capture.x11 import X11Desktop

        return X11Desktop.open(env["DISPLAY"], clipboard_seconds)
    if kind == "wayland":
        from runnotes.capture.wayland import WaylandDesktop

        return WaylandDesktop.open(env, region_picker)  # type: ignore[return-value]
    raise RunnotesError(
        "no display: neither DISPLAY nor WAYLAND_DISPLAY is set (run the agent inside a "
        "desktop session; `runnotes agent doctor` says what works where)"
    )


def no_desktop_capabilities() -> list[Capability]:
    """What ``agent doctor`` says outside any desktop session (ssh, a container, CI)."""
    fix = "run inside an X11 or Wayland session (DISPLAY or WAYLAND_DISPLAY set)"
    return [
        Capability(name, False, "no display", fix)
        for name in ("chords", "push-to-talk", "selection", "region", "pointer", "active window")
    ] + common_capabilities()


def common_capabilities() -> list[Capability]:
    """Capabilities that do not depend on the display server."""
    caps = []
    if shutil.which("notify-send") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        caps.append(Capability("notifications", True, "notify-send"))
    else:
        caps.append(
            Capability(
                "notifications",
                False,
                "no notify-send or no session bus",
                "install libnotify-bin; feedback still goes to the agent's output",
            )
        )
    a11y = _has_a11y_bus()
    caps.append(
        Capability(
            "accessible text",
            a11y,
            "AT-SPI bus" if a11y else "no AT-SPI bus on the session bus",
            "" if a11y else "install at-spi2-core (text then comes from OCR only)",
        )
    )
    tmux = shutil.which("tmux") is not None
    caps.append(
        Capability(
            "terminal text",
            tmux,
            "tmux capture-pane" if tmux else "no tmux",
            "" if tmux else "run the terminal's shell in tmux for exact digits (else OCR)",
        )
    )
    return caps


def _has_a11y_bus() -> bool:
    from runnotes.capture.a11y import A11yBus

    bus = A11yBus.open()
    if bus is None:
        return False
    bus.close()
    return True


def notify(line: str) -> bool:
    """A desktop notification (freedesktop, any desktop with a notification daemon)."""
    notifier = shutil.which("notify-send")
    if notifier is None:
        return False
    try:
        subprocess.Popen(
            [notifier, "-a", "runnotes", "-t", "3000", "runnotes", line],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return False
    return True
