"""MkDocs hook: the pages generated at build time, so each has one source.

- ``index.md`` is the repository's README (the front page), its ``docs/`` links made site-relative.
- ``cli.md`` is written from each command's own ``--help``, walked from the command tree, so a
  command added to the CLI is documented without anyone remembering to (``tests/test_docs.py``
  checks every command has its section).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


def reference() -> str:
    """The whole reference page: one section per command, its help text as the CLI prints it."""
    from typer.testing import CliRunner

    from runnotes.cli import command
    from runnotes.cli.help import walk

    root = command()  # the click command `runnotes` runs, its help made readable as in the CLI
    runner = CliRunner()
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    sections = [
        "# CLI reference\n",
        "Generated from `runnotes … --help` when the docs are built; `runnotes COMMAND --help` "
        "prints the same.\n",
    ]
    for path, _command in walk(root):
        with runner.isolation(env=env) as (out, *_):
            with contextlib.suppress(SystemExit):
                root.main(args=[*path, "--help"], prog_name="runnotes")
            text = "\n".join(line.rstrip() for line in out.getvalue().decode().splitlines())
        title = " ".join(("runnotes", *path))
        sections.append(f"## `{title}`\n\n```text\n{text.strip(chr(10))}\n```\n")
    return "\n".join(sections)


def on_files(files: Files, config: Any) -> Files:
    os.environ.setdefault("COLUMNS", "100")
    front = (ROOT / "README.md").read_text(encoding="utf-8").replace("](docs/", "](")
    files.append(File.generated(config, "index.md", content=front))
    files.append(File.generated(config, "cli.md", content=reference()))
    return files
