"""Migration 0005: metric values code recorded become facts; what a person must check stays put."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from runnotes.config import load_settings
from runnotes.store.db import open_store
from runnotes.store.models import Capture
from runnotes.store.review import count_pending

FIXTURES = Path(__file__).parent / "fixtures"


def test_release_store_metrics_become_approved(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "release-0.1.0", home)
    before = json.loads((FIXTURES / "release-0.1.0.captures.json").read_text())
    store = open_store(load_settings(home))
    try:
        with store.read() as session:
            rows = {c.id: c for c in session.exec(select(Capture)).all()}
            indexes = session.connection().execute(text("PRAGMA index_list('capture')")).all()
        for cid, old in before.items():
            new = rows[int(cid)]
            if old["kind"] == "metric" and old["source"] in ("sdk", "watch", "import"):
                assert new.review == "approved", cid
            else:
                assert new.review == old["review"], cid  # voice, hotkey, rejected: untouched
        assert count_pending(store) == 0
        names = {row[1] for row in indexes}
        assert "ix_capture_pending" in names and "ix_capture_review" not in names
    finally:
        store.engine.dispose()
