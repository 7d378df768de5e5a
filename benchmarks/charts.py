"""The charts in Chromium on million-value runs: page load until every chart is drawn, and hover.

    .venv/bin/python -m benchmarks.charts [--runs 2] [--steps 100000] [--loads 10] [--moves 200]

Builds ``--runs`` runs of 10 metrics × ``--steps`` steps (1 000 000 values each by default, the
bulk path of ``benchmarks/web.py``), starts ``runnotes serve``, and in Debian's Chromium
(Playwright) times: the run page of one long run and the compare page of all of them, from
navigation until every chart's canvas is drawn (p50 / p95 of ``--loads`` loads, after a first
load that computes and caches the downsampled series); the same page's HTML alone over HTTP (the
server's share); and ``--moves``
pointer positions on one chart (the tooltip with every run's step and value), raw and smoothed.
Prints each figure beside its target: the page drawn within 1 s, a hover within 16 ms (a frame).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchmarks.web import BIG_METRICS, add_big_runs, start_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from web.seed import CHROMIUM_FLAGS  # noqa: E402

PAGE_TARGET_MS = 1000.0
HOVER_TARGET_MS = 16.0
HOVER_JS = """([moves, smooth]) => {
  const chart = document.querySelector('.rn-chart[data-drawn]');
  const slider = chart.querySelector('input[aria-label=smoothing]');
  slider.value = String(smooth); slider.dispatchEvent(new Event('input'));
  const u = chart.rnChart, times = [], tip = chart.querySelector('.rn-tip');
  for (let i = 0; i < moves; i++) {
    const left = (u.over.clientWidth - 1) * i / (moves - 1);
    const start = performance.now();
    u.setCursor({left: left, top: u.over.clientHeight / 2}, true);  // fires the tooltip hook
    times.push(performance.now() - start);
  }
  if (!tip.textContent.includes('step')) throw new Error('the tooltip did not update');
  return times;
}"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, values: list[float], target: float) -> str:
    p50, p95 = statistics.median(values), pct(values, 0.95)
    return (
        f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target {target:.0f} ms: {p95 / target:.2f}×)"
    )


def page_loads(page, url: str, charts: int, loads: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(loads):
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            f"document.querySelectorAll('.rn-chart canvas').length >= {charts}", polling="raf"
        )
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--moves", type=int, default=200)
    args = parser.parse_args()
    print(f"load {Path('/proc/loadavg').read_text().split()[:3]}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        ids = add_big_runs(home, args.runs, args.steps)
        server, base = start_server(home)
        try:
            with httpx.Client(timeout=120) as client:
                for _ in range(600):
                    try:
                        client.get(base + "/api/projects")
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                run_url = f"{base}/runs/{ids[0]}"
                compare_url = f"{base}/compare?" + "&".join(f"run={i}" for i in ids)
                for url in (run_url, compare_url):
                    start = time.perf_counter()
                    html = client.get(url).text
                    first = (time.perf_counter() - start) * 1000
                    print(f"{url[len(base) :]}: first view {first:.0f} ms, {len(html)} bytes")
                html_times = {}
                for url in (run_url, compare_url):
                    html_times[url] = []
                    for _ in range(args.loads):
                        start = time.perf_counter()
                        client.get(url)
                        html_times[url].append((time.perf_counter() - start) * 1000)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                for label, url in (("run page (1M values)", run_url), ("compare", compare_url)):
                    page_loads(page, url, BIG_METRICS, 1)  # browser caches warm
                    print(line(f"{label}, HTML alone", html_times[url], PAGE_TARGET_MS))
                    times = page_loads(page, url, BIG_METRICS, args.loads)
                    print(line(f"{label}, until every chart is drawn", times, PAGE_TARGET_MS))
                    for smooth in (0, 0.6):
                        moves = page.evaluate(HOVER_JS, [args.moves, smooth])
                        runs = args.runs if "compare" in url else 1
                        label = f"  hover ({runs} runs), smoothing {smooth}"
                        print(line(label, moves, HOVER_TARGET_MS))
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    print(f"load {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
