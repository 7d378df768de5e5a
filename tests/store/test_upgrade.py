"""A store made by the previous release (0.1.0), opened by this code, keeps every capture.

The fixture folder was made once by ``fixtures/make_release_store.py`` on release 0.1.0;
``release-0.1.0.captures.json`` is what that release stored, row by row. Fields that moved out
of ``Capture.extra`` into columns must still read the same, wherever they live now.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlmodel import select

from runnotes.config import load_settings
from runnotes.store.db import open_store
from runnotes.store.models import Capture, MediaFile
from runnotes.store.review import count_pending

FIXTURES = Path(__file__).parent / "fixtures"


def _field(capture: Capture, key: str) -> Any:
    """A field the old release kept in ``extra``: from its column if it has one now."""
    if key in Capture.model_fields and key != "extra":
        return getattr(capture, key)
    return (capture.extra or {}).get(key)


def test_release_store_opens_with_every_capture(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "release-0.1.0", home)
    before = json.loads((FIXTURES / "release-0.1.0.captures.json").read_text())
    store = open_store(load_settings(home))
    try:
        with store.read() as session:
            rows = {c.id: c for c in session.exec(select(Capture)).all()}
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
        assert count_pending(store) == 0  # 0.1.0 left 80 logged values pending
        for old in before.values():
            if old["media_sha"]:
                assert old["media_sha"] in media
                assert store.media.path(old["media_sha"]).exists()
    finally:
        store.engine.dispose()
