"""End to end in a real browser: Debian Chromium driven by Playwright, against `runnotes serve`.

One seeded store, one server and one browser for the whole module; every test saves a
screenshot of the page under its tmp dir.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.store import open_store
from runnotes.store.queries import run_detail
from web.seed import CHROMIUM_FLAGS as FLAGS
from web.seed import SEGMENTS, Seeded, seed, serving

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded, object]]:
    home = tmp_path_factory.mktemp("browser") / "home"
    store = open_store(load_settings(home))
    seeded = seed(store)
    try:
        with serving(home) as url:
            yield url, seeded, store
    finally:
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    tab.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    context.close()


def test_filter_runs(site, page) -> None:  # type: ignore[no-untyped-def]
    url, seeded, _ = site
    page.goto(url + "/runs")
    assert page.locator("#runs tbody tr").count() == 3
    page.fill("input[name=where]", "metrics.val_acc > 0.95 and params.lr < 0.01")
    page.click("#filters button")
    page.wait_for_url("**/runs?*where=*")
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 1 and "tuned" in rows.inner_text()
    page.fill("input[name=where]", "")
    page.fill("input[name=q]", "diverged")
    page.click("#filters button")
    assert page.locator("#runs tbody tr").inner_text().count("tuned") == 1
    page.goto(url + "/runs?sort=name&desc=false")
    names = page.locator("#runs tbody tr td:nth-child(3)").all_inner_texts()
    assert names == sorted(names)


def test_open_a_run_with_voice_playback(site, page) -> None:  # type: ignore[no-untyped-def]
    url, seeded, _ = site
    page.goto(url + "/")
    page.click("text=resnet")
    page.click(f"a[href='/runs/{seeded.tuned}']")
    page.wait_for_url(f"**/runs/{seeded.tuned}")
    assert "run " + str(seeded.tuned) in page.locator("h1").inner_text()
    audio = page.locator(f"#capture-{seeded.voice} audio")
    assert audio.count() == 1
    duration = audio.evaluate(
        "a => new Promise(ok => { if (a.readyState >= 1) ok(a.duration);"
        " a.addEventListener('loadedmetadata', () => ok(a.duration)); a.load(); })"
    )
    assert abs(duration - 1.0) < 0.05  # the WAV really loads from /media
    segments = page.locator(f"#capture-{seeded.voice} ol.segments li").all_inner_texts()
    assert [s.split(" ", 1)[1] for s in segments] == [s["text"] for s in SEGMENTS]
    assert page.locator(".rn-chart canvas").count() >= 2  # drawn by charts.js
    thumb = page.locator(f"#capture-{seeded.screenshot} img.thumb")
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 200


def test_approve_a_capture(site, page) -> None:  # type: ignore[no-untyped-def]
    url, seeded, store = site
    page.goto(url + "/review")
    card = page.locator(f"#capture-{seeded.screenshot}")
    card.locator("button.approve").click()
    page.wait_for_load_state()
    assert page.locator(f"#capture-{seeded.screenshot}").count() == 0
    shot = next(c for c in run_detail(store, seeded.tuned).captures if c.id == seeded.screenshot)
    assert shot.review == "approved"


def test_edit_a_value(site, page) -> None:  # type: ignore[no-untyped-def]
    url, seeded, store = site
    page.goto(url + "/review")
    card = page.locator(f"#capture-{seeded.pending_metric}")
    card.locator("details.edit summary").click()
    card.locator("input[name=value]").fill("0.914")
    card.locator("button.save").click()
    page.wait_for_load_state()
    metric = next(
        c for c in run_detail(store, seeded.tuned).captures if c.id == seeded.pending_metric
    )
    assert (metric.value, metric.text, metric.review) == (0.914, "0.914", "approved")
    page.goto(url + f"/runs/{seeded.tuned}")
    assert "edited; was: 91%" in page.locator(f"#capture-{seeded.pending_metric}").inner_text()


def test_compare_two_runs(site, page) -> None:  # type: ignore[no-untyped-def]
    url, seeded, _ = site
    page.goto(url + "/runs?experiment=resnet&project=vision")
    page.check(f"input[name=run][value='{seeded.baseline}']")
    page.check(f"input[name=run][value='{seeded.tuned}']")
    page.click("#compare-button")
    page.wait_for_url("**/compare?*")
    table = page.locator("#comparison")
    assert "baseline" in table.inner_text() and "tuned" in table.inner_text()
    differing = page.locator("#comparison tr.differs th").all_inner_texts()
    assert "lr" in differing and "optimizer" in differing and "batch_size" not in differing
    assert page.locator(".curves figure").first.locator(".rn-legend li").count() == 2


def test_generate_and_download_the_readme(site, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = site
    page.goto(url + "/report")
    page.select_option("#readme-form select[name=experiment]", "vision/resnet")
    with page.expect_download() as info:
        page.click("#readme-button")
    download = info.value
    assert download.suggested_filename == "README.md"
    target = tmp_path / "README.md"
    download.save_as(target)
    text = target.read_text()
    assert "resnet" in text and "tuned" in text


# The policy a strict deployment sends (script only from this server); the app's own headers may
# be laxer, so the test imposes this one to prove the docs pages need no more.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def test_api_docs_work_offline_under_a_strict_csp(site, page) -> None:  # type: ignore[no-untyped-def]
    """The network is off (anything not this server is aborted and noted) and every page answer
    carries a CSP without inline script: the docs still list the API's operations."""
    url, _, _ = site
    outside: list[str] = []
    blocked: list[str] = []

    def local_only(route) -> None:  # type: ignore[no-untyped-def]
        if not route.request.url.startswith(url):
            outside.append(route.request.url)
            route.abort()
            return
        answer = route.fetch()
        route.fulfill(
            response=answer, headers={**answer.headers, "content-security-policy": STRICT_CSP}
        )

    page.route("**/*", local_only)
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security" in message.text else 0,
    )
    page.goto(url + "/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/runs" in shown and "/api/runs/{ref}" in shown, shown
    assert outside == [] and blocked == []
    assert page.request.get(url + "/favicon.ico").headers["content-type"] == "image/x-icon"


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>window.pwned && window.pwned(document.domain)</script>"
    b'<rect width="10" height="10"/></svg>'
)


def test_an_uploaded_svg_never_runs_script_on_this_origin(site, page) -> None:  # type: ignore[no-untyped-def]
    """An SVG stored as ``image/svg+xml; charset=utf-8`` used to be served inline, so its script
    ran on the runnotes origin (issue 16, item 2). It must come back as a download."""
    import httpx
    from playwright.sync_api import Error as PlaywrightError

    url, _, _ = site
    ran: list[str] = []
    page.expose_function("pwned", lambda where: ran.append(where))
    sha = httpx.post(
        url + "/api/media",
        files={"file": ("chart.svg", SVG)},
        data={"mime": "image/svg+xml; charset=utf-8"},
    ).json()["sha256"]
    with page.expect_download() as info:
        try:
            page.goto(f"{url}/media/{sha}")
        except PlaywrightError as exc:  # navigation that turns into a download is "aborted"
            assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc)
    assert info.value.suggested_filename == "chart.svg"
    assert ran == []
