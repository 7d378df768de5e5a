"""Key press → like committed through the browser extension, p50/p95 over 50 presses.

A real Xvfb + openbox, headed Debian Chromium with the extension (Playwright), a real
`runnotes serve` paired with it, and a page with the value in the DOM (a runs table). The pointer
rests on the value; `xdotool key alt+shift+l` sends the real key, which reaches the extension's
``chrome.commands``. The clock starts just before xdotool is launched and stops when the capture
is in the SQLite file (polled every millisecond with a separate connection), so the figures
include xdotool's own start-up and the server's commit. Presses are sequential. Beside it, in the
same run, the same like started inside the extension (no key: the function the command calls),
to show what the key's path through X and Chromium costs. Target from the issue: p95 ≤ 150 ms.

    .venv/bin/python benchmarks/extension.py [--presses 50]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/logging.py would shadow the standard library's logging for the imports below.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT / "tests"))
TARGET_MS = 150.0
PAGE = """<!doctype html><meta charset=utf-8><title>runs</title>
<table><thead><tr><th>run</th><th>step</th><th>val_loss</th><th>val_acc</th></tr></thead>
<tbody><tr><td>resnet18</td><td>1200</td><td>0.4123</td><td id=v>0.9312</td></tr></tbody></table>"""


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def last_id(db: sqlite3.Connection) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM capture").fetchone()[0]


def wait_commit(db: sqlite3.Connection, before: int, start: float) -> float:
    while last_id(db) == before:
        if time.monotonic() - start > 30:
            raise SystemExit("a press was not stored within 30 s")
        time.sleep(0.001)
    return (time.monotonic() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=50)
    args = parser.parse_args()
    from agent.conftest import XServer
    from extension.harness import ExtensionBrowser, StaticPages, start_serve

    x = XServer()
    env = {"DISPLAY": x.display}
    tmp = Path(tempfile.mkdtemp(prefix="runnotes-bench-ext-"))
    (tmp / "pages").mkdir()
    (tmp / "pages" / "runs.html").write_text(PAGE)
    serve = start_serve(tmp / "home", tmp)
    pages = StaticPages(tmp / "pages")
    browser = ExtensionBrowser(tmp / "profile", serve, headless=False, env=env)
    try:
        page = browser.context.new_page()
        page.goto(f"{pages.url}/runs.html")
        for other in browser.context.pages:
            if other is not page:
                other.close()
        box = page.locator("#v").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        window = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "chromium"],
            capture_output=True, text=True, env={**os.environ, **env}, check=True,
        ).stdout.split()[-1]  # fmt: skip
        subprocess.run(["xdotool", "windowactivate", "--sync", window], env={**os.environ, **env})
        db = sqlite3.connect(tmp / "home" / "runnotes.db")
        keyed, inside = [], []
        for i in range(args.presses + 3):  # the first three warm up the worker and the server
            before = last_id(db)
            start = time.monotonic()
            subprocess.run(["xdotool", "key", "alt+shift+l"], env={**os.environ, **env}, check=True)
            took = wait_commit(db, before, start)
            if i >= 3:
                keyed.append(took)
            time.sleep(0.05)
        for i in range(args.presses + 3):
            before = last_id(db)
            start = time.monotonic()
            browser.worker.evaluate("runnotesLikeActiveTab()")
            took = wait_commit(db, before, start)
            if i >= 3:
                inside.append(took)
        load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"load {' '.join(load)}, {args.presses} presses each, Chromium on Xvfb")
        for label, values in (("key (xdotool → commit)", keyed), ("in extension (no key)", inside)):
            print(
                f"{label:24} p50 {statistics.median(values):6.1f} ms  "
                f"p95 {percentile(values, 95):6.1f} ms  max {max(values):6.1f} ms"
            )
        ratio = percentile(keyed, 95) / percentile(inside, 95)
        print(f"key / in-extension p95 ratio: {ratio:.2f}")
        ok = percentile(keyed, 95) <= TARGET_MS
        print(f"target p95 ≤ {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
        if not ok:
            raise SystemExit(1)
    finally:
        browser.close()
        pages.close()
        serve.close()
        x.close()


if __name__ == "__main__":
    main()
