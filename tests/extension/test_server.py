"""The server side of the extension, without a browser: pairing, the guard, the review rules."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from conftest import run_cli
from runnotes import events
from runnotes.capture.browser import BrowserLike, rounds_to, to_capture
from runnotes.cli.extension import SOURCE, build, manifest_for
from runnotes.errors import RunnotesError
from runnotes.events import hookimpl
from runnotes.store import Store
from runnotes.store.models import Capture, Review
from runnotes.web.app import create_app
from runnotes.web.pairing import CHROMIUM_ORIGIN, Pairing, pair
from runnotes.web.security import Guard

LIKE = {
    "text": "0.8323",
    "name": "val/acc",
    "qualifier": "run-1",
    "step": 40,
    "tool": "tensorboard",
}


@pytest.fixture
def paired(store: Store, home: Path) -> tuple[TestClient, str]:
    token = pair(home)
    app = create_app(store, Guard(pairing=Pairing(home / "extension.json")))
    return TestClient(app), token


def test_rounding_rule() -> None:
    assert rounds_to(0.8323447108268738, Decimal("0.8323"))
    assert not rounds_to(0.8323447108268738, Decimal("0.8324"))
    assert rounds_to(274.9796447753906, Decimal("275"))
    assert rounds_to(1e-4, Decimal("1e-4"))
    assert not rounds_to(float("nan"), Decimal("1"))


def test_exact_value_only_when_the_display_is_its_rounding() -> None:
    exact = to_capture(BrowserLike.from_json({**LIKE, "exact": 0.8323447108268738}), 1.0)
    assert (exact.value, exact.text, exact.exact_from) == (0.8323447108268738, "0.8323", "tool")
    assert exact.review == Review.approved and exact.via == "browser" and exact.liked
    # An API value the page does not show (another step, a wrong match): the page's digits win.
    other = to_capture(BrowserLike.from_json({**LIKE, "exact": 0.91}), 1.0)
    assert (other.value, other.exact_from, other.extra["api_value"]) == (0.8323, None, 0.91)


def test_a_value_the_page_did_not_name_waits_for_review() -> None:
    like = to_capture(BrowserLike.from_json({"text": "1,843.5", "url": "http://x/"}), 1.0)
    assert (like.name, like.value, like.review) == ("value", 1843.5, Review.pending)
    assert "no name" in like.extra["unsure"]


@pytest.mark.parametrize("text", ["", "abc", "1 2", "<script>", None, 3])
def test_not_a_number_is_refused(text: object) -> None:
    with pytest.raises(RunnotesError):
        BrowserLike.from_json({"text": text})


def test_every_extension_request_needs_the_token(paired: tuple[TestClient, str]) -> None:
    client, token = paired
    for origin in (None, CHROMIUM_ORIGIN, "http://evil.example", "null"):
        headers = {"Origin": origin} if origin else {}
        for method, path in (
            ("POST", "likes"),
            ("GET", "state"),
            ("POST", "notes"),
            ("POST", "voice"),
        ):
            answer = client.request(
                method, f"/api/extension/{path}", headers=headers, content=b"{}"
            )
            assert answer.status_code == 401, (origin, path)
        wrong = {**headers, "Authorization": "Bearer nope"}
        assert client.post("/api/extension/likes", headers=wrong, json=LIKE).status_code == 401


def test_cors_for_the_extension_origin_only(paired: tuple[TestClient, str], store: Store) -> None:
    client, token = paired
    auth = {"Authorization": f"Bearer {token}"}
    ok = client.options("/api/extension/likes", headers={"Origin": CHROMIUM_ORIGIN})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == CHROMIUM_ORIGIN
    other = client.options("/api/extension/likes", headers={"Origin": "http://evil.example"})
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    # Even with the token, a page's origin is refused (the token never reaches a page anyway).
    refused = client.post(
        "/api/extension/likes", headers={**auth, "Origin": "http://evil.example"}, json=LIKE
    )
    assert refused.status_code == 403
    stored = client.post(
        "/api/extension/likes", headers={**auth, "Origin": CHROMIUM_ORIGIN}, json=LIKE
    )
    assert stored.status_code == 200, stored.text
    assert stored.headers["access-control-allow-origin"] == CHROMIUM_ORIGIN
    with store.read() as session:
        assert len(session.exec(select(Capture)).all()) == 1


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    @hookimpl
    def capture_added(self, run_id: int, what: str) -> None:
        self.seen.append((what, run_id))


def test_like_state_undo_note_and_runs(paired: tuple[TestClient, str], store: Store) -> None:
    client, token = paired
    auth = {"Authorization": f"Bearer {token}", "Origin": CHROMIUM_ORIGIN}
    run = client.post("/api/extension/runs", headers=auth, json={"name": "browser-run"}).json()
    recorder = _Recorder()
    events.plugins().register(recorder)
    try:
        like = client.post(
            "/api/extension/likes", headers=auth, json={**LIKE, "exact": 0.83234471}
        ).json()
    finally:
        events.plugins().unregister(recorder)
    assert recorder.seen == [("like", run["id"])]  # the same event as any like: drafts react
    assert (like["run_id"], like["value"], like["text"]) == (run["id"], 0.83234471, "0.8323")
    state = client.get("/api/extension/state", headers=auth).json()
    assert state["active"] == run and state["likes"][0]["id"] == like["id"]
    note = client.post("/api/extension/notes", headers=auth, json={"text": "lr too high"}).json()
    assert note["run_id"] == run["id"]
    assert client.post(f"/api/extension/likes/{note['id']}/undo", headers=auth).status_code == 404
    assert client.post(f"/api/extension/likes/{like['id']}/undo", headers=auth).status_code == 200
    assert client.get("/api/extension/state", headers=auth).json()["likes"] == []
    bad = client.post("/api/extension/likes", headers=auth, json={"text": "n/a"})
    assert bad.status_code == 400 and "not a number" in bad.json()["detail"]


def test_pairing_file_is_private_and_kept(home: Path) -> None:
    first = pair(home)
    assert pair(home) == first and pair(home, new=True) != first
    assert stat.S_IMODE((home / "extension.json").stat().st_mode) == 0o600
    pair(home, origins=("moz-extension://1234",))
    assert Pairing(home / "extension.json").origin_ok("moz-extension://1234")
    with pytest.raises(RunnotesError):
        pair(home, origins=("http://evil.example",))


def test_cli_path_pack_pair(home: Path, tmp_path: Path) -> None:
    assert run_cli("extension", "path").stdout.strip() == str(SOURCE)
    line = run_cli("extension", "pair", "--url", "http://127.0.0.1:9999/").stdout.strip()
    assert line.startswith("runnotes+http://127.0.0.1:9999#")
    assert line.endswith(json.loads((home / "extension.json").read_text())["token"])
    bad = run_cli("extension", "pack", "--browser", "safari", check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("runnotes: error:")
    for browser in ("chromium", "firefox"):
        zipped = Path(
            run_cli(
                "extension", "pack", "--browser", browser, "--out", str(tmp_path)
            ).stdout.strip()
        )
        with zipfile.ZipFile(zipped) as archive:
            names = set(archive.namelist())
            manifest = json.loads(archive.read("manifest.json"))
        assert {
            "background.js",
            "content.js",
            "naming.js",
            "popup.html",
            "adapters/mlflow.js",
        } <= names
        assert manifest == manifest_for(browser)
    assert (
        "key" not in manifest_for("firefox")
        and "service_worker" not in manifest_for("firefox")["background"]
    )
    assert build("chromium", tmp_path).exists()


def web_ext() -> str | None:
    """web-ext from npm: scripts/setup installs it under .venv/web-ext."""
    local = Path(sys.prefix) / "web-ext" / "node_modules" / ".bin" / "web-ext"
    return str(local) if local.exists() else shutil.which("web-ext")


@pytest.mark.slow
@pytest.mark.skipif(web_ext() is None, reason="web-ext (npm) is not installed: run scripts/setup")
def test_web_ext_lint_passes_on_the_firefox_build(tmp_path: Path) -> None:
    with zipfile.ZipFile(build("firefox", tmp_path)) as archive:
        archive.extractall(tmp_path / "firefox")
    done = subprocess.run(
        [
            web_ext(),
            "lint",
            "--source-dir",
            str(tmp_path / "firefox"),
            "--no-config-discovery",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    found = report["errors"] + report["warnings"] + report["notices"]
    assert report["summary"] == {"errors": 0, "notices": 0, "warnings": 0}, found


def test_guessing_the_pairing_token_is_slowed_down(store: Store, home: Path) -> None:
    """The extension's token has the login's throttle: after a few wrong guesses a client waits
    (429) and the token is not even compared; other clients are not slowed."""
    from runnotes.web.security import FREE_GUESSES

    token = pair(home)
    app = create_app(store, Guard(pairing=Pairing(home / "extension.json")))
    guesser = TestClient(app, client=("10.0.0.1", 1))
    for guess in range(FREE_GUESSES):
        wrong = {"Authorization": f"Bearer g{guess}"}
        assert guesser.get("/api/extension/state", headers=wrong).status_code == 401
    right = {"Authorization": f"Bearer {token}"}
    slowed = guesser.get("/api/extension/state", headers=right)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    other = TestClient(app, client=("10.0.0.2", 1))
    assert other.get("/api/extension/state", headers=right).status_code == 200
