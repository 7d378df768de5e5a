"""A store made by the previous release (0.1.0), opened by this code, keeps every capture.

The fixture folder was made once by ``fixtures/make_release_store.py`` on release 0.1.0;
``release-0.1.0.captures.json`` is what that release stored, row by row. Fields that moved out
of ``Capture.extra`` into columns must still read the same, wherever they live now.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from runnotes.config import load_settings
from runnotes.store.db import MIGRATIONS, make_engine, migrate, open_store
from runnotes.store.models import Capture, MediaFile
from runnotes.store.points import point_captures
from runnotes.store.review import count_pending

FIXTURES = Path(__file__).parent / "fixtures"


# Keys of the old ``extra`` that are columns now under another name.
RENAMED = {"from_capture": "parent_id"}


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def before_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated up to the revision before the capture columns (0008)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008_series_version")
    yield engine
    engine.dispose()


def test_fields_move_from_extra_to_columns(before_0009: Engine) -> None:
    """Migration 0009 on SQLite and PostgreSQL: keys become columns, free-form detail stays."""
    moved = {"role": "rationale", "confidence": 0.42, "liked": True, "via": "ocr"}
    with before_0009.begin() as conn:
        conn.execute(
            text("INSERT INTO project (id, name, description, created_at) VALUES (1, 'p', '', 0)")
        )
        conn.execute(
            text(
                "INSERT INTO experiment (id, project_id, name, description, created_at) "
                "VALUES (1, 1, 'e', '', 0)"
            )
        )
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
