"""How ``--help`` reads, fixed once for every command instead of in each command's options.

Typer shows each value's Python type as its metavar (``--tag <list[str]>``, ``--json <bool>``),
which tells a user nothing they can type. Here flags show no metavar, options show their name
in capitals as argparse does (``--tag TAG``, ``--limit LIMIT``), arguments no type at all, and
each command group's help ends with the commands it really has (``run`` → start, end, current),
so a group's description can never promise a command that is named otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Commands and parameters are click's (typer ≥ 0.20 vendors its own copy of click, so they are
# told apart by click's own ``param_type_name`` and ``commands`` rather than by class).


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (itself included) with the words that call it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


def _no_type(ctx: Any) -> None:
    return None


def _plain_option(param: Any) -> None:
    if param.metavar is None:
        flag = param.is_flag or param.count
        param.metavar = "" if flag else (param.name or "value").upper()


def _plain_help_option(command: Any) -> None:
    """``--help`` is made by click on each call, not kept in ``params``."""
    make = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            _plain_option(option)
        return option

    command.get_help_option = get_help_option


def plain_help(root: Any) -> Any:
    """Rewrite metavars and group helps under ``root`` in place; returns ``root``."""
    for path, command in walk(root):
        _plain_help_option(command)
        for param in command.params:
            if param.param_type_name == "option":
                _plain_option(param)
            elif param.param_type_name == "argument":
                param.display_type_rich = _no_type
        if path and getattr(command, "commands", None):
            names = ", ".join(command.commands)
            text = (command.help or "").strip()
            if names not in text:
                command.help = f"{text.rstrip('.')} ({names})." if text else f"Commands: {names}."
                command.short_help = None
    return root
