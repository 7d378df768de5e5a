"""The one metrics module: direction, latest, best, series, and every surface agreeing on them."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.interop.export import table_rows, write_export
from runnotes.reports import write_readme
from runnotes.reports.data import MetricInfo, Value
from runnotes.services.metrics import (
    Directions,
    best_values,
    curves,
    directions,
    is_better,
    latest,
    lower_is_better,
    rank_key,
    series,
)
from runnotes.store import Store
from runnotes.store.models import Kind, Review
from runnotes.store.queries import list_runs
from runnotes.store.review import set_review
from runnotes.store.runs import NewCapture, add_captures, create_run, end_run


@pytest.mark.parametrize(
    ("name", "lower"),
    [
        ("val_loss", True),
        ("train-rmse", True),
        ("eval/perplexity", True),
        ("error_rate", True),
        ("mae", True),
        ("latency", True),
        ("train_time", True),
        ("epochs_to_90pct", True),
        ("steps_to_target", True),
        ("seconds_per_epoch", True),
        ("loss_per_token", True),
        ("tokens_per_sec", False),
        ("val_acc", False),
        ("f1", False),
        ("terrain_acc", False),
        ("auc", False),
        ("timestep", False),
    ],
)
def test_direction_by_name(name: str, lower: bool) -> None:
    assert lower_is_better(name) is lower


def test_configured_direction_from_env_is_a_list_of_names(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``RUNNOTES_REPORTS_LOWER_IS_BETTER`` is comma-separated names, not characters."""
    monkeypatch.setenv("RUNNOTES_REPORTS_LOWER_IS_BETTER", "fid, gpu_mem")
    dirs = directions(load_settings())
    assert dirs.lower == {"fid", "gpu_mem"}
    assert dirs.lower_is_better("fid") and not dirs.lower_is_better("f")


def _metric(name: str, value: float, step: int | None, **kw: object) -> NewCapture:
    return NewCapture(
        kind=Kind.metric,
        source=str(kw.pop("source", "sdk")),
        name=name,
        value=value,
        step=step,
        review=str(kw.pop("review", Review.approved)),
        **kw,  # type: ignore[arg-type]
    )


def test_series_rules(store: Store) -> None:
    run = create_run(store, "r", experiment="e").id
    assert run is not None
    ids = add_captures(
        store,
        run,
        [
            _metric("loss", 1.0, 0),
            _metric("loss", 0.5, 1),
            _metric("loss", 0.4, 1),  # step 1 logged again (a resumed run): stored last wins
            _metric("loss", 9.0, 2),  # rejected below
            _metric("loss", 0.3, 3),
            _metric("loss", 0.1, None, liked=True),  # an observation, not a point
            _metric("loss", 0.05, 4, source="voice", review=Review.pending),  # heard, unreviewed
            _metric("acc", 0.7, None),
            _metric("acc", 0.8, None),  # no steps at all: numbered in logging order
        ],
    )
    set_review(store, ids[3], Review.rejected)
    assert series(store, run, "loss") == [(0.0, 1.0), (1.0, 0.4), (3.0, 0.3)]
    assert series(store, run, "acc") == [(0.0, 0.7), (1.0, 0.8)]
    assert latest(store, [run])[run] == {"acc": 0.8, "loss": 0.1}  # the latest counted value
    assert best_values(store, [run])[run] == {"acc": 0.8, "loss": 0.1}
    assert series(store, run, "nothing") == []


def test_series_thinned_keeps_ends(store: Store) -> None:
    run = create_run(store, "long", experiment="e").id
    assert run is not None
    add_captures(store, run, [_metric("loss", 1 / (s + 1), s) for s in range(1000)])
    points = series(store, run, "loss", max_points=100)
    assert 50 <= len(points) <= 101
    assert points[0] == (0.0, 1.0) and points[-1] == (999.0, 1 / 1000)
    assert len(curves(store, [run])["loss"][run]) == 1000


def test_rejected_value_is_gone_everywhere(store: Store, tmp_path: Path) -> None:
    """A rejected value counts nowhere: run page, compare page, export and the report agree."""
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    a = create_run(store, "spiky", experiment="agree").id
    b = create_run(store, "steady", experiment="agree").id
    assert a is not None and b is not None
    ids = add_captures(
        store,
        a,
        [_metric("val_acc", v, s) for s, v in enumerate((0.5, 0.85, 0.8, 0.997))],
    )
    add_captures(store, b, [_metric("val_acc", v, s) for s, v in enumerate((0.6, 0.82))])
    end_run(store, a)
    end_run(store, b)
    set_review(store, ids[-1], Review.rejected)  # the 0.997 spike was a logging bug

    with TestClient(create_app(store)) as client:
        run_page = client.get(f"/runs/{a}").text
        compare = client.get(f"/compare?run={a}&run={b}").text
    assert "0.997" not in run_page and "<b>0.8</b>" in run_page
    assert "best 0.85" in run_page
    specs = re.findall(r'<script type="application/json">(.*?)</script>', run_page)
    chart = json.loads(specs[0])  # the val_acc chart's spec: three points, the spike gone
    assert chart["metric"] == "val_acc" and chart["series"][0]["y"] == [0.5, 0.85, 0.8]
    assert "0.997" not in compare
    assert re.search(r'class="num best">0\.82<', compare)

    rows = {r["name"]: r for r in table_rows(store, list_runs(store)[::-1])}
    assert rows["spiky"]["metrics.val_acc"] == 0.8 and rows["spiky"]["best.val_acc"] == 0.85
    out = io.StringIO()
    write_export(store, list_runs(store), "csv", stream=out)
    exported = {r["name"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert exported["spiky"]["best.val_acc"] == "0.85"

    readme = tmp_path / "README.md"
    write_readme(store, "agree", readme)
    text = readme.read_text()
    assert "0.997" not in text
    assert "run 2 (steady)" in text.split("## How to reproduce")[1].split("##")[0]


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("lower", [True, False])
def test_one_rule_for_better_over_nan_inf_and_none(lower: bool) -> None:
    """Only finite values compete, in both directions: a finite value beats None, NaN, inf and
    -inf; nothing non-finite beats anything; an equal value is not better. The reports rank,
    pick the best and judge moves with the same two functions."""
    good, bad = (1.0, 2.0) if lower else (2.0, 1.0)
    assert is_better(good, bad, lower) and not is_better(bad, good, lower)
    assert not is_better(good, good, lower)
    for broken in (None, NAN, INF, -INF):
        assert is_better(bad, broken, lower), broken
        assert not is_better(broken, bad, lower), broken
        assert not is_better(broken, None, lower), broken
    ranked = sorted([NAN, bad, None, INF, good, -INF], key=lambda v: rank_key(v, lower))
    assert ranked[:2] == [good, bad]
    assert all(v is None or not math.isfinite(v) for v in ranked[2:])
    name = "val_loss" if lower else "val_acc"
    dirs = Directions()
    assert dirs.best(name, [NAN, INF, bad, -INF, None, good]) == good
    assert dirs.best(name, [NAN, INF, -INF, None]) is None
    info = MetricInfo(name, lower, best_run=None, best=Value("x", good))  # type: ignore[arg-type]
    assert info.is_better(good, bad) and not info.is_better(INF, bad) and info.is_better(bad, NAN)
