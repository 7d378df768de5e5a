"""The real extension in Debian's Chromium: safety against page scripts, the keyboard command
from a real X key, and a push-to-talk voice note from the popup through a fake microphone."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from extension.harness import PAGES, ExtensionBrowser, Serve, chromium, start_serve, wait_for
from runnotes.store.models import Capture
from web.seed import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed"),
]

FAKE_TB = """<!doctype html><html><head><meta charset=utf-8><title>TensorBoard</title></head><body>
<tb-webapp><scalar-card style="display:block;width:400px;height:200px">
  <div class="heading"><span class="tag">val/acc</span></div>
  <div class="chart-container" style="width:380px;height:150px;background:#eee"></div>
</scalar-card></tb-webapp>
<table class="tooltip"><tr><th>Run</th><th>Smoothed</th><th>Value</th><th>Step</th></tr>
<tr class="closest"><td>run-a</td><td>0.8100</td><td>0.8323</td><td>40</td></tr></table>
</body></html>"""
GENERIC = """<!doctype html><html><head><meta charset=utf-8><title>generic</title></head><body>
<p><a href="{other}/data/plugin/scalars/scalars">a link to the other tool</a></p>
<table><thead><tr><th>run</th><th>val_acc</th></tr></thead>
<tbody><tr><td>run-a</td><td id="v">0.8323</td></tr></tbody></table></body></html>"""


class Spy:
    """An HTTP server that records every request (path, cookie) and serves a few pages."""

    def __init__(self, pages: dict[str, str], host: str = "127.0.0.1") -> None:
        self.seen: list[tuple[str, str]] = []
        spy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the base's name
                spy.seen.append((self.path, self.headers.get("Cookie", "")))
                path = self.path.split("?")[0]
                if path.endswith("/data/plugin/scalars/scalars"):
                    body, kind = json.dumps([[0.0, 40, 0.8323447108268738]]), "application/json"
                else:
                    body, kind = pages.get(path, "not here"), "text/html"
                self.send_response(200 if path in pages or kind == "application/json" else 404)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self) -> None:  # noqa: N802
                spy.seen.append((self.path, self.headers.get("Cookie", "")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    tmp = tmp_path_factory.mktemp("serve")
    server = start_serve(tmp / "home", tmp)
    yield server
    server.close()


def captures(serve: Serve) -> list[Capture]:
    store = serve.store()
    try:
        with store.read() as session:
            rows = session.exec(select(Capture).order_by(Capture.id)).all()
            for row in rows:
                session.expunge(row)
            return list(rows)
    finally:
        store.close()


def test_page_scripts_cannot_like_nor_see_the_token(serve: Serve, tmp_path: Path) -> None:
    other = Spy({}, host="localhost")  # another tool, on another origin, with the user's cookie
    site = Spy({"/generic.html": GENERIC.format(other=other.url), "/tb.html": FAKE_TB})
    browser = ExtensionBrowser(tmp_path / "profile", serve)
    try:
        browser.context.add_cookies(
            [
                {"name": "session", "value": "other-tool", "url": other.url},
                {"name": "session", "value": "this-site", "url": site.url},
            ]
        )
        page = browser.context.new_page()
        page.goto(f"{site.url}/generic.html")
        # A page's own script posts a like as a no-cors request (it cannot read the answer).
        page.evaluate(
            """(url) => fetch(url + "/api/extension/likes", {method: "POST", mode: "no-cors",
                 body: JSON.stringify({text: "0.5", name: "forged"})})""",
            serve.url,
        )
        # …and watches every fetch the page makes, to catch a token if one went through it.
        page.evaluate(
            """() => { window.seen = []; const f = window.fetch;
                 window.fetch = (...a) => {
                   window.seen.push(String(a[0]) + JSON.stringify(a[1] || {}));
                   return f(...a);
                 }; }"""
        )
        like = browser.like_shown(page, "0.8323")
        assert like["name"] == "val_acc" and like["qualifier"] == "run-a", like
        assert [c.name for c in captures(serve)] == ["val_acc"]  # the forged like was refused
        exposed = page.evaluate(
            """(token) => JSON.stringify({html: document.documentElement.outerHTML,
                 seen: window.seen, local: {...localStorage}, session: {...sessionStorage},
                 cookie: document.cookie, chrome: typeof chrome !== "undefined" &&
                 typeof chrome.storage}).includes(token)""",
            serve.token,
        )
        assert exposed is False
        # A page cannot reach the extension's worker either (no externally_connectable).
        assert page.evaluate(
            "typeof chrome === 'undefined' || !chrome.runtime || !chrome.runtime.sendMessage"
        )
        # The generic page's like called no tool's API, on no origin.
        assert other.seen == [] and not [p for p, _ in site.seen if "/data/" in p]

        # A page the TensorBoard adapter recognises: its API is called on that page's origin only,
        # with that origin's cookie, and the exact value is kept.
        page.goto(f"{site.url}/tb.html")
        box = page.locator(".chart-container").bounding_box()  # the pointer on the chart
        like = browser.like_at(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert (like["name"], like["value"], like["exact_from"]) == (
            "val/acc",
            0.8323447108268738,
            "tensorboard:scalars",
        ), like
        api_calls = [(p, c) for p, c in site.seen if "/data/plugin/scalars" in p]
        assert api_calls and all(c == "session=this-site" for _, c in api_calls), site.seen
        assert other.seen == []
    finally:
        browser.close()
        site.close()
        other.close()


def test_keyboard_command_from_a_real_x_key(serve: Serve, tmp_path: Path) -> None:
    from agent.conftest import XServer

    if shutil.which("xdotool") is None or shutil.which("Xvfb") is None:
        pytest.skip("xdotool and Xvfb are needed: run scripts/setup")
    x = XServer()
    site = Spy({"/generic.html": GENERIC.format(other="http://localhost:9")})
    browser = None
    try:
        env = {"DISPLAY": x.display}
        browser = ExtensionBrowser(tmp_path / "profile", serve, headless=False, env=env)
        page = browser.context.new_page()
        page.goto(f"{site.url}/generic.html")
        for old in browser.context.pages:
            if old is not page:
                old.close()
        before = len(captures(serve))
        box = page.locator("#v").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        window = wait_for(
            lambda: subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--class", "chromium"],
                capture_output=True,
                text=True,
                env=env,
            ).stdout.split(),
            what="Chromium's window",
        )[-1]
        subprocess.run(["xdotool", "windowactivate", "--sync", window], env=env, check=False)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "alt+shift+l"], env=env, check=True)
        rows = wait_for(lambda: captures(serve)[before:], what="the like from alt+shift+l")
        assert [(r.name, r.value, r.via, r.url) for r in rows] == [
            ("val_acc", 0.8323, "browser", f"{site.url}/generic.html")
        ]
    finally:
        if browser is not None:
            browser.close()
        site.close()
        x.close()


def test_voice_note_from_the_popup(serve: Serve, tmp_path: Path) -> None:
    from runnotes.voice.samples import demo_note_path

    wav = demo_note_path()
    browser = ExtensionBrowser(
        tmp_path / "profile",
        serve,
        args=(
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop",
        ),
    )
    try:
        popup = browser.context.new_page()
        popup.goto(f"chrome-extension://{browser.extension_id}/popup.html")
        popup.locator("#new-run").fill("voice-from-browser")
        popup.locator("#start button").click()
        popup.get_by_text("liking onto voice-from-browser").wait_for(timeout=30_000)
        talk = popup.locator("#talk")
        talk.hover()
        popup.mouse.down()  # push…
        popup.locator("#talk.recording").wait_for(timeout=10_000)
        time.sleep(14.5)  # the note is 13.7 s
        popup.mouse.up()  # …and release
        popup.get_by_text("voice note:").wait_for(timeout=240_000)
        status = popup.locator("#status").inner_text()
        rows = captures(serve)
        voice = [r for r in rows if r.kind == "voice"]
        assert len(voice) == 1 and voice[0].status == "ok", status
        assert "learning rate" in (voice[0].text or "").lower(), voice[0].text
        values = [r for r in rows if r.parent_id == voice[0].id and r.kind in ("metric", "param")]
        assert values and all(r.run_id == voice[0].run_id for r in values), rows
        assert f"{len(values)} value(s)" in status
    finally:
        browser.close()


def test_pairing_from_the_popup(serve: Serve, tmp_path: Path) -> None:
    """The line `runnotes extension pair` prints, pasted into the popup, pairs the extension."""
    browser = ExtensionBrowser(tmp_path / "profile", None)
    try:
        popup = browser.context.new_page()
        popup.goto(f"chrome-extension://{browser.extension_id}/popup.html")
        popup.locator("#pair-line").fill("not a pairing line")
        popup.locator("#pair-save").click()
        assert "not a line" in popup.locator("#status").inner_text()
        popup.locator("#pair-line").fill(f"runnotes+{serve.url}#{serve.token}")
        popup.locator("#pair-save").click()
        popup.locator("#main:not([hidden])").wait_for(timeout=10_000)
        assert PAGES.exists()
    finally:
        browser.close()


def test_local_network_access_from_a_public_page(serve: Serve, tmp_path: Path) -> None:
    """Chromium's local-network-access rules, as this Chromium applies them: on a page Chromium
    takes for a public site, the extension still reaches runnotes on 127.0.0.1 (its worker has
    the host permission), while the page's own script is refused the loopback address."""
    site = Spy({"/generic.html": GENERIC.format(other="http://localhost:9")})
    port = site.url.rsplit(":", 1)[1]
    override = f"--ip-address-space-overrides=127.0.0.1:{port}=public"
    browser = ExtensionBrowser(tmp_path / "profile", serve, args=(override,))
    try:
        page = browser.context.new_page()
        page.goto(f"{site.url}/generic.html")
        like = browser.like_shown(page, "0.8323")
        assert (like["name"], like["value"]) == ("val_acc", 0.8323), like
        own = page.evaluate(
            "(u) => fetch(u + '/api/extension/state').then(r => 'reached', e => 'refused')",
            serve.url,
        )
        assert own == "refused"
    finally:
        browser.close()
        site.close()
