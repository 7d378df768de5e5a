"""Global chords on Wayland through the GlobalShortcuts portal (xdg-desktop-portal ≥ 1.16).

A Wayland client sees only the keys sent to its own windows; the desktop, asked through the
portal, binds a shortcut for it and sends ``Activated`` on press and ``Deactivated`` on release,
so push-to-talk holds as on X11. KDE ≥ 5.27, GNOME ≥ 48 and Hyprland implement it; sway and
GNOME < 48 do not (a desktop keybinding running ``runnotes like --selection`` is the fallback).

Since xdg-desktop-portal 1.21 a program outside a sandbox first registers its app id, which must
match an installed ``.desktop`` file (``runnotes agent install`` writes it). The registry says so
itself: ``org.freedesktop.host.portal.Registry`` has a ``version`` property; an older frontend
has no such interface, takes the app id from the process (an empty one here) and is not called.

The region chord on desktops that are not wlroots (GNOME, KDE) asks the Screenshot portal for an
interactive screenshot: the desktop lets the user pick the area and hands back a PNG file (not
its place on the screen).

The portal's calls answer through ``Request`` objects whose ``Response`` signal carries the
result; one thread owns the D-Bus connection (jeepney, pure Python) for the calls and the signals.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jeepney import DBusAddress, HeaderFields, MatchRule, Properties, message_bus, new_method_call
from jeepney.io.blocking import Proxy, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from runnotes.capture.hotkey import Chord
from runnotes.errors import RunnotesError

log = logging.getLogger(__name__)

APP_ID = "io.github.runnotes.Agent"
BUS_NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REGISTRY = "org.freedesktop.host.portal.Registry"
SCREENSHOT = "org.freedesktop.portal.Screenshot"
CALL_TIMEOUT_S = 10.0  # a desktop may ask the user to confirm the shortcuts
_tokens = itertools.count(1)


def to_trigger(chord: str) -> str:
    """``ctrl+alt+l`` → ``CTRL+ALT+l`` (the XDG shortcuts spec's modifier names)."""
    names = {"ctrl": "CTRL", "alt": "ALT", "shift": "SHIFT", "super": "LOGO", "win": "LOGO"}
    return "+".join(names.get(part.strip().lower(), part.strip()) for part in chord.split("+"))


def interface_version(conn: Any, interface: str) -> int | None:
    """The ``version`` of a portal interface on this connection's bus, or None without it."""
    try:
        msg = Properties(DBusAddress(PATH, BUS_NAME, interface)).get("version")
        return int(unwrap_msg(conn.send_and_get_reply(msg, timeout=3))[0][1])
    except Exception as exc:  # noqa: BLE001 - no portal, no such interface
        log.info("portal %s: %s", interface, exc)
        return None


def portal_version(interface: str = SHORTCUTS) -> int | None:
    """The version of a portal interface on the session bus, or None when it is not there."""
    try:
        with open_dbus_connection(bus="SESSION") as conn:
            return interface_version(conn, interface)
    except Exception as exc:  # noqa: BLE001 - no session bus
        log.info("portal %s: %s", interface, exc)
        return None


def register_app_id(conn: Any, app_id: str = APP_ID) -> bool:
    """Register the app id where the frontend has a registry (xdg-desktop-portal ≥ 1.21): it must
    come before any other portal call on the connection. Frontends without the registry's
    ``version`` are older: they are not called, and take the app id from the process."""
    version = interface_version(conn, REGISTRY)
    if version is None:
        log.info("no app-id registry (xdg-desktop-portal < 1.21): not registering")
        return False
    msg = new_method_call(DBusAddress(PATH, BUS_NAME, REGISTRY), "Register", "sa{sv}", (app_id, {}))
    try:
        unwrap_msg(conn.send_and_get_reply(msg, timeout=CALL_TIMEOUT_S))
    except DBusErrorResponse as exc:
        raise RunnotesError(
            f"the portal refused the app id {app_id} ({exc.name}): `runnotes agent install` "
            f"writes its {app_id}.desktop file"
        ) from exc
    log.info("app id %s registered (registry v%s)", app_id, version)
    return True


def request(
    conn: Any,
    signals: Any,
    interface: str,
    method: str,
    signature: str,
    args: tuple[Any, ...],
    options: dict[str, Any],
    timeout: float = CALL_TIMEOUT_S,
    other: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """A portal call and the ``Response`` of its request object: the results, or an error.
    Signals that arrive meanwhile go to ``other`` once the response is in."""
    token = f"runnotes{next(_tokens)}"
    sender = conn.unique_name.lstrip(":").replace(".", "_")
    handle = f"{PATH}/request/{sender}/{token}"
    msg = new_method_call(
        DBusAddress(PATH, BUS_NAME, interface),
        method,
        signature,
        (*args, {**options, "handle_token": ("s", token)}),
    )
    unwrap_msg(conn.send_and_get_reply(msg, timeout=CALL_TIMEOUT_S))
    deadline = time.monotonic() + timeout
    early = []
    try:
        while True:
            signal = conn.recv_until_filtered(
                signals, timeout=max(0.01, deadline - time.monotonic())
            )
            fields = signal.header.fields
            if fields.get(HeaderFields.path) == handle and (
                fields.get(HeaderFields.member) == "Response"
            ):
                response, results = signal.body
                if response != 0:
                    raise RunnotesError(
                        f"{method}: " + ("cancelled" if response == 1 else "failed")
                    )
                return results
            early.append(signal)
    finally:
        if other is not None:
            for signal in early:
                other(signal)


def screenshot(app_id: str = APP_ID, timeout: float = 120.0) -> bytes | None:
    """An interactive screenshot through the portal (the user picks the area in the desktop's
    own dialog): the PNG's bytes, or None when cancelled or there is no portal. The desktop
    saves the file; it is read, and left where the desktop put it."""
    try:
        with open_dbus_connection(bus="SESSION") as conn:
            Proxy(message_bus, conn).AddMatch(MatchRule(type="signal", sender=BUS_NAME))
            with conn.filter(MatchRule(type="signal"), bufsize=64) as signals:
                register_app_id(conn, app_id)
                options = {"interactive": ("b", True), "modal": ("b", True)}
                results = request(
                    conn, signals, SCREENSHOT, "Screenshot", "sa{sv}", ("",), options, timeout
                )
    except (RunnotesError, TimeoutError, DBusErrorResponse, OSError) as exc:
        log.info("screenshot portal: %s", exc)
        return None
    uri = str(results.get("uri", ("s", ""))[1])
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        log.info("screenshot portal: not a file: %r", uri)
        return None
    try:
        return Path(unquote(parsed.path)).read_bytes()
    except OSError as exc:
        log.info("screenshot portal: %s", exc)
        return None


class PortalShortcuts:
    """The agent's chords bound through the portal; callbacks run on this listener's thread."""

    def __init__(self, chords: list[Chord], app_id: str = APP_ID) -> None:
        self.chords = {chord.name: chord for chord in chords}
        self.app_id = app_id
        self.registered = False  # the frontend has an app-id registry (≥ 1.21) and took ours
        self.bound: dict[str, str] = {}  # shortcut id → the trigger the desktop settled on
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: str | None = None
        self.session = ""  # the portal's session object, once created
        self._thread = threading.Thread(target=self._run, name="runnotes-portal", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(CALL_TIMEOUT_S * 3):
            raise RunnotesError("the GlobalShortcuts portal did not answer")
        if self._error:
            raise RunnotesError(f"the GlobalShortcuts portal refused the chords: {self._error}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    # -- the connection's thread --------------------------------------------------------------
    def _run(self) -> None:
        try:
            conn = open_dbus_connection(bus="SESSION")
        except Exception as exc:  # noqa: BLE001 - reported by start()
            self._error = f"no session bus: {exc}"
            self._ready.set()
            return
        bus = Proxy(message_bus, conn)
        try:
            bus.AddMatch(MatchRule(type="signal", sender=BUS_NAME))
            # Signals arrive with the frontend's unique name as sender: filter on type here.
            with conn.filter(MatchRule(type="signal"), bufsize=256) as signals:
                try:
                    self._bind(conn, signals)
                except Exception as exc:  # noqa: BLE001 - reported by start()
                    self._error = str(exc) or type(exc).__name__
                    return
                finally:
                    self._ready.set()
                self._listen(conn, signals)
        finally:
            conn.close()

    def _bind(self, conn: Any, signals: Any) -> None:
        self.registered = register_app_id(conn, self.app_id)
        results = request(
            conn,
            signals,
            SHORTCUTS,
            "CreateSession",
            "a{sv}",
            (),
            {"session_handle_token": ("s", f"runnotes{next(_tokens)}")},
            other=self._dispatch,  # a chord pressed meanwhile is still handled
        )
        self.session = str(results["session_handle"][1])
        shortcuts = [
            (
                chord.name,
                {
                    "description": ("s", f"runnotes: {chord.name}"),
                    "preferred_trigger": ("s", to_trigger(chord.keys)),
                },
            )
            for chord in self.chords.values()
        ]
        results = request(
            conn,
            signals,
            SHORTCUTS,
            "BindShortcuts",
            "oa(sa{sv})sa{sv}",
            (self.session, shortcuts, ""),
            {},
            other=self._dispatch,
        )
        for name, props in results.get("shortcuts", ("", []))[1]:
            self.bound[name] = str(props.get("trigger_description", ("s", ""))[1])
        log.info("portal shortcuts bound: %s", self.bound)

    def _listen(self, conn: Any, signals: Any) -> None:
        while not self._stop.is_set():
            try:
                signal = conn.recv_until_filtered(signals, timeout=0.25)
            except TimeoutError:
                continue
            except Exception as exc:  # noqa: BLE001 - the bus went away: no more chords
                log.warning("portal connection lost: %s", exc)
                return
            self._dispatch(signal)

    def _dispatch(self, signal: Any) -> None:
        member = signal.header.fields.get(HeaderFields.member)
        if member not in ("Activated", "Deactivated") or signal.body[0] != self.session:
            return
        chord = self.chords.get(signal.body[1])
        if chord is None:
            return
        callback = chord.on_press if member == "Activated" else chord.on_release
        if callback is not None:
            try:
                callback()
            except Exception:  # noqa: BLE001 - one failing chord must not end the listener
                log.exception("chord %s", chord.name)
