"""The CLI's two consoles. Piped output is not cut to 80 columns: tables stay whole for grep."""

from __future__ import annotations

import sys

from rich.console import Console


def _width(stream: object) -> int | None:
    return None if getattr(stream, "isatty", lambda: False)() else 200


out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))
