"""The README's code blocks, so tests run them as written (a README change changes the test)."""

from __future__ import annotations

import re

from conftest import ROOT


def code_block(heading: str, lang: str, index: int = 0) -> str:
    """The ``index``-th fenced ``lang`` block after the README line that starts with ``heading``."""
    text = (ROOT / "README.md").read_text()
    start = re.search(rf"^{re.escape(heading)}", text, re.MULTILINE)
    assert start is not None, f"README has no {heading!r}"
    blocks = re.findall(rf"^```{lang}\n(.*?)^```", text[start.end() :], re.MULTILINE | re.DOTALL)
    return blocks[index]
