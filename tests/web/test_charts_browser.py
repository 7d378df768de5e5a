"""The charts in a real browser (Debian Chromium via Playwright): hover values, zoom, log scale,
the x axis by epoch and wall time, and the compare page's overlays and single-value bars."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from runnotes.config import load_settings
from runnotes.interop.jupyter import ComparisonView, notebook_specs
from runnotes.sdk import start_run
from runnotes.store import Store, open_store
from runnotes.store.queries import compare_runs
from runnotes.web.app import create_app
from web.seed import CHROMIUM_FLAGS, served

pytestmark = pytest.mark.slow
RUNS = {"lr-1e-2": 0.01, "lr-1e-3": 0.001}


def _val_acc(step: int, lr: float) -> float:
    return round(0.5 + step * lr, 4)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int], Store]]:
    store = open_store(load_settings(tmp_path_factory.mktemp("charts") / "home"))
    ids = {}
    for name, lr in RUNS.items():
        with start_run(name, experiment="sweep", store=store) as run:
            for step in range(40):
                values = {"loss": 3.0 * 0.8**step, "val_acc": _val_acc(step, lr)}
                run.log_metrics({**values, "epoch": step // 10}, step=step)
            run.log_metric("test_acc", 0.9 - lr)
            ids[name] = run.id
    try:
        with served(create_app(store)) as url:
            yield url, ids, store
    finally:
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (scripts/setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == []


def _chart(page, metric: str):  # type: ignore[no-untyped-def]
    chart = page.locator(f".rn-chart[data-metric='{metric}']")
    chart.locator("canvas").first.wait_for()
    return chart


def _hover(page, chart, x: float, y: float | None = None) -> None:  # type: ignore[no-untyped-def]
    """The pointer over the plot at x (in data units) and y (default: the middle)."""
    chart.scroll_into_view_if_needed()
    left = chart.evaluate(f"c => c.rnChart.valToPos({x}, 'x')")
    box = chart.locator(".u-over").bounding_box()
    top = box["height"] / 2 if y is None else chart.evaluate(f"c => c.rnChart.valToPos({y}, 'y')")
    page.mouse.move(box["x"] + left, box["y"] + top)


def _scale(chart, key: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return chart.evaluate(  # type: ignore[no-any-return]
        f"c => ({{min: c.rnChart.scales.{key}.min, max: c.rnChart.scales.{key}.max,"
        f" distr: c.rnChart.scales.{key}.distr}})"
    )


def test_hover_shows_every_run_with_its_step_and_value(site, page) -> None:  # type: ignore[no-untyped-def]
    url, ids, _ = site
    page.goto(f"{url}/compare?run={ids['lr-1e-2']}&run={ids['lr-1e-3']}")
    chart = _chart(page, "val_acc")
    _hover(page, chart, 30.2)
    tip = chart.locator(".rn-tip")
    tip.wait_for(state="visible")
    rows = tip.locator(".rn-tip-row").all_inner_texts()
    assert tip.locator(".rn-tip-x").inner_text() == "step 30"
    for row, (name, lr) in zip(rows, RUNS.items(), strict=True):
        assert row.split("\n") == [f"{ids[name]}: {name}", "step 30", str(_val_acc(30, lr))]

    chart.locator("input[aria-label=smoothing]").evaluate(  # EMA: raw and smoothed both shown
        "s => { s.value = '0.9'; s.dispatchEvent(new Event('input')); }"
    )
    _hover(page, chart, 30)
    assert "smoothed" in tip.inner_text() and str(_val_acc(30, 0.01)) in tip.inner_text()


def test_zoom_reset_and_log_scale_change_the_axes(site, page) -> None:  # type: ignore[no-untyped-def]
    url, ids, _ = site
    page.goto(f"{url}/runs/{ids['lr-1e-2']}")
    chart = _chart(page, "loss")
    chart.scroll_into_view_if_needed()
    full = _scale(chart, "x")
    assert (full["min"], full["max"]) == (0, 39)
    box = chart.locator(".u-over").bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, middle, steps=5)
    page.mouse.up()
    zoomed = _scale(chart, "x")
    assert 8 < zoomed["min"] < 11 and 18 < zoomed["max"] < 21  # a quarter to half of 0–39
    chart.locator(".rn-reset").click()
    assert (_scale(chart, "x")["min"], _scale(chart, "x")["max"]) == (0, 39)

    # loss falls from 3 to 0.0005: over two decades, so it starts on a log axis
    log_box = chart.locator(".rn-log input")
    assert log_box.is_checked() and _scale(chart, "y")["distr"] == 3
    log_box.uncheck()
    linear = _scale(chart, "y")
    assert linear["distr"] == 1 and linear["min"] <= 0.0005 and linear["max"] >= 3
    val = _chart(page, "val_acc")
    assert not val.locator(".rn-log input").is_checked()
    val.locator(".rn-log input").check()
    assert _scale(val, "y")["distr"] == 3


def test_x_axis_by_epoch_and_by_wall_time(site, page) -> None:  # type: ignore[no-untyped-def]
    url, ids, _ = site
    page.goto(f"{url}/runs/{ids['lr-1e-3']}")
    chart = _chart(page, "val_acc")
    chart.locator("select[aria-label='x axis']").select_option("epoch")
    assert chart.get_attribute("data-x") == "epoch"
    assert _scale(chart, "x")["max"] == 3  # epochs 0–3 logged at steps 0, 10, 20, 30 (and beyond)
    chart.locator("select[aria-label='x axis']").select_option("time")
    page.wait_for_function(
        "c => c.dataset.x === 'time'", arg=chart.element_handle(), timeout=10_000
    )
    assert chart.evaluate("c => c.rnChart.scales.x.time") is True
    chart.scroll_into_view_if_needed()
    box = chart.locator(".u-over").bounding_box()  # the right end: the last point
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
    assert "step 39" in chart.locator(".rn-tip").inner_text()


def test_compare_has_one_overlay_per_metric_and_single_values_as_bars(site, page) -> None:  # type: ignore[no-untyped-def]
    url, ids, _ = site
    page.goto(f"{url}/compare?run={ids['lr-1e-2']}&run={ids['lr-1e-3']}")
    _chart(page, "loss")
    titles = page.locator(".curves .rn-chart:has(canvas) .rn-title").all_inner_texts()
    assert sorted(t.split(" (")[0] for t in titles) == ["epoch", "loss", "val_acc"]
    for chart in page.locator(".curves .rn-chart:has(canvas)").all():
        assert chart.locator(".rn-legend li").count() == 2
    single = page.locator(".rn-chart", has=page.locator(".rn-bars"))
    assert single.locator(".rn-title").inner_text() == "test_acc (higher is better)"
    rows = single.locator(".rn-bar-row").all_inner_texts()
    assert [r.split("\n") for r in rows] == [
        [f"{ids['lr-1e-2']}: lr-1e-2", "0.89"],
        [f"{ids['lr-1e-3']}: lr-1e-3", "0.899"],
    ]


def test_the_notebook_shows_the_same_charts_with_no_network(site, page) -> None:  # type: ignore[no-untyped-def]
    _, ids, store = site
    cmp = compare_runs(store, [str(i) for i in ids.values()])
    labels = {r.id: f"{r.id}: {r.name}" for r in cmp.runs}
    requests: list[str] = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page.set_content(ComparisonView(cmp, notebook_specs(store, labels))._repr_html_())
    chart = _chart(page, "val_acc")
    _hover(page, chart, 20)
    rows = chart.locator(".rn-tip .rn-tip-row").all_inner_texts()
    assert [r.split("\n")[1:] for r in rows] == [
        ["step 20", str(_val_acc(20, lr))] for lr in RUNS.values()
    ]
    chart.locator("select[aria-label='x axis']").select_option("time")  # times came inline
    assert chart.get_attribute("data-x") == "time" and requests == []
