"""Every test here is about drafts: they refresh by themselves, as a user's do."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def drafts_refresh(auto_drafts: None) -> None:
    """Drafts on (off elsewhere in the suite: see ``tests/conftest.py``)."""
