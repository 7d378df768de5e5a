"""A real X server (Xvfb + openbox) for the agent tests, real Tk windows, real key events.

Xvfb's ``-displayfd`` writes the display number when it is ready; the number and the newline can
arrive in separate writes, and closing our end of the pipe kills the server, so we read up to the
newline and keep the pipe open for the whole session.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCREEN = (1280, 800)


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}: run scripts/setup")


class XServer:
    """Xvfb with RECORD (for pynput) and openbox (active-window hints) on ``.display``."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        self.server = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                f"{SCREEN[0]}x{SCREEN[1]}x24",
                "-nolisten",
                "tcp",
                "+extension",
                "RECORD",
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        self._pipe = read_fd  # kept open: closing it kills Xvfb
        number = b""
        deadline = time.monotonic() + 30
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            if select.select([read_fd], [], [], 0.5)[0]:
                chunk = os.read(read_fd, 16)
                if not chunk:
                    break
                number += chunk
        if not number.strip():
            self.server.kill()
            raise RuntimeError("Xvfb did not report a display number")
        self.display = f":{number.decode().strip()}"
        self.wm = subprocess.Popen(
            ["openbox"],
            env={**os.environ, "DISPLAY": self.display},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def close(self) -> None:
        for proc in (self.wm, self.server):
            proc.terminate()
            proc.wait(timeout=10)
        os.close(self._pipe)


@pytest.fixture(scope="session")
def xdisplay() -> Iterator[str]:
    """A fresh X server for the session, exported as DISPLAY."""
    _need("Xvfb", "openbox", "xdotool")
    server = XServer()
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = server.display
    try:
        yield server.display
    finally:
        server.close()
        if old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = old


def xdo(*args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


class TkWindow:
    """A Tk window (its own process) showing text lines at a known place on the screen."""

    def __init__(
        self,
        title: str,
        lines: list[str],
        wm_class: str = "Trainlog",
        x: int = 100,
        y: int = 100,
        font_size: int = 15,
    ) -> None:
        self.title, self.wm_class = title, wm_class
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "tkwindow.py"),
                title,
                wm_class,
                str(x),
                str(y),
                str(font_size),
                *lines,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not ready.startswith("ready"):
            raise RuntimeError(f"the Tk window did not start: {ready!r}")
        # "ready <line height> <char width> <x of text> <y of text>" in screen pixels
        self.line_height, self.char_width, self.text_x, self.text_y = map(int, ready.split()[1:])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--name", title], capture_output=True, text=True
            ).stdout.split()
            if found:
                self.window_id = found[0]
                break
            time.sleep(0.05)
        xdo("windowactivate", "--sync", self.window_id)
        time.sleep(0.3)

    def point_at(self, line: int, char: int) -> tuple[int, int]:
        """Screen coordinates of the middle of character ``char`` on line ``line`` (monospace)."""
        return (
            self.text_x + int((char + 0.5) * self.char_width),
            self.text_y + int((line + 0.5) * self.line_height),
        )

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def tk_window(xdisplay: str) -> Iterator[type[TkWindow]]:
    opened: list[TkWindow] = []

    def open_window(*args: object, **kwargs: object) -> TkWindow:
        window = TkWindow(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(window)
        return window

    yield open_window  # type: ignore[misc]
    for window in opened:
        window.close()
