"""The real extension in Debian's Chromium liking values in the real tools, started here.

TensorBoard on event files written by the test, ``mlflow server`` on a store written by the
test, JupyterLab with notebooks executed by the test, and generic HTML pages. What must be stored
comes from the data given to the tools (:mod:`extension.sets`), never from the DOM. Figures per
split are printed; the bars hold for the held-out split and for all likes together, with 0 wrong
values stored.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from agent.realtools import free_port, wait_http
from extension import sets
from extension.harness import (
    PAGES,
    ExtensionBrowser,
    Serve,
    StaticPages,
    chromium,
    start_serve,
    stored,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed"),
]
PY = Path(sys.executable)


@dataclass
class Outcome:
    expect: sets.Expect
    answer: dict[str, Any]
    value: float | None = None
    name: str | None = None
    qualifier: str | None = None
    review: str | None = None
    exact_from: str | None = None

    @property
    def value_right(self) -> bool:
        return self.value is not None and math.isclose(
            self.value, self.expect.value, rel_tol=1e-9, abs_tol=1e-12
        )

    @property
    def wrong_value(self) -> bool:
        """Stored approved with a value other than the expected one (a pending one waits)."""
        return self.value is not None and not self.value_right and self.review == "approved"

    @property
    def name_right(self) -> bool:
        wanted = {self.expect.name.lower(), *(n.lower() for n in self.expect.names)}
        name_ok = (self.name or "").lower() in wanted
        qual_ok = (
            self.expect.qualifier is None
            or (self.qualifier or "").lower() == self.expect.qualifier.lower()
        )
        return name_ok and qual_ok

    def line(self) -> str:
        e = self.expect
        return (
            f"{e.split:4} {e.tool:11} {e.text:>12} want {e.name}[{e.qualifier}]={e.value!r} "
            f"got {self.name}[{self.qualifier}]={self.value!r} {self.review} "
            f"{self.exact_from or ''}"
            f"{'' if 'error' not in self.answer else ' ERROR ' + self.answer['error']}"
        )


def outcome(serve: Serve, expect: sets.Expect, answer: dict[str, Any]) -> Outcome:
    if "id" not in answer:
        return Outcome(expect, answer)
    store = serve.store()
    try:
        row = stored(store, answer["id"])
    finally:
        store.close()
    return Outcome(
        expect,
        answer,
        row.value,
        row.name,
        (row.extra or {}).get("qualifier"),
        row.review,
        row.exact_from,
    )


@contextlib.contextmanager
def process(
    args: list[str], url: str, timeout: float = 240, env: dict[str, str] | None = None
) -> Iterator[None]:
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_http(url, timeout)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def like_expect(browser: ExtensionBrowser, page: Any, e: sets.Expect) -> dict[str, Any]:
    if e.line is not None:
        return browser.like_printed(page, e.line, e.index, e.nth)
    return browser.like_shown(page, e.text, e.within, e.nth)


# ---- the tools -----------------------------------------------------------------------------------


def tensorboard_likes(tmp: Path, browser: ExtensionBrowser, serve: Serve) -> list[Outcome]:
    data = sets.write_tensorboard(tmp / "tb")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        str(PY),
        "-m",
        "tensorboard.main",
        "--logdir",
        str(tmp / "tb"),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
    ]
    out = []
    with process(args, url + "/"):
        page = browser.context.new_page()
        for (run, tag), values in data.items():
            page.goto(f"{url}/?tagFilter={tag}&runFilter={run}#timeseries")
            card = page.locator("scalar-card").filter(has_text=tag).first
            card.wait_for(timeout=60_000)
            chart = card.locator("line-chart, .chart-container").first
            chart.wait_for(timeout=30_000)
            time.sleep(1.0)
            box = chart.bounding_box()
            for where in (0.3, 0.7):
                x, y = box["x"] + where * box["width"], box["y"] + box["height"] * 0.5
                page.mouse.move(x - 5, y)
                page.mouse.move(x, y)
                tooltip = page.locator("table.tooltip")
                tooltip.wait_for(timeout=10_000)
                shown = page.evaluate(TOOLTIP_ROW, run)
                if shown is None:
                    continue
                step = int(shown["step"].replace(",", ""))
                e = sets.Expect(
                    sets.tb_split(run), "tensorboard", shown["value"], tag, values[step], run, step
                )
                out.append(outcome(serve, e, browser.like_at(page, x, y)))
        page.close()
    return out


# The tooltip's row for a run (Run / Smoothed / Value / Step …): used only to know which step the
# tooltip is at; the expected value is the one written for that step.
TOOLTIP_ROW = """(run) => {
  const table = document.querySelector("table.tooltip");
  if (!table) return null;
  const heads = [...table.querySelector("tr").children]
    .map(c => c.textContent.trim().toLowerCase());
  for (const row of table.querySelectorAll("tr")) {
    const cells = [...row.children];
    if (cells.length !== heads.length || row.querySelector("th")) continue;
    if (cells[heads.indexOf("run")].textContent.trim() !== run) continue;
    const at = name => cells[heads.indexOf(name)].textContent.trim();
    return {value: at("value"), step: at("step")};
  }
  return null;
}"""


def mlflow_likes(tmp: Path, browser: ExtensionBrowser, serve: Serve) -> list[Outcome]:
    from mlflow import MlflowClient

    folder = tmp / "mlflow"
    folder.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        str(PY), "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{folder}/m.db",
        "--default-artifact-root", str(folder / "artifacts"), "--port", str(port),
        "--host", "127.0.0.1", "--workers", "1",
    ]  # fmt: skip
    out = []
    started = time.monotonic()
    with process(args, url + "/health"):
        print(f"mlflow server up in {time.monotonic() - started:.0f} s")
        client = MlflowClient(url)
        page = browser.context.new_page()  # one page: MLflow's UI is loaded once, then routed
        for split, experiment, runs in (
            ("dev", "cifar", sets.MLFLOW_DEV),
            ("held", "sklearn_elasticnet_diabetes", sets.elasticnet_runs()),
        ):
            exp = client.create_experiment(experiment)
            for name, metrics, params in runs:
                run = client.create_run(exp, run_name=name)
                for key, value in params.items():
                    client.log_param(run.info.run_id, key, value)
                for key, value in metrics.items():
                    client.log_metric(run.info.run_id, key, value)
                client.set_terminated(run.info.run_id)
                page.goto(f"{url}/#/experiments/{exp}/runs/{run.info.run_id}")
                first = sets.Expect(split, "mlflow", repr(next(iter(metrics.values()))), "", 0.0)
                page.get_by_text(first.text, exact=True).first.wait_for(timeout=60_000)
                for key, value in metrics.items():
                    e = sets.Expect(split, "mlflow", repr(value), key, value)
                    out.append(outcome(serve, e, like_expect(browser, page, e)))
        page.close()
    return out


def jupyter_likes(tmp: Path, browser: ExtensionBrowser, serve: Serve) -> list[Outcome]:
    import nbformat
    from nbclient import NotebookClient

    folder = tmp / "notebooks"
    folder.mkdir()
    # One notebook (one kernel, one page) with the cells of every split: the expectations say
    # which split each like belongs to.
    cells = sets.NOTEBOOK_DEV + sets.NOTEBOOK_SEEN + sets.NOTEBOOK_HELD2
    # The second report printed (iris) is below the first (digits): its lines are the 2nd match.
    held = [replace(e, nth=1) if e.line else e for e in sets.held2_expectations()]
    expectations = sets.jupyter_dev() + sets.jupyter_seen() + held
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, folder / "results.ipynb")
    settings = tmp / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [
        str(PY.parent / "jupyter-lab"), "--no-browser", f"--port={port}", "--ServerApp.token=",
        "--ServerApp.password=", f"--ServerApp.root_dir={folder}", "--LabApp.news_url=None",
        "--allow-root",
    ]  # fmt: skip
    out = []
    with process(args, url + "/lab", env={"JUPYTERLAB_SETTINGS_DIR": str(tmp / "lab-settings")}):
        page = browser.context.new_page()
        page.goto(f"{url}/lab/tree/results.ipynb")
        page.wait_for_function(  # every cell's output rendered (each cell has one)
            f"document.querySelectorAll('.jp-OutputArea-output').length >= {len(cells)}",
            timeout=120_000,
        )
        time.sleep(1.0)
        page.keyboard.press("Escape")  # a kernel dialog, if any
        # JupyterLab's "get notified about news?" toast would sit over the last outputs.
        page.evaluate("document.querySelectorAll('.Toastify').forEach(e => e.remove())")
        for e in expectations:
            out.append(outcome(serve, e, like_expect(browser, page, e)))
        page.close()
    return out


def generic_likes(tmp: Path, browser: ExtensionBrowser, serve: Serve) -> list[Outcome]:
    folder = tmp / "pages"
    folder.mkdir()
    for path in PAGES.glob("*.html"):
        (folder / path.name).write_bytes(path.read_bytes())
    expectations = sets.styler_page(folder) + sets.generic_dev()
    site = StaticPages(folder)
    out = []
    try:
        page = browser.context.new_page()
        current = None
        for e in expectations:
            page_name = "styler.html" if e.split == "held" else e.within.split("#")[0]
            if page_name != current:
                page.goto(f"{site.url}/{page_name}")
                current = page_name
            within = "body" if e.split == "held" else "#" + e.within.split("#")[1]
            out.append(outcome(serve, e, browser.like_shown(page, e.text, within, e.nth)))
        page.close()
    finally:
        site.close()
    return out


TOOLS = {
    "tensorboard": tensorboard_likes,
    "mlflow": mlflow_likes,
    "jupyterlab": jupyter_likes,
    "generic": generic_likes,
}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ExtensionBrowser, Serve]]:
    tmp = tmp_path_factory.mktemp("ext")
    serve = start_serve(tmp / "home", tmp)
    browser = ExtensionBrowser(tmp / "profile", serve)
    try:
        yield tmp, browser, serve
    finally:
        browser.close()
        serve.close()


def test_likes_in_real_tools(rig: tuple[Path, ExtensionBrowser, Serve]) -> None:
    tmp, browser, serve = rig
    wanted = os.environ.get("RUNNOTES_EXT_TOOLS", ",".join(TOOLS)).split(",")
    results: list[Outcome] = []
    for tool in wanted:
        started = time.monotonic()
        results += TOOLS[tool](tmp, browser, serve)
        print(f"{tool}: {time.monotonic() - started:.0f} s")
    for r in results:
        print(r.line())
    for split in ("dev", "held", "all"):
        chosen = [r for r in results if split in ("all", r.expect.split)]
        if not chosen:
            continue
        values = sum(r.value_right for r in chosen) / len(chosen)
        names = sum(r.name_right for r in chosen) / len(chosen)
        wrong = sum(r.wrong_value for r in chosen)
        exact = sum(bool(r.exact_from) for r in chosen)
        print(
            f"{split}: {len(chosen)} likes, values {values:.3f}, names {names:.3f}, "
            f"{wrong} wrong, {exact} exact from API"
        )
    assert not [r.line() for r in results if r.wrong_value]
    if set(wanted) == set(TOOLS):
        assert len(results) >= 60
    for split in ("held", "all"):
        chosen = [r for r in results if split in ("all", r.expect.split)]
        assert sum(r.value_right for r in chosen) / len(chosen) >= 0.985, split
        assert sum(r.name_right for r in chosen) / len(chosen) >= 0.96, split
