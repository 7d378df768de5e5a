"""JSON for values that JSON cannot spell: NaN and ±inf travel as ``"NaN"``/``"Infinity"``/
``"-Infinity"`` strings.

Standard JSON has no NaN, and both httpx and Starlette refuse to encode one, yet a diverged loss
*is* NaN and must reach the store like any other value (the server's pydantic models read those
strings back as floats). Encoding tries the fast path first and only walks the value when it
holds such a float.
"""

from __future__ import annotations

import json
import math
from typing import Any

_NAMES = {math.inf: "Infinity", -math.inf: "-Infinity"}


def safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its string spelling."""
    if isinstance(value, float):
        return value if math.isfinite(value) else ("NaN" if value != value else _NAMES[value])
    if isinstance(value, dict):
        return {k: safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON of ``value``, non-finite floats spelled as strings."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(safe(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")
