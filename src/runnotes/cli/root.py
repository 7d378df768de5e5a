"""The typer app of ``runnotes``: the root's options, the command modules' commands, and the click
command built from them for a call (:func:`command`), with click's errors as one line each.

Loaded only by calls that need it: ``runnotes note``/``like`` with nothing but their words run
without it (:mod:`runnotes.cli.quick`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from runnotes.cli import COMMANDS, fail, sentence
from runnotes.cli.help import plain_help
from runnotes.cli.options import PANELS
from runnotes.config import load_settings


def _print_version(value: bool) -> None:
    if value:
        from runnotes.cli.quick import version

        version()
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(envvar="RUNNOTES_HOME", help="Store folder (default ~/.runnotes)."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            envvar="RUNNOTES_DB", help="Database URL (default: SQLite in the store folder)."
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            envvar="RUNNOTES_SERVER",
            help="Team server URL: runs live there, not in a local store.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    settings = load_settings(home, db)
    ctx.obj = replace(settings, server_url=server) if server else settings


# Root options that take a value: the word after them is not the command's name.
VALUED = frozenset({"--home", "--db", "--server"})


def _root_app(*modules: typer.Typer) -> typer.Typer:
    root = typer.Typer(
        callback=_root,
        help="Local-first experiment notes: like what you see, say why, get the README written.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )
    for module in modules:
        root.add_typer(module)
    return root


MODULES = {name: import_module(f"runnotes.cli.{name}").app for name in COMMANDS}
app = _root_app(*MODULES.values())


def command(args: Sequence[str] | None = None) -> Any:
    """The click command behind ``app``, with the help made readable (:mod:`runnotes.cli.help`).

    Given a call's arguments that name a command, only the module holding it is converted:
    typer builds every command's parameters from their signatures, 32 ms of CPU for all of
    them against 11 ms for `runnotes note`'s module (load 16). The root's help and a name no
    module holds get them all."""
    root: Any = typer.main.get_command(_app_for(args or ()))
    panel = {name: PANELS.index(cmd.rich_help_panel) for name, cmd in root.commands.items()}
    root.commands = {name: root.commands[name] for name in sorted(panel, key=panel.__getitem__)}
    return plain_help(root)


def run_click(args: Sequence[str]) -> Any:
    """Run the click command for ``args``; click's usage errors and aborts become one
    ``runnotes: error: …`` line, exit code 2 for a usage error (as click has it), 1 else."""
    try:
        return command(args).main(args=list(args), prog_name="runnotes", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a bare group: its help, as click prints it
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "runnotes"
        fail(f"{sentence(exc.format_message())} (see `{where} --help`)", exc.exit_code)
    except ClickException as exc:
        fail(sentence(exc.format_message()), exc.exit_code)
    except typer.Abort:
        fail("aborted", 1)


def _app_for(args: Sequence[str]) -> typer.Typer:
    """``app`` with only the command modules that hold the command ``args`` name (all of them
    when they name none: ``runnotes --help``, a typo)."""
    name = _command_name(args)
    holding = [module for module in MODULES.values() if name in _names(module)]
    return _root_app(*holding) if holding else app


def _names(module: typer.Typer) -> set[str]:
    """The command and group names a command module adds to the root."""
    commands = {
        c.name or typer.main.get_command_name(c.callback.__name__)  # type: ignore[union-attr]
        for c in module.registered_commands
    }
    return commands | {g.name for g in module.registered_groups if g.name}


def _command_name(args: Sequence[str]) -> str | None:
    """The first word of ``args`` that is not a root option or its value."""
    words = iter(args)
    for word in words:
        if word in VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None
