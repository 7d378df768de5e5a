"""Global chords through pynput, including one that is held (push-to-talk).

``GlobalHotKeys`` only reports activation; push-to-talk also needs the release, so one plain
``keyboard.Listener`` feeds pynput ``HotKey`` objects and watches releases itself. Callbacks run
on pynput's listener thread: they must only note the time and hand the work on.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runnotes.errors import RunnotesError

READY_TIMEOUT_S = 5.0
log = logging.getLogger(__name__)


def to_pynput(chord: str) -> str:
    """``"ctrl+alt+l"`` → ``"<ctrl>+<alt>+l"``; named keys (``f9``, ``space``) get brackets too."""
    parts = [p.strip().lower() for p in chord.split("+")]
    if not all(parts) or not re.fullmatch(r"[\w+ ]+", chord.strip()):
        raise RunnotesError(f"not a key chord: {chord!r} (write it like ctrl+alt+l)")
    names = {"super": "cmd", "win": "cmd"}
    return "+".join(p if len(p) == 1 else f"<{names.get(p, p)}>" for p in parts)


@dataclass
class Chord:
    """A chord, what to do on press, and (for held chords) what to do on release."""

    name: str
    keys: str
    on_press: Callable[[], None]
    on_release: Callable[[], None] | None = None


class ChordListener:
    """Watches all chords with one pynput listener; reports press and (when asked) release."""

    def __init__(self, chords: list[Chord], display_name: str | None = None) -> None:
        from pynput import keyboard

        self._display_name = display_name
        self._keyboard = keyboard
        self._chords = chords
        self._held: dict[str, set[Any]] = {}
        self._hotkeys = []
        seen: dict[str, str] = {}
        for chord in chords:
            spec = to_pynput(chord.keys)
            if spec in seen:
                raise RunnotesError(
                    f"the {chord.name} and {seen[spec]} chords are both {chord.keys}"
                )
            seen[spec] = chord.name
            try:
                keys = keyboard.HotKey.parse(spec)
            except ValueError as exc:
                raise RunnotesError(f"not a key chord: {chord.keys!r} ({exc})") from exc
            self._hotkeys.append((chord, keys, keyboard.HotKey(keys, self._activate(chord, keys))))
        self.listener = keyboard.Listener(on_press=self._press, on_release=self._release)

    def _activate(self, chord: Chord, keys: list[Any]) -> Callable[[], None]:
        def fire() -> None:
            if chord.on_release is not None:
                if chord.name in self._held:
                    return  # auto-repeat of a held chord
                self._held[chord.name] = set(keys)
            chord.on_press()

        return fire

    def _press(self, key: Any) -> None:
        canonical = self.listener.canonical(key)
        for _, _, hotkey in self._hotkeys:
            hotkey.press(canonical)

    def _release(self, key: Any) -> None:
        canonical = self.listener.canonical(key)
        for chord, _, hotkey in self._hotkeys:
            hotkey.release(canonical)
            keys = self._held.get(chord.name)
            if keys is not None and canonical in keys and chord.on_release is not None:
                del self._held[chord.name]
                chord.on_release()

    def start(self) -> None:
        """Start listening, and fail clearly if the listener thread died (no X RECORD)."""
        self.listener.start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.listener._ready and self.listener.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)  # not listener.wait(): it never returns if the thread died
        if not (self.listener.is_alive() and self.listener._ready):
            raise RunnotesError(
                "the key listener stopped at once: the X server lacks the RECORD "
                "extension (start Xvfb/Xorg with +extension RECORD)"
            )

    def stop(self) -> None:
        """Stop and wait for the listener, so it never outlives the X connection it reads.

        pynput's X stop request sits unsent in the recording connection's buffer until the next
        key event wakes it (``stop`` took 5 s, then the thread died on a closed display). The same
        request sent on a connection of our own (a record context is a server-wide id, as in
        python-xlib's record demo) ends the recording at once. Our own connection, because
        pynput's thread closes its second connection while stopping: writing to it from here
        raced with that close (python-xlib ``TypeError`` in 2 of ~18 stops).
        """
        self.listener.stop()
        context = getattr(self.listener, "_context", None)
        deadline = time.monotonic() + 5
        # Repeated: a disable that reaches the server just before pynput's thread enables the
        # recording is lost, and the thread would then wait for the next key event.
        while context is not None and self.listener.is_alive() and time.monotonic() < deadline:
            try:
                from Xlib import display as xdisplay

                conn = xdisplay.Display(self._display_name)
                try:
                    conn.record_disable_context(context)
                    conn.flush()
                finally:
                    conn.close()
            except Exception as exc:  # noqa: BLE001 - the recording may already be gone
                log.debug("record_disable_context: %s", exc)
            self.listener.join(timeout=0.2)
        self.listener.join(timeout=max(0.0, deadline - time.monotonic()))
