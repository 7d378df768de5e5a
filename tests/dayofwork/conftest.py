"""A day of work, as a user does it: shell commands against one store, built once per module.

Each test module here drives the real ``runnotes`` CLI (and the scripts a user would run under
``runnotes watch``) into a store of its own, then checks what a lead would read: the facts in the
store, ``--where``, ``runs list``/``show``/``compare`` and the drafts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.store import Store, open_store

ENV_VARS = ("RUNNOTES_DB", "RUNNOTES_MEDIA", "RUNNOTES_SERVER", "RUNNOTES_TOKEN")


@dataclass
class Day:
    """A store a user worked in, and how to run their commands in it."""

    home: Path
    folder: Path  # where their scripts are
    store: Store

    def run(self, *words: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """One shell line: ``runnotes …`` or ``python …``, with this environment's Python."""
        command = (
            [sys.executable, "-m", "runnotes", *words[1:]]
            if words[0] == "runnotes"
            else [
                sys.executable if words[0] == "python" else words[0],
                *words[1:],
            ]
        )
        done = subprocess.run(
            command,
            cwd=self.folder,
            capture_output=True,
            text=True,
            errors="replace",
            env={
                **os.environ,
                "RUNNOTES_HOME": str(self.home),
                # `python` inside `runnotes watch -- python …` is this environment's
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            },
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(words)} exited {done.returncode}:\n{done.stderr}")
        return done

    def script(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(textwrap.dedent(text))
        return path


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    root = tmp_path_factory.mktemp("day")
    home, folder = root / "home", root / "work"
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNNOTES_HOME", str(home))
        for var in ENV_VARS:
            patch.delenv(var, raising=False)
        store = open_store(load_settings())
        try:
            yield Day(home, folder, store)
        finally:
            store.close()
