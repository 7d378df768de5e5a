"""Spoken summaries and reports per reader (espeak-ng speaks: see tests/conftest.py)."""

from __future__ import annotations

from reports.conftest import utc  # noqa: F401 - the fixture, for dated reports

__all__ = ["utc"]
