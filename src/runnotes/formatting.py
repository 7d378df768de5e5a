"""How times, durations and values read, shared by the CLI and the web page so both show a run
the same way (a run's 0.91234567 is "0.912346" in the terminal and on the page alike)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runnotes.errors import RunnotesError


def local_time(ts: float, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A Unix time in local time; a time no calendar holds (``1e300``, NaN, an import's garbage)
    is shown as the number it is rather than failing the page or command that shows it."""
    try:
        return datetime.fromtimestamp(ts).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return f"t={ts:g}"


def when(ts: float | None) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM``; empty for none."""
    return "" if ts is None else local_time(ts)


def duration(seconds: float | None) -> str:
    """``42s``, ``3m05s`` or ``2h07m``: as precise as a glance at a run list needs."""
    if seconds is None:
        return ""
    if not abs(seconds) < 1e9:  # 30 years, ±inf or NaN: a clock was wrong, say the number
        return f"{seconds:.3g}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def fmt_value(value: Any) -> str:
    """A param or metric value: six significant digits for floats, a dash for a missing one."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# C0 controls (but tab and newline) and DEL, shown as their Unicode "control pictures" (␀, ␛):
# XML (so .docx) cannot hold them at all, and a terminal would act on them.
_CONTROLS = {c: 0x2400 + c for c in range(0x20) if chr(c) not in "\t\n"} | {0x7F: 0x2421}


def visible_controls(text: str) -> str:
    """``text`` with control characters made visible instead of dropped or acted on."""
    return text.translate(_CONTROLS)


def parse_pairs(items: list[str]) -> list[tuple[str, str]]:
    """``["lr=3e-4", "acc=0.9"]`` → pairs; the ``runnotes like`` and ``%like`` syntax."""
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise RunnotesError(f"expected NAME=VALUE, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs


def as_number(value: Any) -> float | None:
    """A logged value as a number (``"91.4%"`` → 91.4), or None when it is text."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().rstrip("%"))
    except ValueError:
        return None


def shown_interval(text: str) -> list[tuple[float, float]]:
    """Values that display as ``text`` (``"0.8834"``, ``"88.3%"``, ``"3e-4"``): half a unit of
    its last digit either side (and, for a percentage, the same as a fraction). ValueError when
    ``text`` is not a number."""
    digits = text.strip().rstrip("%")
    value = float(digits)
    mantissa, exponent = digits.lower().partition("e")[::2]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    scale = 10 ** int(exponent) if exponent else 1
    half = 0.5 * 10**-decimals * scale
    out = [(value - half, value + half)]
    if text.strip().endswith("%"):
        out.append(((value - half) / 100, (value + half) / 100))
    return out


def significant_digits(text: str) -> int:
    """How many significant digits a shown number has (``"0.0830"`` → 3)."""
    mantissa = text.strip().rstrip("%").lower().partition("e")[0]
    return len(mantissa.replace("-", "").replace("+", "").replace(".", "").lstrip("0"))


def same_number(a: str | None, b: str | None) -> bool:
    """Whether two shown values are the same number (``3e-4`` and ``0.0003``), or the same text
    when either is not a number."""
    x, y = as_number(a), as_number(b)
    if x is None or y is None or a is None or b is None:
        return a == b
    return x == y
