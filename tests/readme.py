"""The README's and the docs' code blocks, so tests run them as written (a doc change changes
the test)."""

from __future__ import annotations

import re

from conftest import ROOT


def code_block(heading: str, lang: str, index: int = 0, page: str = "README.md") -> str:
    """The ``index``-th fenced ``lang`` block after the line of ``page`` (a path from the repository
    root) that starts with ``heading``."""
    text = (ROOT / page).read_text()
    start = re.search(rf"^{re.escape(heading)}", text, re.MULTILINE)
    assert start is not None, f"{page} has no {heading!r}"
    blocks = re.findall(rf"^```{lang}\n(.*?)^```", text[start.end() :], re.MULTILINE | re.DOTALL)
    return blocks[index]
