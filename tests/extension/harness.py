"""The real extension in Debian's Chromium (Playwright), paired with a real `runnotes serve`.

A like is made as a person makes it: the pointer is moved onto the value (a real mouse event),
then the background worker's like runs — the very function the keyboard command calls
(Playwright's synthetic keys do not reach ``chrome.commands``; the command itself is tested with a
real X key in ``test_command.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runnotes.cli.extension import SOURCE
from runnotes.config import load_settings
from runnotes.store import Store, open_store
from runnotes.store.models import Capture
from web.seed import free_port, wait_up

HERE = Path(__file__).parent
PAGES = HERE / "pages"


def chromium() -> str | None:
    return shutil.which("chromium")


@dataclass
class Serve:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    home: Path

    def store(self) -> Store:
        return open_store(load_settings(self.home))

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_serve(home: Path, log_dir: Path) -> Serve:
    env = {**os.environ, "RUNNOTES_HOME": str(home)}
    for var in ("RUNNOTES_DB", "RUNNOTES_MEDIA", "RUNNOTES_SERVER", "RUNNOTES_TOKEN"):
        env.pop(var, None)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    line = subprocess.run(
        [sys.executable, "-m", "runnotes", "extension", "pair", "--url", url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    log = log_dir / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "runnotes", "serve", "--port", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_up(url, process, log, {})
    return Serve(url=url, token=line.split("#", 1)[1], process=process, home=home)


class StaticPages:
    """A folder served over HTTP on 127.0.0.1 (content scripts do not run on file:// by default)."""

    def __init__(self, folder: Path) -> None:
        handler = partial(_QuietHandler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


class ExtensionBrowser:
    """Chromium with the extension loaded, paired with ``serve``."""

    def __init__(
        self,
        profile: Path,
        serve: Serve | None,
        *,
        headless: bool = True,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.context = self._pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium(),
            headless=headless,
            args=[
                f"--load-extension={SOURCE}",
                f"--disable-extensions-except={SOURCE}",
                "--no-first-run",
                "--disable-gpu",
                *args,
            ],
            env=env,
            viewport={"width": 1280, "height": 800},
        )
        self.worker = self.context.service_workers[0] if self.context.service_workers else None
        if self.worker is None:
            self.worker = self.context.wait_for_event("serviceworker", timeout=30_000)
        self.extension_id = self.worker.url.split("/")[2]
        if serve is not None:
            self.pair(serve.url, serve.token)

    def pair(self, url: str, token: str) -> None:
        self.worker.evaluate(
            "([server, token]) => chrome.storage.local.set({server, token})", [url, token]
        )

    def like_at(self, page: Any, x: float, y: float) -> dict[str, Any]:
        """Move the pointer to (x, y) on ``page`` and like what is there."""
        page.bring_to_front()
        page.mouse.move(x - 3, y)
        page.mouse.move(x, y)
        return self.worker.evaluate("runnotesLikeActiveTab()")  # type: ignore[no-any-return]

    def like_text(self, page: Any, locator: Any) -> dict[str, Any]:
        """Like the element ``locator`` points at (its first text, at its centre)."""
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        return self.like_at(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def like_shown(
        self, page: Any, text: str, within: str = "body", nth: int = 0
    ) -> dict[str, Any]:
        """Like the ``nth`` visible occurrence of ``text`` inside ``within`` (a CSS selector),
        pointing at the middle of those very characters, as a person would."""
        box = page.evaluate(FIND_TEXT, [text, within, nth])
        assert box, f"{text!r} is not shown in {within}"
        return self.like_at(page, box["x"], box["y"])

    def like_printed(self, page: Any, label: str, index: int, nth: int = 0) -> dict[str, Any]:
        """Like the ``index``-th number of the printed line that starts with ``label`` (in the
        ``nth`` printed text that has such a line)."""
        box = page.evaluate(FIND_PRINTED, [label, index, nth])
        assert box, f"no printed line {label!r}"
        return self.like_at(page, box["x"], box["y"])

    def close(self) -> None:
        self.context.close()
        self._pw.stop()


# The centre of the nth visible occurrence of a text (scrolled into view), in viewport pixels.
FIND_TEXT = """([text, within, nth]) => {
  const seen = [];
  for (const root of document.querySelectorAll(within)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      let at = node.data.indexOf(text);
      while (at >= 0) {
        const before = node.data[at - 1] || " ", after = node.data[at + text.length] || " ";
        if (!/[\\w.]/.test(before) && !/[\\w.]/.test(after)) seen.push([node, at]);
        at = node.data.indexOf(text, at + 1);
      }
    }
  }
  const visible = seen.filter(([node]) => node.parentElement.getClientRects().length);
  const hit = visible[nth];
  if (!hit) return null;
  hit[0].parentElement.scrollIntoView({block: "center", inline: "center"});
  const range = document.createRange();
  range.setStart(hit[0], hit[1]);
  range.setEnd(hit[0], hit[1] + text.length);
  const r = range.getBoundingClientRect();
  return {x: r.left + r.width / 2, y: r.top + r.height / 2};
}"""


FIND_PRINTED = """([label, index, nth]) => {
  let seen = 0;
  for (const pre of document.querySelectorAll("pre")) {
    if (!pre.textContent.split("\\n").some(l => l.trim().startsWith(label + " "))) continue;
    if (seen++ !== nth) continue;
    for (let node = pre.firstChild; node; node = node.nextSibling) {
      if (node.nodeType !== 3) continue;
      let offset = 0;
      for (const line of node.data.split("\\n")) {
        if (line.trim().startsWith(label + " ")) {
          const rest = line.slice(line.indexOf(label) + label.length);
          const numbers = [...rest.matchAll(/\\d+\\.\\d+|\\d+/g)];
          const m = numbers[index];
          if (m) {
            const at = offset + line.indexOf(label) + label.length + m.index;
            pre.scrollIntoView({block: "center"});
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + m[0].length);
            const r = range.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
          }
        }
        offset += line.length + 1;
      }
    }
  }
  return null;
}"""


def stored(store: Store, capture_id: int) -> Capture:
    with store.read() as session:
        row = session.get(Capture, capture_id)
        assert row is not None
        session.expunge(row)
        return row


def wait_for(check: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
