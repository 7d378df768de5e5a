"""A store made by the previous release (0.1.0), opened by this code, keeps every capture; a
store at 0014 keeps every value when its logged values move to their own table (0015).

The fixture folder was made once by ``fixtures/make_release_store.py`` on release 0.1.0;
``release-0.1.0.captures.json`` is what that release stored, row by row. Fields that moved out
of ``Capture.extra`` into columns must still read the same, wherever they live now.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, select

from runnotes.config import load_settings
from runnotes.store.db import MIGRATIONS, make_engine, migrate, open_store
from runnotes.store.models import Capture, MediaFile, SeriesPoint
from runnotes.store.points import point_captures
from runnotes.store.queries import latest_values, metric_points
from runnotes.store.review import count_pending
from runnotes.store.series import series_points, series_states

FIXTURES = Path(__file__).parent / "fixtures"


# Keys of the old ``extra`` that are columns now under another name.
RENAMED = {"from_capture": "parent_id"}


def _project_and_experiment(conn: Connection) -> None:
    """Project 1 and its experiment 1, written with SQL as an older schema has them."""
    conn.execute(
        text("INSERT INTO project (id, name, description, created_at) VALUES (1, 'p', '', 0)")
    )
    conn.execute(
        text(
            "INSERT INTO experiment (id, project_id, name, description, created_at) "
            "VALUES (1, 1, 'e', '', 0)"
        )
    )


def _field(capture: Capture, key: str) -> Any:
    """A field the old release kept in ``extra``: from its column if it has one now."""
    column = RENAMED.get(key, key)
    if column in Capture.model_fields and column != "extra":
        return getattr(capture, column)
    return (capture.extra or {}).get(key)


def test_release_store_opens_with_every_capture(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "release-0.1.0", home)
    before = json.loads((FIXTURES / "release-0.1.0.captures.json").read_text())
    store = open_store(load_settings(home))
    try:
        with store.read() as session:
            rows = {c.id: c for c in session.exec(select(Capture)).all()}
            rows |= {c.id: c for c in point_captures(session)}  # logged values: migration 0015
            media = {m.sha256 for m in session.exec(select(MediaFile)).all()}
        assert sorted(rows) == sorted(int(i) for i in before)
        for cid, old in before.items():
            new = rows[int(cid)]
            for key in ("run_id", "kind", "source", "name", "value", "text", "step", "media_sha"):
                assert getattr(new, key) == old[key], (cid, key)
            # Migration 0005: metric values code recorded became facts; nothing else moved.
            if old["kind"] == "metric" and old["source"] in ("sdk", "watch", "import"):
                assert new.review == "approved", cid
            else:
                assert new.review == old["review"], cid
            for key, value in (old["extra"] or {}).items():
                assert _field(new, key) == value, (cid, key)
                if RENAMED.get(key, key) in Capture.model_fields:  # moved: gone from extra
                    assert key not in (new.extra or {}), (cid, key)
        assert count_pending(store) == 0  # 0.1.0 left 80 logged values pending
        for old in before.values():
            if old["media_sha"]:
                assert old["media_sha"] in media
                assert store.media.path(old["media_sha"]).exists()
    finally:
        store.engine.dispose()


def _migrated_to(request: pytest.FixtureRequest, tmp_path: Path, revision: str) -> Engine:
    """A SQLite or PostgreSQL database (the fixture's param) migrated up to ``revision``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def before_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated up to the revision before the capture columns (0008)."""
    engine = _migrated_to(request, tmp_path, "0008_series_version")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0014(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at the previous release's schema (0014), before the narrow series table."""
    engine = _migrated_to(request, tmp_path, "0014_browser_likes")
    yield engine
    engine.dispose()


def test_fields_move_from_extra_to_columns(before_0009: Engine) -> None:
    """Migration 0009 on SQLite and PostgreSQL: keys become columns, free-form detail stays."""
    moved = {"role": "rationale", "confidence": 0.42, "liked": True, "via": "ocr"}
    with before_0009.begin() as conn:
        _project_and_experiment(conn)
        conn.execute(
            text(
                "INSERT INTO run (id, experiment_id, name, status, started_at, description, "
                "series_version) VALUES (1, 1, 'r', 'ok', 0, '', 0)"
            )
        )
        insert = text(
            "INSERT INTO capture (id, run_id, kind, source, timestamp, review, extra) "
            "VALUES (:id, 1, :kind, 'voice', 0, 'pending', :extra)"
        )
        conn.execute(insert, {"id": 1, "kind": "voice", "extra": json.dumps({"status": "ok"})})
        extra = {**moved, "from_capture": 1, "heard": "the <b>loss</b>", "segment": 0}
        conn.execute(insert, {"id": 2, "kind": "note", "extra": json.dumps(extra)})
        conn.execute(insert, {"id": 3, "kind": "metric", "extra": None})
    migrate(before_0009)
    with Session(before_0009) as session:
        voice, note, metric = (session.get(Capture, i) for i in (1, 2, 3))
    assert voice.status == "ok" and voice.extra is None and not voice.liked
    assert (note.role, note.confidence, note.liked, note.via) == tuple(moved.values())
    assert note.parent_id == 1 and note.extra == {"heard": "the <b>loss</b>", "segment": 0}
    assert metric.extra is None and not metric.liked and metric.role is None


def test_newest_migration_by_name_is_alembics_head() -> None:
    """Opening a store compares its revision with the newest file name instead of asking Alembic."""
    from alembic.script import ScriptDirectory

    from runnotes.store.db import newest_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert newest_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_a_current_store_opens_without_alembic(home: Path) -> None:
    import subprocess
    import sys

    opens = "from runnotes.store import open_store; open_store().close()"
    subprocess.run([sys.executable, "-c", opens], check=True)  # creates and migrates
    check = f"import sys; {opens}; print('alembic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- migration 0015: logged values move to series_point ------------------------------------

COUNTED = (
    "SELECT run_id, name, count(*), sum(value) FROM capture WHERE kind = 'metric' "
    "AND review = 'approved' AND logged_id IS NULL AND value IS NOT NULL GROUP BY run_id, name"
)


def _write_0014_store(engine: Engine) -> None:
    """Runs with series as release 0014 wrote them: logged values (SDK, watch, import; a step
    stored twice, a NaN), a like linked to a logged point, a pending spoken value, params."""
    rng = random.Random(5)
    insert = text(
        "INSERT INTO capture (id, run_id, kind, source, name, value, text, step, timestamp, "
        "review, liked, logged_id) VALUES (:id, :run, :kind, :source, :name, :value, :text, "
        ":step, :ts, :review, :liked, :logged)"
    )
    with engine.begin() as conn:
        _project_and_experiment(conn)
        rows = []
        cid = 0
        for run in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO run (id, experiment_id, name, status, started_at, description, "
                    "series_version) VALUES (:id, 1, :name, 'ok', 0, '', 0)"
                ),
                {"id": run, "name": f"r{run}"},
            )
            source = ("sdk", "watch", "import")[run - 1]
            for step in range(300):
                for name in ("loss", "val_acc"):
                    cid += 1
                    value = rng.uniform(0, 1)
                    rows.append(
                        (
                            cid,
                            run,
                            "metric",
                            source,
                            name,
                            value,
                            None,
                            step,
                            "approved",
                            False,
                            None,
                        )
                    )
            cid += 1  # the same step again: the series keeps the value stored last
            rows.append(
                (cid, run, "metric", source, "loss", 0.123, None, 299, "approved", False, None)
            )
            cid += 1
            rows.append(
                (cid, run, "metric", source, "loss", None, "nan", 300, "approved", False, None)
            )
            cid += 1  # a like of the value logged at step 10, linked to it
            rows.append(
                (cid, run, "metric", "cli", "val_acc", None, None, None, "approved", True, None)
            )
            cid += 1
            rows.append(
                (cid, run, "metric", "voice", "loss", 0.5, "0.5", None, "pending", False, None)
            )
            cid += 1
            rows.append(
                (cid, run, "param", "sdk", "lr", 0.001, "0.001", None, "approved", False, None)
            )
        conn.execute(
            insert,
            [
                dict(
                    zip(
                        (
                            "id",
                            "run",
                            "kind",
                            "source",
                            "name",
                            "value",
                            "text",
                            "step",
                            "review",
                            "liked",
                            "logged",
                        ),
                        r,
                        strict=True,
                    ),
                    ts=float(r[0]),
                )
                for r in rows
            ],
        )
        # each like: the value of val_acc at step 10, linked to that logged capture
        conn.execute(
            text(
                "UPDATE capture SET value = (SELECT c2.value FROM capture c2 WHERE c2.run_id = "
                "capture.run_id AND c2.name = 'val_acc' AND c2.step = 10 AND NOT c2.liked), "
                "logged_id = (SELECT c2.id FROM capture c2 WHERE c2.run_id = capture.run_id AND "
                "c2.name = 'val_acc' AND c2.step = 10 AND NOT c2.liked) WHERE liked"
            )
        )


def test_migration_keeps_every_value_and_link(at_0014: Engine) -> None:
    _write_0014_store(at_0014)
    with at_0014.connect() as conn:
        before = {(r, n): (c, s) for r, n, c, s in conn.execute(text(COUNTED)).all()}
        total = conn.execute(text("SELECT count(*) FROM capture")).scalar()
        likes = dict(conn.execute(text("SELECT id, logged_id FROM capture WHERE liked")).all())
    migrate(at_0014)
    with Session(at_0014) as session:
        after: dict[tuple[int, str], list[float]] = {}
        for name, run_id, _, value in metric_points(session, [1, 2, 3]):
            after.setdefault((run_id, name), []).append(value)
        assert set(after) == set(before)
        for key, (count, total_value) in before.items():
            assert len(after[key]) == count, key
            assert math.isclose(sum(after[key]), total_value, rel_tol=1e-12), key
        points = session.exec(select(SeriesPoint)).all()
        captures = session.exec(select(Capture)).all()
        assert len(points) + len(captures) == total  # moved, none lost or doubled
        assert {c.kind for c in captures} == {"metric", "param"}
        assert all(c.liked or c.source == "voice" for c in captures if c.kind == "metric")
        by_id = {p.id: p for p in points}
        for like_id, logged_id in likes.items():  # still linked, to the moved point
            like = session.get(Capture, like_id)
            assert like is not None and like.logged_id == logged_id
            assert by_id[logged_id].value == like.value and by_id[logged_id].step == 10
        assert sum(1 for p in points if p.value is None or math.isnan(p.value)) == 3  # the NaNs
        latest = latest_values(session, [1, 2, 3])
        assert all(
            latest.metrics[run]["val_acc"]
            == by_id[
                max(p.id for p in points if p.run_id == run and p.name_id == by_id[logged].name_id)
            ].value
            for run, logged in zip((1, 2, 3), sorted(likes.values()), strict=True)
        )
        # the chart reads the moved values: the repeated step keeps the value stored last
        states = series_states(session, [1])
        assert series_points(session, (1, "loss"), states[(1, "loss")], 1000)[299] == (299.0, 0.123)


def test_new_ids_continue_the_shared_sequence(at_0014: Engine) -> None:
    """After the move, new captures and new points never take an id either table has."""
    from runnotes.config import load_settings
    from runnotes.store.db import open_store
    from runnotes.store.runs import NewCapture, add_captures, add_metric_rows

    _write_0014_store(at_0014)
    url = at_0014.url.render_as_string(hide_password=False)
    store = open_store(load_settings(db_url=url))
    try:
        add_metric_rows(store, [(1, "metric", "sdk", "loss", 0.1, 400, 0.0, "approved", None)])
        (cid,) = add_captures(store, 1, [NewCapture(kind="note", text="after the move")])
        add_metric_rows(store, [(1, "metric", "sdk", "loss", 0.2, 401, 0.0, "approved", None)])
        with store.read() as session:
            point_ids = list(session.exec(select(SeriesPoint.id)).all())
            capture_ids = list(session.exec(select(Capture.id)).all())
        assert not set(point_ids) & set(capture_ids)
        assert max(point_ids) > cid > sorted(point_ids)[-2]
    finally:
        store.close()
