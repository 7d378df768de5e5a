"""The Wayland desktop: what a Wayland client may know, asked the ways Wayland allows.

A Wayland client cannot read the global pointer, other windows' keys or pixels. So:

- chords come from the GlobalShortcuts portal (``capture/portal.py``), press and release; where
  the desktop lacks it (sway, GNOME < 48) a desktop keybinding runs ``runnotes like
  --selection`` / ``runnotes talk --toggle`` instead (``runnotes agent doctor`` says which);
- "the value under the pointer" becomes "select, then like": the primary selection, read with
  ``wl-paste --primary`` (the compositor's data-control protocol);
- the region chord lets the user draw a rectangle with ``slurp`` and grabs it with ``grim`` on
  wlroots compositors (sway, Hyprland); elsewhere (GNOME, KDE) it asks the Screenshot portal for
  an interactive screenshot, whose picture is all it gets (not where it was on the screen);
- the active window comes from ``swaymsg`` on sway; other compositors do not tell.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import struct
import subprocess
from collections.abc import Mapping
from typing import Any

from runnotes.capture.desktop import Capability, Rect, common_capabilities, notify
from runnotes.capture.hotkey import Chord
from runnotes.capture.portal import SCREENSHOT, PortalShortcuts, portal_version, screenshot
from runnotes.capture.screen import PngShot
from runnotes.capture.window import WindowInfo
from runnotes.errors import RunnotesError

log = logging.getLogger(__name__)
TIMEOUT_S = 2.0
PICK_TIMEOUT_S = 120.0  # the user drawing a rectangle
# Compositors with wlroots' screencopy protocol, which grim needs (GNOME and KDE lack it).
WLROOTS = {"sway", "hyprland", "river", "wayfire", "labwc", "niri", "dwl", "cage"}
FALLBACK = (
    "bind keys in the desktop's settings to `runnotes like --selection` (like), "
    "`runnotes like --region` (region) and `runnotes talk --toggle` (voice: press to start, "
    "press again to stop)"
)


def _run(args: list[str], timeout: float = TIMEOUT_S, data: bool = False) -> Any:
    """A helper's stdout (bytes with ``data``), or None when it is missing or fails."""
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("%s: %s", args[0], exc)
        return None
    if done.returncode != 0:
        log.info("%s: exit %s: %s", args[0], done.returncode, done.stderr[:200])
        return None
    return done.stdout if data else done.stdout.decode("utf-8", "replace")


def parse_geometry(text: str) -> Rect | None:
    """slurp's ``X,Y WxH`` → (x, y, w, h)."""
    try:
        where, size = text.strip().split(" ", 1)
        x, y = (int(v) for v in where.split(","))
        w, h = (int(v) for v in size.split("x"))
    except ValueError:
        return None
    return (x, y, w, h) if w > 0 and h > 0 else None


def _png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header (IHDR)."""
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _focused(node: dict[str, Any]) -> dict[str, Any] | None:
    if node.get("focused"):
        return node
    for child in node.get("nodes", []) + node.get("floating_nodes", []):
        found = _focused(child)
        if found is not None:
            return found
    return None


class WaylandReader:
    bounds: Rect | None = None  # no pointer, so never a region around it

    def __init__(self, desktop: WaylandDesktop) -> None:
        self._desktop = desktop

    def window(self) -> WindowInfo:
        """The focused window on sway (title, app id, pid, rectangle); unknown elsewhere."""
        if not self._desktop.sway:
            return WindowInfo()
        raw = _run(["swaymsg", "-t", "get_tree", "-r"])
        node = _focused(json.loads(raw)) if raw else None
        if node is None or node.get("type") not in ("con", "floating_con"):
            return WindowInfo()
        rect = node.get("rect") or {}
        app = node.get("app_id") or (node.get("window_properties") or {}).get("class") or ""
        return WindowInfo(
            str(node.get("name") or ""),
            str(app),
            node.get("pid"),
            (rect["x"], rect["y"], rect["width"], rect["height"]) if rect else None,
        )

    def selection(self) -> tuple[str, str]:
        text = _run(["wl-paste", "--primary", "--no-newline", "--type", "text"])
        return (text, "selection") if text and text.strip() else ("", "")

    def grab(self, region: Rect) -> PngShot | None:
        x, y, w, h = region
        data = _run(["grim", "-g", f"{x},{y} {w}x{h}", "-"], data=True)
        return PngShot(region, data) if data else None

    def full(self) -> PngShot | None:
        data = _run(["grim", "-"], data=True)
        if not data:
            return None
        return PngShot((0, 0, *_png_size(data)), data)

    def close(self) -> None:
        pass


class WaylandDesktop:
    name = "wayland"

    def __init__(self, env: Mapping[str, str], region_picker: str = "slurp") -> None:
        self.env = dict(env)
        self.sway = bool(env.get("SWAYSOCK")) and shutil.which("swaymsg") is not None
        self.compositor = "sway" if self.sway else env.get("XDG_CURRENT_DESKTOP", "") or "unknown"
        self.region_picker = region_picker
        desktops = {d.strip().lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":")}
        self.wlroots = self.sway or bool(desktops & WLROOTS)
        self.shortcuts = portal_version()
        self.screenshots = portal_version(SCREENSHOT)

    @classmethod
    def open(cls, env: Mapping[str, str], region_picker: str = "slurp") -> WaylandDesktop:
        runtime = env.get("XDG_RUNTIME_DIR", "")
        socket = env.get("WAYLAND_DISPLAY", "wayland-0")
        if not os.path.isabs(socket):
            socket = os.path.join(runtime, socket)
        if not os.path.exists(socket):
            raise RunnotesError(f"no Wayland compositor at {socket} (WAYLAND_DISPLAY)")
        return cls(env, region_picker)

    def listen(self, chords: list[Chord]) -> PortalShortcuts | NoChords:
        if self.shortcuts is None:
            return NoChords()
        return PortalShortcuts(chords)

    def pointer(self) -> None:
        return None

    def reader(self) -> WaylandReader:
        return WaylandReader(self)

    def pick_region(self) -> tuple[Rect, PngShot | None] | None:
        """On wlroots, slurp (or the configured picker) draws the rectangle and grim grabs it;
        elsewhere the Screenshot portal's interactive picker gives the picture only, so the
        rectangle is the picture's own (the value's place on the screen is not known)."""
        if not self.wlroots or self.region_picker == "portal":
            return self._portal_region()
        picked = _run(shlex.split(self.region_picker), timeout=PICK_TIMEOUT_S)
        rect = parse_geometry(picked) if picked else None
        if rect is None:
            return None
        shot = WaylandReader(self).grab(rect)
        return (rect, shot) if shot is not None else None

    def _portal_region(self) -> tuple[Rect, PngShot | None] | None:
        if self.screenshots is None:
            return None
        data = screenshot(timeout=PICK_TIMEOUT_S)
        if not data or data[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        rect = (0, 0, *_png_size(data))
        return rect, PngShot(rect, data)

    def notify(self, line: str) -> bool:
        return notify(line)

    def capabilities(self) -> list[Capability]:
        desktop = f"Wayland ({self.compositor})"
        if self.shortcuts is not None:
            chords = Capability(
                "chords", True, f"{desktop}: GlobalShortcuts portal v{self.shortcuts}"
            )
            talk = Capability("push-to-talk", True, "the portal sends Activated and Deactivated")
        else:
            why = "no GlobalShortcuts portal (sway, GNOME < 48 and portals < 1.16 lack it)"
            chords = Capability("chords", False, f"{desktop}: {why}", FALLBACK)
            talk = Capability(
                "push-to-talk",
                False,
                "desktop keybindings send no key release",
                "bind `runnotes talk --toggle`: press to start, press again to stop",
            )
        paste = shutil.which("wl-paste") is not None
        grim = shutil.which("grim") is not None and shutil.which("slurp") is not None
        if self.wlroots and self.region_picker != "portal":
            region = Capability(
                "region",
                grim,
                "slurp + grim (wlroots)" if grim else "no grim/slurp",
                "" if grim else "install grim and slurp (wlroots compositors)",
            )
        else:
            shots = self.screenshots is not None
            region = Capability(
                "region",
                shots,
                f"Screenshot portal v{self.screenshots} (interactive)"
                if shots
                else "no Screenshot portal",
                "" if shots else "install the desktop's xdg-desktop-portal backend",
            )
        return [
            chords,
            talk,
            Capability(
                "selection",
                paste,
                "primary selection (wl-paste --primary)" if paste else "no wl-paste",
                "" if paste else "install wl-clipboard",
            ),
            region,
            Capability(
                "pointer",
                False,
                "Wayland does not tell programs where the pointer is",
                "select the value, then like it (the selection is read exactly)",
            ),
            Capability(
                "active window",
                self.sway,
                "swaymsg get_tree" if self.sway else f"{self.compositor} does not tell",
                "" if self.sway else "likes are stored without the window's name",
            ),
            *common_capabilities(),
        ]

    def close(self) -> None:
        pass


class NoChords:
    """The listener of a desktop without the shortcut portal: keybindings call in instead."""

    def start(self) -> None:
        log.info("no global chords: %s", FALLBACK)

    def stop(self) -> None:
        pass
