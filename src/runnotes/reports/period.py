"""Turning ``--since 7d`` / ``--since 2024-05-01`` into Unix seconds, and naming a period."""

from __future__ import annotations

import re
import time
from datetime import datetime

from runnotes.errors import RunnotesError
from runnotes.formatting import local_time

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
WEEK = 7 * 86400


def parse_when(text: str, now: float | None = None) -> float:
    """``7d`` / ``12h`` / ``2w`` / ``30m`` ago, or an ISO date or date-time (local time)."""
    now = time.time() if now is None else now
    match = _AGO.match(text)
    if match:
        return now - float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise RunnotesError(
            f"not a time: {text!r} (use e.g. 7d, 12h, 2w, 2024-05-01 or 2024-05-01T14:00)"
        ) from None


def resolve_period(
    since: float | None, until: float | None, now: float | None = None
) -> tuple[float, float]:
    """Defaults: until now, since one week before ``until``; refuses a period that ends first."""
    until = (time.time() if now is None else now) if until is None else until
    since = until - WEEK if since is None else since
    if since >= until:
        raise RunnotesError(
            f"empty period: --since {fmt_time(since)} is not before --until {fmt_time(until)}"
        )
    return since, until


def fmt_time(ts: float | None) -> str:
    return "" if ts is None else local_time(ts)


def fmt_day(ts: float) -> str:
    return local_time(ts, "%Y-%m-%d")
