"""``runnotes note`` and ``runnotes like``: what they do, and the call that runs them without typer.

A script that notes or likes in a loop pays each call's start-up. Typer builds a pydantic
validator for every parameter it parses (importing pydantic: ~0.14 s of CPU with typer itself,
against ~0.15 s for everything else of a note on a current SQLite store), so a call that is
nothing but ``note WORDS…`` or ``like NAME=VALUE…`` — no option, no root option, no completion
request — runs here, through the same functions the typer commands call (``runnotes note`` in
:mod:`runnotes.cli.runs` calls :func:`note`), and so does ``runnotes --version`` alone. Any other
call (``--run``, ``--help``, ``--selection``, ``--home``, a word starting with ``-``) goes through
typer as every command does. The settings come from the same place either way
(:func:`runnotes.config.load_settings` reads ``RUNNOTES_HOME``, ``RUNNOTES_DB`` and
``RUNNOTES_SERVER``, as the root's options do).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from runnotes.cli.shell import run_handle, target_of
from runnotes.console import out
from runnotes.formatting import parse_pairs

if TYPE_CHECKING:
    from runnotes.backend import Backend


def note(backend: Backend, text: Sequence[str], run: str | None) -> None:
    """Write the note on the run (``--run``, else the active or today's run), and say where."""
    handle = run_handle(backend, run)
    handle.note(" ".join(text))
    out.print(f"noted → run {handle.id} ({handle.name})")


def like(backend: Backend, values: Sequence[str], run: str | None) -> None:
    """Keep NAME=VALUE pairs (approved) on the run; a text value for a name logged as a metric
    is refused before anything is stored (so a refused like opens no auto run)."""
    pairs = parse_pairs(list(values))
    for key, value in pairs:
        backend.check_like(target_of(backend, run), key, value)
    handle = run_handle(backend, run)
    for key, value in pairs:
        handle.like(key, value)
    out.print(f"liked {', '.join(values)} → run {handle.id} ({handle.name})")


COMMANDS: dict[str, Callable[[Backend, Sequence[str], str | None], None]] = {
    "note": note,
    "like": like,
}
COMPLETION = "_RUNNOTES_COMPLETE"  # click's shell-completion request: typer answers it


def version() -> int:
    """``runnotes --version`` (``-V``): the root's eager option, alone on the line."""
    from runnotes import __version__

    out.print(f"runnotes {__version__}")
    return 0


def quick_call(args: Sequence[str]) -> Callable[[], int] | None:
    """The call of ``args`` when it is a capture command with only its words, or the version
    alone (None: typer's)."""
    if COMPLETION in os.environ:
        return None
    if list(args) in (["--version"], ["-V"]):
        return version
    if len(args) < 2 or args[0] not in COMMANDS:
        return None
    words = list(args[1:])
    if any(word.startswith("-") for word in words):
        return None
    run = COMMANDS[args[0]]

    def call() -> int:
        from runnotes.backend import open_backend
        from runnotes.config import load_settings

        run(open_backend(load_settings()), words, None)
        return 0

    return call
