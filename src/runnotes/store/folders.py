"""The folders runnotes writes in: made private when it makes them, left alone when it did not.

runnotes sets a mode only on what it creates, and sets it at creation (``mkdir`` 0700,
``O_CREAT | O_EXCL`` 0600), never afterwards with ``chmod``: a mistaken ``RUNNOTES_HOME`` (a
file, ``/dev/null``, a shared folder, a home directory) must come out of a run exactly as it went
in. A path that exists and is not a folder is refused in one line before anything is written; an
existing folder that others can read is named in one warning line, with the ``chmod`` to run, the
first time runnotes writes in it (and by ``runnotes doctor``).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from runnotes.errors import RunnotesError

log = logging.getLogger(__name__)

_KINDS = (
    (stat.S_ISREG, "a file"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISFIFO, "a named pipe"),
)


def _kind(path: Path) -> str:
    """What ``path`` is, in words, for an error line (symbolic links followed)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a link to nothing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    return next((words for test, words in _KINDS if test(mode)), "not a folder")


def check_folder(path: Path, what: str = "folder") -> None:
    """Refuse ``path`` unless it is a folder or could be made one: it, or the nearest of its
    parents that exists, must be a folder (links to folders count). Touches nothing."""
    existing = path
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir():
        return
    if existing == path:
        raise RunnotesError(f"{what} {path} is {_kind(path)}, not a folder")
    raise RunnotesError(f"{what} {path} cannot be made: {existing} is {_kind(existing)}")


def private_dir(path: Path, what: str = "folder") -> Path:
    """``path`` as a folder: made (with the missing parents) readable by the user only when it
    is missing, left exactly as it is when it exists. Returns ``path``."""
    check_folder(path, what)
    missing = []
    folder = path
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        try:
            os.mkdir(made, 0o700)  # private from the start: no chmod afterwards
        except FileExistsError:  # another process made it in between
            check_folder(made, what)
        except OSError as exc:
            raise RunnotesError(f"cannot make {what} {made}: {exc.strerror or exc}") from exc
    return path


def check_file(path: Path, what: str = "file") -> None:
    """Refuse an existing ``path`` that is not a regular file (``/dev/null``, a folder)."""
    if os.path.lexists(path) and not path.is_file():
        kind = "a folder" if path.is_dir() else _kind(path)
        raise RunnotesError(f"{what} {path} is {kind}, not a file")


def private_file(path: Path, what: str = "file") -> int:
    """Open ``path`` for appending, made 0600 when it is new; returns the descriptor. An
    existing file keeps its mode; an existing path that is not a regular file is refused."""
    check_file(path, what)
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise RunnotesError(f"cannot write {path}: {exc.strerror or exc}") from exc


def open_to_others(path: Path) -> bool:
    """Whether users other than the owner may read, write or enter ``path`` (links followed)."""
    try:
        return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)
    except OSError:
        return False


def chmod_hint(paths: list[Path]) -> str:
    """The command that makes ``paths`` private; runnotes never runs it itself."""
    return "chmod go-rwx " + " ".join(str(p) for p in paths)


def warn_if_open(path: Path, what: str) -> bool:
    """Say, in one warning line, that an existing ``path`` is open to other users; change nothing.
    Returns whether it warned."""
    if not (path.is_dir() and open_to_others(path)):
        return False
    log.warning(
        "runnotes: warning: %s %s is readable by other users; runnotes leaves its mode as it is "
        "(to make it private: `%s`)",
        what,
        path,
        chmod_hint([path]),
    )
    return True
