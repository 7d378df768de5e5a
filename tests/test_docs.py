"""The docs: the README stays a front page; the generated CLI reference has every command."""

from __future__ import annotations

import importlib.util
import re

from conftest import ROOT
from runnotes.cli import command
from runnotes.cli.help import walk


def _generated():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generated", ROOT / "docs/hooks/generated.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_a_front_page() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_every_command_is_in_the_cli_reference() -> None:
    page = _generated().reference()
    for path, cmd in walk(command()):
        title = " ".join(("runnotes", *path))
        section = re.search(rf"^## `{re.escape(title)}`\n\n```text\n(.*?)^```", page, re.M | re.S)
        assert section, f"{title} is not in the CLI reference"
        assert f"Usage: {title}" in section.group(1)
        if cmd.help:
            assert cmd.help.split("\n")[0].strip()[:40] in section.group(1)


def test_every_docs_page_is_in_the_site_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert pages, "no docs pages"
    assert not {p for p in pages if f": {p}" not in nav}, "pages missing from mkdocs.yml nav"
