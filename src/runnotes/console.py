"""The CLI's two consoles. Piped output is not cut to 80 columns: tables stay whole for grep."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def _width(stream: object) -> int | None:
    return None if getattr(stream, "isatty", lambda: False)() else 200


out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def print_json(data: Any) -> None:
    """``--json`` output: plain JSON on stdout, never wrapped or styled."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
