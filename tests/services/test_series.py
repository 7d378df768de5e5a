"""Series downsampled in SQL: extremes kept, the metrics module's rules, never a stale cache."""

from __future__ import annotations

import itertools
import math
import random
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgwait import until_one_waits
from runnotes.services.metrics import best_values, curves, latest, series
from runnotes.store import Store, open_store
from runnotes.store import series as series_store
from runnotes.store.models import Review
from runnotes.store.review import edit_capture, set_review
from runnotes.store.runs import NewCapture, add_captures, add_metric_rows, create_run


def _log(store: Store, run_id: int, name: str, values: list[tuple[int | None, float]]) -> None:
    add_metric_rows(
        store,
        [(run_id, "metric", "sdk", name, v, step, 0.0, "approved", None) for step, v in values],
    )


def test_downsampled_series_keeps_every_extreme(store: Store) -> None:
    run = create_run(store, "long")
    rng = random.Random(3)
    values = [(step, rng.gauss(0, 1)) for step in range(20_000)]
    values[12_345] = (12_345, 40.0)  # one spike up, one down: a thinning stride would miss them
    values[777] = (777, -40.0)
    _log(store, run.id, "loss", values)

    points = series(store, run.id, "loss", max_points=200)
    assert len(points) <= 200
    assert points[0] == (0.0, values[0][1]) and points[-1] == (19_999.0, values[-1][1])
    assert (12_345.0, 40.0) in points and (777.0, -40.0) in points
    stored = {float(s): v for s, v in values}
    assert all(stored[x] == y for x, y in points)  # real points at their real steps
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    # Every bucket of 400 steps keeps its own lowest and highest value.
    for start in range(0, 20_000, 400):
        bucket = values[start : start + 400]
        assert (float(min(bucket, key=lambda p: p[1])[0]), min(v for _, v in bucket)) in points
        assert (float(max(bucket, key=lambda p: p[1])[0]), max(v for _, v in bucket)) in points


def test_sql_series_follows_the_rules_of_the_exact_one(store: Store) -> None:
    """Rejected values left out, a repeated step keeps the value stored last, a step-less value
    is left out of a stepped series, and a series without steps is numbered 0, 1, 2…"""
    run = create_run(store, "rules")
    _log(store, run.id, "acc", [(0, 0.1), (1, 0.2), (2, 0.3), (1, 0.25), (None, 0.99)])
    (rejected,) = add_captures(
        store,
        run.id,
        [NewCapture(kind="metric", source="voice", name="acc", value=5.0, step=3)],
    )
    set_review(store, rejected, Review.rejected)
    _log(store, run.id, "lr", [(None, 0.1), (None, 0.05), (None, 0.01)])

    exact = curves(store, [run.id])
    sampled = curves(store, [run.id], max_points=100)
    assert sampled == exact
    assert exact["acc"][run.id] == [(0.0, 0.1), (1.0, 0.25), (2.0, 0.3)]
    assert exact["lr"][run.id] == [(0.0, 0.1), (1.0, 0.05), (2.0, 0.01)]
    assert latest(store, [run.id])[run.id] == {"acc": 0.99, "lr": 0.01}
    assert best_values(store, [run.id])[run.id] == {"acc": 0.99, "lr": 0.1}


def test_a_cached_series_follows_new_values_reviews_and_edits(any_store: Store) -> None:
    """On SQLite and PostgreSQL (the trigger exists in both dialects)."""
    store = any_store
    run = create_run(store, "live")
    _log(store, run.id, "loss", [(s, 1.0 / (s + 1)) for s in range(50)])
    assert series(store, run.id, "loss", max_points=100)[-1] == (49.0, 1 / 50)

    _log(store, run.id, "loss", [(50, 0.001)])  # a new value: a new newest id
    assert series(store, run.id, "loss", max_points=100)[-1] == (50.0, 0.001)
    assert best_values(store, [run.id])[run.id]["loss"] == 0.001

    (spoken,) = add_captures(
        store,
        run.id,
        [NewCapture(kind="metric", source="voice", name="loss", value=9.0, step=60)],
    )
    assert series(store, run.id, "loss", max_points=100)[-1] == (50.0, 0.001)  # pending
    set_review(store, spoken, Review.approved)  # changed in place: the trigger moves the version
    assert series(store, run.id, "loss", max_points=100)[-1] == (60.0, 9.0)
    edit_capture(store, spoken, value="0.5")
    assert series(store, run.id, "loss", max_points=100)[-1] == (60.0, 0.5)
    set_review(store, spoken, Review.rejected)
    assert series(store, run.id, "loss", max_points=100)[-1] == (50.0, 0.001)
    assert best_values(store, [run.id])[run.id]["loss"] == 0.001


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=50, max_size=400),
    cuts=st.lists(st.integers(1, 399), max_size=4),
    start=st.integers(-50, 50),
)
def test_values_appended_to_a_live_series_are_added_to_its_buckets(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    values: list[float],
    cuts: list[int],
    start: int,
) -> None:
    """A running training's page: new values are bucketed alone and merged into the cached
    buckets, and the points are exactly each bucket's first, last, lowest and highest."""
    run = create_run(store, "live-long")
    monkeypatch.setattr(series_store, "RESAVE_VALUES", 1)  # stored at every view that grew it
    # Nothing else evicts this series meanwhile: a drafts thread left by an earlier test may be
    # drawing hundreds of other series in this process (the entry is read below).
    monkeypatch.setattr(series_store, "CACHE_SIZE", 1_000_000)
    edges = sorted({0, len(values), *(c for c in cuts if c < len(values))})
    computed = []
    monkeypatch.setattr(
        series_store, "_compute", _spy(series_store._compute, computed), raising=True
    )
    for a, b in itertools.pairwise(edges):
        _log(store, run.id, "loss", [(start + i, values[i]) for i in range(a, b)])
        points = series(store, run.id, "loss", max_points=40)
    # bucketed once; every later view only read the values appended (a short series is re-read)
    assert sum(isinstance(shape, series_store.Buckets) for shape in computed) <= 1
    entry = series_store._cache[(str(store.engine.url), run.id, "loss")]
    shape = entry.shapes[40]
    if len(values) <= 40:
        return
    assert isinstance(shape, series_store.Buckets)
    buckets: dict[int, list[tuple[float, float]]] = {}
    for i, v in enumerate(values):
        buckets.setdefault((start + i - shape.base) // shape.width, []).append((start + i, v))
    expected = set()
    for pts in buckets.values():
        expected |= {pts[0], pts[-1]}
        expected.add(min(pts, key=lambda p: (p[1], p[0])))
        expected.add(min(pts, key=lambda p: (-p[1], p[0])))
    assert points == sorted((float(x), float(y)) for x, y in expected)
    assert len(points) <= 40
    # Stored, and read back after a restart: a new Store on the same file, nothing cached in
    # this process, draws the same exact M4 from series_chart without bucketing the series.
    with store.read() as session:
        stored = series_store._stored(session, (run.id, "loss"))
    assert stored is not None and stored.shapes[40].points() == points  # type: ignore[union-attr]
    series_store._cache.clear()
    again = open_store(store.settings)
    try:
        drawn = len(computed)
        assert series(again, run.id, "loss", max_points=40) == points
        assert len(computed) == drawn
    finally:
        again.close()


def _spy(fn, results: list):  # type: ignore[no-untyped-def]
    def spied(*args, **kwargs):  # type: ignore[no-untyped-def]
        results.append(fn(*args, **kwargs))
        return results[-1]

    return spied


def test_a_stored_chart_that_lags_is_brought_up_to_date_after_a_restart(store: Store) -> None:
    """A live run's chart is stored again only every RESAVE_VALUES values: a new process reads
    the older stored buckets and merges the values logged since, to the exact M4."""
    run = create_run(store, "lagging")
    rng = random.Random(8)
    values = [(step, rng.gauss(0, 1)) for step in range(3_000)]
    _log(store, run.id, "loss", values[:2_000])
    series(store, run.id, "loss", max_points=100)  # drawn and stored
    _log(store, run.id, "loss", values[2_000:])
    expected = series(store, run.id, "loss", max_points=100)  # merged, not stored again
    with store.read() as session:
        stored = series_store._stored(session, (run.id, "loss"))
    assert stored is not None and stored.stats.count == 2_000
    series_store._cache.clear()
    again = open_store(store.settings)
    try:
        assert series(again, run.id, "loss", max_points=100) == expected
    finally:
        again.close()
    shape = series_store._cache[(str(again.engine.url), run.id, "loss")].shapes[100]
    assert isinstance(shape, series_store.Buckets)
    buckets: dict[int, list[tuple[float, float]]] = {}
    for step, value in values:
        buckets.setdefault((step - shape.base) // shape.width, []).append((float(step), value))
    m4: set[tuple[float, float]] = set()
    for pts in buckets.values():
        m4 |= {pts[0], pts[-1]}
        m4 |= {min(pts, key=lambda p: (p[1], p[0])), min(pts, key=lambda p: (-p[1], p[0]))}
    assert expected == sorted(m4) and len(expected) <= 100


def test_best_of_a_series_is_finite_on_both_backends(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The series' best (run page, export, experiment bests) follows the one "better" rule:
    inf, -inf and NaN are no result in either direction, cached or read in one query."""
    from runnotes.services import metrics
    from runnotes.store.runs import nonfinite_text

    store = any_store
    run = create_run(store, "diverged")
    broken = [float("inf"), float("-inf"), float("nan")]
    for name in ("val_acc", "val_loss", "only_inf"):
        values = [] if name == "only_inf" else [0.5, 0.7]
        rows = [*values, *broken]
        add_metric_rows(
            store,
            [
                (run.id, "metric", "sdk", name, v, step, 0.0, "approved", nonfinite_text(v))
                for step, v in enumerate(rows)
            ],
        )
    cached = best_values(store, [run.id])[run.id]
    monkeypatch.setattr(metrics, "FEW_RUNS", 0)  # the grouped query instead of the cache
    grouped = best_values(store, [run.id])[run.id]
    assert cached == grouped == {"val_acc": 0.7, "val_loss": 0.5}
    bests = {b.metric: b.value for b in metrics.experiment_bests(store)[run.experiment_id]}
    assert bests == {"val_acc": 0.7, "val_loss": 0.5}


@pytest.mark.postgres
def test_values_committed_out_of_id_order_reach_the_stored_chart(pg_store_url: str) -> None:
    """PostgreSQL lets two writers of one run hold ids at once: a chart drawn after the second
    committed, before the first did, must still get the first's value (its id is below the
    newest the chart was drawn at), in this process and from series_chart."""
    from sqlalchemy import text

    from runnotes.config import load_settings
    from runnotes.store.points import insert_points

    store = open_store(load_settings(db_url=pg_store_url))
    try:
        run = create_run(store, "two-writers")
        # 198 steps in 10 buckets of 20: two more steps keep that layout, so the chart merged
        # with them and the one drawn from nothing are the same points
        _log(store, run.id, "loss", [(step, math.sin(step / 7)) for step in range(198)])
        row = (run.id, "metric", "sdk", "loss")
        late = store.engine.connect()  # A: takes its id first, commits last
        late_tx = late.begin()
        insert_points(late, [(*row, 1000.0, 198, 0.0, "approved", None)])
        failed: list[BaseException] = []

        def second_writer() -> None:  # B: waits for A (with the lock), or commits first
            try:
                add_metric_rows(store, [(*row, -1000.0, 199, 0.0, "approved", None)])
            except BaseException as exc:  # noqa: BLE001 - reported below
                failed.append(exc)

        writer = threading.Thread(target=second_writer, daemon=True)
        writer.start()
        until_one_waits(store.engine, lambda: not writer.is_alive(), 20, "the second writer")
        drawn = series(store, run.id, "loss", max_points=40)  # drawn and stored
        late_tx.commit()
        late.close()
        writer.join(timeout=20)
        assert not writer.is_alive() and not failed

        now = series(store, run.id, "loss", max_points=40)
        series_store._cache.clear()
        from_stored = series(store, run.id, "loss", max_points=40)
        series_store._cache.clear()
        with store.write_conn() as conn:
            conn.execute(text("DELETE FROM series_chart"))
        exact = series(store, run.id, "loss", max_points=40)
        assert {(198.0, 1000.0), (199.0, -1000.0)} <= set(exact)
        assert now == from_stored == exact != drawn
    finally:
        store.close()


def test_a_bulk_review_moves_the_version_once_and_any_sql_path_moves_it(any_store: Store) -> None:
    """Approving many spoken values at once moves the run's ``series_version`` (PostgreSQL: once
    per statement, migration 0022) and the chart shows them; an update made outside the code
    (plain SQL) still moves it."""
    from sqlalchemy import text

    from runnotes.store.review import set_reviews

    store = any_store
    run = create_run(store, "spoken")
    _log(store, run.id, "loss", [(0, 5.0)])
    said = [
        NewCapture(kind="metric", source="voice", name="loss", value=1.0 / s, step=s)
        for s in range(1, 301)
    ]
    ids = add_captures(store, run.id, said)
    assert series(store, run.id, "loss", max_points=40) == [(0.0, 5.0)]  # pending

    def version() -> int:
        with store.read() as session:
            query = text("SELECT series_version FROM run WHERE id = :r")
            return int(session.execute(query, {"r": run.id}).scalar_one())

    before = version()
    set_reviews(store, ids, Review.approved)
    assert version() > before
    shown = series(store, run.id, "loss", max_points=40)
    assert shown[0] == (0.0, 5.0) and shown[-1] == (300.0, 1 / 300) and len(shown) <= 40

    moved = version()
    with store.write_conn() as conn:  # a change no code of runnotes made
        conn.execute(
            text("UPDATE capture SET review = 'rejected' WHERE run_id = :r"), {"r": run.id}
        )
    assert version() > moved
    assert series(store, run.id, "loss", max_points=40) == [(0.0, 5.0)]


@pytest.mark.postgres
def test_a_value_committed_between_a_charts_reads_is_left_to_the_next_view(
    pg_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads a chart's state and its values in one snapshot: a value committed
    between the two reads is neither counted with the stored chart (whose state predates it)
    nor lost (the next view merges it)."""
    from sqlalchemy import text

    from runnotes.config import load_settings
    from runnotes.store.series import metric_values

    store = open_store(load_settings(db_url=pg_store_url))
    try:
        run = create_run(store, "between")
        # 48 steps in 10 buckets of 5: step 48 keeps that layout, so the chart merged with it
        # and the one drawn from nothing are the same points
        _log(store, run.id, "loss", [(step, 1.0 / (step + 1)) for step in range(48)])
        real_stats, between = series_store._stats, [(48, 9.0)]

        def committed_between(*args: Any, **kwargs: Any) -> series_store.Stats:
            while between:  # from another connection, after the state was read
                _log(store, run.id, "loss", [between.pop()])
            return real_stats(*args, **kwargs)

        monkeypatch.setattr(series_store, "_stats", committed_between)
        drawn = series(store, run.id, "loss", max_points=40)
        assert not between and (48.0, 9.0) not in drawn
        with store.read() as session:
            newest, shape = session.execute(
                text("SELECT newest, shape FROM series_chart WHERE run_id = :r"), {"r": run.id}
            ).one()
        held = [v for v in metric_values(store, run.id, "loss") if v["id"] <= newest]
        assert series_store.Stats(*shape["stats"]).count == len(held) == 48

        now = series(store, run.id, "loss", max_points=40)
        series_store._cache.clear()
        with store.write_conn() as conn:
            conn.execute(text("DELETE FROM series_chart"))
        assert now == series(store, run.id, "loss", max_points=40) and (48.0, 9.0) in now
    finally:
        store.close()
