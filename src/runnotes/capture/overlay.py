"""Small Tk windows the agent opens in a child process: drag a region, type a quick note.

Tk wants the main thread of its process, and a stuck dialog must not stall the agent, so each
runs as ``python -m runnotes.capture.overlay region|note`` and prints its answer as JSON. The
region overlay shows a frozen full-screen picture instead of a transparent window: transparency
needs a compositor, which a plain X session (or Xvfb) lacks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 120


def _run(*args: str) -> dict | None:
    """Run the dialog; ``None`` when the user cancelled (Escape, closed window) or it failed."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "runnotes.capture.overlay", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    line = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    return json.loads(line[0]) if line else None


def pick_region(frozen_png: Path) -> tuple[int, int, int, int] | None:
    """Let the user drag a rectangle over a frozen picture of the screen: ``(x, y, w, h)``."""
    answer = _run("region", str(frozen_png))
    return tuple(answer["region"]) if answer else None


def ask_note() -> str | None:
    answer = _run("note")
    return (answer or {}).get("text") or None


def _region_window(png: str) -> None:
    import tkinter as tk

    root = tk.Tk(className="runnotes-region")
    root.title("runnotes: drag a region (Esc cancels)")
    root.attributes("-fullscreen", True)
    root.attributes("-topmost", True)
    photo = tk.PhotoImage(file=png)
    canvas = tk.Canvas(root, highlightthickness=0, cursor="crosshair")
    canvas.pack(fill="both", expand=True)
    canvas.create_image(0, 0, image=photo, anchor="nw")
    start: list[int] = []
    rect = canvas.create_rectangle(0, 0, 0, 0, outline="#ff3060", width=2)

    def press(event: tk.Event) -> None:
        start[:] = [event.x_root, event.y_root]

    def drag(event: tk.Event) -> None:
        if start:
            canvas.coords(rect, start[0], start[1], event.x_root, event.y_root)

    def release(event: tk.Event) -> None:
        if start:
            x0, x1 = sorted((start[0], event.x_root))
            y0, y1 = sorted((start[1], event.y_root))
            if x1 - x0 >= 8 and y1 - y0 >= 8:
                print(json.dumps({"region": [x0, y0, x1 - x0, y1 - y0]}), flush=True)
        root.destroy()

    canvas.bind("<ButtonPress-1>", press)
    canvas.bind("<B1-Motion>", drag)
    canvas.bind("<ButtonRelease-1>", release)
    root.bind("<Escape>", lambda _e: root.destroy())
    root.after(50, root.focus_force)
    root.mainloop()


def _note_window() -> None:
    import tkinter as tk

    root = tk.Tk(className="runnotes-note")
    root.title("runnotes: quick note (Enter saves, Esc cancels)")
    root.attributes("-topmost", True)
    entry = tk.Entry(root, width=60)
    entry.pack(padx=8, pady=8)

    def save(_event: tk.Event) -> None:
        print(json.dumps({"text": entry.get().strip()}), flush=True)
        root.destroy()

    entry.bind("<Return>", save)
    root.bind("<Escape>", lambda _e: root.destroy())
    root.after(50, entry.focus_force)
    root.mainloop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["region"]:
        _region_window(sys.argv[2])
    elif sys.argv[1:2] == ["note"]:
        _note_window()
    else:
        sys.exit("usage: python -m runnotes.capture.overlay region PNG | note")
