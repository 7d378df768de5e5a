"""The installed distributions, and which of them own the modules a script imports, read fast.

Every run records the packages it ran with, and "how to reproduce" lists the ones its script
imports. ``importlib.metadata`` answers both, but slowly: parsing every distribution's metadata
with the e-mail parser and every ``RECORD`` into path objects took 4 s in a 280-package
environment, paid before ``watch`` could start the training command. Here a distribution's name
and version come from the first lines of its metadata file, and a module's owner from
``top_level.txt`` or, for a distribution without one, a plain text scan of its ``RECORD`` (what
``importlib.metadata.packages_distributions`` reads too): 0.3 s. The first folder on ``sys.path``
that has a distribution wins, as for imports.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_SUFFIXES = (".dist-info", ".egg-info")
_NORMAL = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class Distribution:
    name: str  # as its metadata spells it
    version: str
    folder: Path  # its .dist-info or .egg-info folder

    def read(self, *names: str) -> str | None:
        """The first of these metadata files that exists, as text."""
        for name in names:
            try:
                return (self.folder / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return None


def _normal(name: str) -> str:
    return _NORMAL.sub("_", name).lower()


def _headers(text: str) -> dict[str, str]:
    """``Name`` and ``Version`` from a metadata file's header (it ends at the first blank line)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in found:
            found[key] = value.strip()
    return found


def _read(folder: Path) -> Distribution | None:
    for file in ("METADATA", "PKG-INFO"):
        try:
            head = _headers((folder / file).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if head.get("Name"):
            return Distribution(head["Name"], head.get("Version", ""), folder)
    return None


@functools.cache
def distributions() -> tuple[Distribution, ...]:
    """Every distribution importable from ``sys.path``, once per name (the first folder wins)."""
    seen: set[str] = set()
    found = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith(_SUFFIXES):
                continue
            dist = _read(Path(entry or ".", name))
            if dist is not None and _normal(dist.name) not in seen:
                seen.add(_normal(dist.name))
                found.append(dist)
    return tuple(found)


def installed() -> dict[str, str]:
    """Lower-cased distribution name → version, sorted by name."""
    return dict(sorted((d.name.lower(), d.version) for d in distributions()))


def _top_names(record: str) -> set[str]:
    """The top-level module names of the files a ``RECORD`` (or ``installed-files.txt``) lists."""
    names = set()
    for line in record.splitlines():
        path = line.split(",", 1)[0].strip()
        while path.startswith("../"):  # installed-files.txt is relative to the .egg-info folder
            path = path[3:]
        first, sep, _ = path.partition("/")
        if sep:
            names.add(first)
        elif first.endswith((".py", ".so", ".pyd")):
            names.add(first.split(".", 1)[0])
    return names


def _stdlib(module: str) -> bool:
    if module in sys.stdlib_module_names or module in sys.builtin_module_names:
        return True
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    return spec is None  # not importable here: no installed distribution has it


def owners(modules: set[str]) -> dict[str, set[str]]:
    """Module → names of the distributions that provide it, for the modules that are installed
    (standard-library and unknown modules are left out)."""
    wanted = {m for m in modules if not _stdlib(m)}
    found: dict[str, set[str]] = {}
    for dist in distributions() if wanted else ():
        top = dist.read("top_level.txt")
        files = "" if top else dist.read("RECORD", "installed-files.txt") or ""
        names = set(top.split()) if top else _top_names(files)
        for module in wanted & names:
            found.setdefault(module, set()).add(dist.name)
    return found
