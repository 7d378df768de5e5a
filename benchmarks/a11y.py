"""Reading the text under a point from the accessibility bus: time per point and exactness.

Xvfb + a D-Bus session with AT-SPI's bus, Debian's Chromium (accessibility on) showing a table of
40 runs x 4 metrics; for each cell, the agent's own reader (``A11yBus.pointed`` then
``read_pointed_text``) at the middle of the cell's digits, timed, and its digits, name and run
compared with the DOM's. The OCR path of ``benchmarks/agent.py`` is the figure to compare with.

    .venv/bin/python benchmarks/a11y.py
"""

from __future__ import annotations

import importlib.util
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT / "tests" / "agent"))
METRICS = ["val_acc", "val_loss", "top5_acc", "bleu"]


def page(rows: int) -> str:
    rng = random.Random(7)
    body = "".join(
        f"<tr><td>run-{i:02d}-lr{rng.choice(['1e-4', '3e-4'])}</td>"
        + "".join(f"<td>{rng.uniform(0, 1):.4f}</td>" for _ in METRICS)
        + "</tr>"
        for i in range(rows)
    )
    heads = "".join(f"<th>{m}</th>" for m in METRICS)
    return (
        "<html><body style='font: 13px sans-serif; margin: 20px'><table border=1 cellpadding=3>"
        f"<thead><tr><th>Run</th>{heads}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


CELLS_JS = """
[...document.querySelectorAll('tbody td:not(:first-child)')].map(td => ({
  box: textBox(td), text: td.innerText.trim(),
  name: document.querySelectorAll('thead th')[td.cellIndex].innerText.trim(),
  run: td.parentElement.cells[0].innerText.trim()})).filter(c => visible(c.box))
"""


def main() -> None:
    import realtools
    from Xlib import display as xlib_display

    from runnotes.capture.a11y import A11yBus, read_pointed_text
    from runnotes.capture.window import active_window

    spec = importlib.util.spec_from_file_location("helpers", ROOT / "tests/agent/conftest.py")
    helpers = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(helpers)  # type: ignore[union-attr]
    server = helpers.XServer()
    os.environ["DISPLAY"] = server.display
    times, right, cells = [], 0, []
    try:
        with tempfile.TemporaryDirectory() as tmp, realtools.a11y_session():
            html = Path(tmp) / "runs.html"
            html.write_text(page(40))
            browser = realtools.Browser()
            bus = A11yBus.open()
            assert bus is not None, "no accessibility bus"
            try:
                browser.goto(html.as_uri(), "table")
                time.sleep(1.5)
                conn = xlib_display.Display(server.display)
                pid = active_window(conn).pid
                cells = browser.boxes(CELLS_JS)
                for cell in cells:
                    x, y = cell["pointer"]
                    start = time.perf_counter()
                    pointed = bus.pointed(x, y, pid)
                    reading = read_pointed_text(pointed) if pointed else None
                    times.append((time.perf_counter() - start) * 1000)
                    right += reading is not None and (
                        reading.text,
                        reading.name,
                        reading.qualifier,
                    ) == (cell["text"], cell["name"], cell["run"])
                conn.close()
            finally:
                bus.close()
                browser.close()
    finally:
        server.close()
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"accessibility text at a point, {len(times)} table cells in Chromium: "
        f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; "
        f"digits, name and run right: {right}/{len(cells)}"
    )


if __name__ == "__main__":
    main()
