"""``runnotes note``, ``like`` and ``watch``: the calls that run them without typer.

A script that notes or likes in a loop pays each call's start-up. Typer builds a pydantic
validator for every parameter it parses (importing pydantic: ~0.14 s of CPU with typer itself,
against ~0.15 s for everything else of a note on a current SQLite store), so a call that is
nothing but ``note WORDS…`` or ``like NAME=VALUE…`` — no option, no root option, no completion
request — runs here, through the same functions the typer commands call (``runnotes note`` in
:mod:`runnotes.cli.runs` calls :func:`note`), and so does ``runnotes --version`` alone, and
``runnotes watch`` with its plain options and ``--`` (its command must not wait for typer:
:func:`watch`). Any other call (``--run``, ``--help``, ``--selection``, ``--home``, a word
starting with ``-``) goes through typer as every command does. The settings come from the same
place either way (:func:`runnotes.config.load_settings` reads ``RUNNOTES_HOME``,
``RUNNOTES_DB`` and ``RUNNOTES_SERVER``, as the root's options do).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from runnotes.cli.shell import run_handle, target_of
from runnotes.console import err, out
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
# `watch`'s options that take a value, by the keyword of runnotes.watch.watch they fill (--tag
# repeats), and its flag; any other option, or no `--` before the command, goes through typer.
WATCH_OPTIONS = {
    "--name": "name",
    "--experiment": "experiment",
    "-e": "experiment",
    "--project": "project",
    "-p": "project",
    "--tag": "tags",
    "-t": "tags",
}
WATCH_FLAGS = {"--new-run": "new_run"}


def watch_options(args: Sequence[str]) -> tuple[dict[str, Any], list[str]] | None:
    """``watch [--name N] [--new-run] [-e E] [-p P] [-t T]… -- COMMAND…`` as the keywords of
    :func:`runnotes.watch.watch` and the command (None: typer's, e.g. ``--help``, ``--data``)."""
    if "--" not in args:
        return None
    split = list(args).index("--")
    words, command = list(args[:split]), list(args[split + 1 :])
    options: dict[str, Any] = {"tags": ()}
    while words and command:
        word = words.pop(0)
        key, eq, value = word.partition("=")
        if word in WATCH_FLAGS:
            options[WATCH_FLAGS[word]] = True
        elif key in WATCH_OPTIONS and (eq or words):
            value = value if eq else words.pop(0)
            field = WATCH_OPTIONS[key]
            options[field] = (*options["tags"], value) if field == "tags" else value
        else:
            return None
    return (options, command) if command else None


def watch(args: Sequence[str]) -> Callable[[], int] | None:
    """``runnotes watch`` with its plain options: the command starts without typer's and
    pydantic's imports, and the output's reader is forked from this process first
    (:mod:`runnotes.cli.forked`), not started as a second Python."""
    parsed = watch_options(args)
    if parsed is None:
        return None
    options, command = parsed

    def call() -> int:
        from runnotes.cli.forked import forked

        with forked() as reader:  # first: before the database driver is loaded
            from runnotes.backend import open_backend
            from runnotes.config import load_settings
            from runnotes.watch import watch as run_watch

            backend = open_backend(load_settings())
            result = run_watch(command, backend=backend, reader=reader, **options)
        err.print(result.summary(), markup=False)
        return result.exit_code

    return call


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
    if args[:1] == ["watch"]:
        return watch(args[1:])
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
