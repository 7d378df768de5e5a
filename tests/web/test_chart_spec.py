"""One chart definition: the run page, the notebook and the report figures draw the same spec."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from runnotes.interop.jupyter import ComparisonView, RunView, notebook_specs
from runnotes.reports import plots
from runnotes.reports.data import load_experiment, rules_for
from runnotes.sdk import start_run
from runnotes.services.charts import ChartSpec, chart_specs, sparkline, unit_of
from runnotes.store import Store
from runnotes.store.queries import compare_runs, run_detail, run_overview

SPEC = re.compile(r'<script type="application/json">(.*?)</script>', re.S)


def _runs(store: Store) -> dict[int, str]:
    labels = {}
    for name, lr in (("lr-1e-2", 0.01), ("lr-1e-3", 0.001)):
        with start_run(name, experiment="sweep", store=store) as run:
            run.log_params({"lr": lr})
            for step in range(40):
                run.log_metrics(
                    {"loss": 3.0 * 0.8**step, "val_acc": 0.5 + step * lr, "epoch": step // 10},
                    step=step,
                )
            run.log_metric("test_acc", 0.9 - lr)
            labels[run.id] = name
    return labels


def _embedded(html: str) -> list[dict[str, Any]]:
    return [json.loads(found) for found in SPEC.findall(html)]


def _without_times(spec: dict[str, Any]) -> dict[str, Any]:
    return {**spec, "series": [{k: v for k, v in s.items() if k != "t"} for s in spec["series"]]}


def test_page_notebook_and_report_draw_the_same_spec(
    store: Store, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    labels = _runs(store)
    first = next(iter(labels))
    expected = [s.as_json() for s in chart_specs(store, {first: labels[first]})]
    assert {s["metric"]: s["kind"] for s in expected} == {
        "epoch": "line",
        "loss": "line",
        "test_acc": "bar",
        "val_acc": "line",
    }
    lines = [s for s in expected if s["kind"] == "line"]

    page = _embedded(client.get(f"/runs/{first}").text)
    assert page == lines  # the run page shows single values as numbers, not as a chart

    view = RunView(run_detail(store, first), notebook_specs(store, {first: labels[first]}))
    html = view._repr_html_()
    notebook = _embedded(html)
    assert [_without_times(s) for s in notebook] == lines
    assert all(len(s["t"]) == len(s["x"]) for spec in notebook for s in spec["series"])
    assert "uPlot" in html and "RunnotesCharts.renderAll" in html and "src=" not in html

    drawn: list[ChartSpec] = []
    real = plots.draw_spec
    monkeypatch.setattr(plots, "draw_spec", lambda ax, spec: (drawn.append(spec), real(ax, spec)))
    data = load_experiment(
        store, run_overview(store, str(first))[1].experiment_id, rules_for(store, False)
    )
    figures = plots.experiment_figures(store, data, tmp_path)
    assert figures and figures[0].path.exists()
    compare = {
        s["metric"]: s
        for s in _embedded(client.get(f"/compare?run={'&run='.join(map(str, labels))}").text)
    }
    assert drawn
    for spec in drawn:  # the report's spec is the compare page's, with its best run starred
        shown = spec.as_json()
        assert _numbers(shown) == _numbers(compare[spec.metric])
        assert sum(s["best"] for s in shown["series"]) == 1


def _numbers(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec less its run labels and best-run star (the report labels and stars runs its way)."""
    keep = ("run", "color", "x", "y")
    return {**spec, "series": [{k: s[k] for k in keep} for s in spec["series"]]}


def test_compare_notebook_overlays_every_run_and_bars_single_values(store: Store) -> None:
    labels = _runs(store)
    cmp = compare_runs(store, [str(r) for r in labels])
    specs = {
        s["metric"]: s
        for s in _embedded(
            ComparisonView(
                cmp, notebook_specs(store, {r.id: f"{r.id}: {r.name}" for r in cmp.runs})
            )._repr_html_()
        )
    }
    assert [len(specs[m]["series"]) for m in ("loss", "val_acc", "test_acc")] == [2, 2, 2]
    assert specs["test_acc"]["kind"] == "bar"
    assert specs["loss"]["log"] is True and specs["val_acc"]["log"] is False  # 3 → 0.0004
    assert specs["loss"]["epochs"]  # an `epoch` series puts epochs on the x axis


def test_units_come_from_the_name_only() -> None:
    assert [
        unit_of(n) for n in ("step_time_s", "tokens_per_sec", "gpu_mem_gb", "loss", "acc_pct")
    ] == [
        "s",
        "/s",
        "GB",
        "",
        "%",
    ]


def test_sparkline_survives_huge_and_flat_values() -> None:
    assert sparkline([(0, -1e308), (1, 1e308)], 100, 20) == "2.0,18.0 98.0,2.0"
    assert sparkline([(0, 3.2e18), (1, 3.2e18)], 100, 20) == "2.0,10.0 98.0,10.0"
    assert sparkline([(0, float("nan")), (1, 1.0)]) == ""


def test_times_of_the_points_drawn(store: Store, client) -> None:  # type: ignore[no-untyped-def]
    run = next(iter(_runs(store)))
    points = client.get(f"/api/runs/{run}/metrics/loss", params={"points": 12}).json()["points"]
    times = client.get(f"/api/runs/{run}/times/loss", params={"points": 12}).json()["times"]
    values = client.get(f"/api/runs/{run}/metrics/loss", params={"limit": 100}).json()["values"]
    logged = {v["step"]: v["timestamp"] for v in values}
    assert times == [logged[int(step)] for step, _ in points]  # one per point, in order
    assert client.get(f"/api/runs/{run}/times/nope").status_code == 404
