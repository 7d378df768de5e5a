"""Spoken summaries and reports per reader: espeak-ng in tests (Piper only where asked for)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reports.conftest import utc  # noqa: F401 - the fixture, for dated reports

__all__ = ["utc"]


@pytest.fixture(autouse=True)
def espeak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """espeak-ng, the voice that is always there: Piper is tried only by its own test."""
    monkeypatch.setenv("RUNNOTES_LISTEN_ENGINE", "espeak-ng")
    yield
