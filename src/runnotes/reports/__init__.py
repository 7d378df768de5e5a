"""Reports written from what was captured: a README draft per experiment, progress reports.

``from runnotes.reports import write_readme, write_progress``. The names load on first use, so
registering the ``report`` commands does not slow ``runnotes --help``.
"""

from __future__ import annotations

from typing import Any

_NAMES = {"write_readme", "write_progress", "ReportResult"}


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        from runnotes.reports import writers

        return getattr(writers, name)
    raise AttributeError(f"module 'runnotes.reports' has no attribute {name!r}")


__all__ = sorted(_NAMES)
