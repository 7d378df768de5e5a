"""The CLI's two consoles. Piped output is not cut to 80 columns: tables stay whole for grep.

Markup is off: what they print is mostly the user's text (run, experiment and metric names,
notes, table cells), and rich would take a run named ``[bold]x`` for a style or fail on
``a[/]b``. A line styled on purpose says ``markup=True`` and escapes the user's text in it
(:func:`rich.markup.escape`); a styled table cell is a :class:`rich.text.Text`."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console


def _width(stream: object) -> int | None:
    return None if getattr(stream, "isatty", lambda: False)() else 200


out = Console(markup=False, highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def print_json(data: Any) -> None:
    """``--json`` output: plain JSON on stdout, never wrapped or styled."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
