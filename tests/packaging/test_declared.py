"""Every package ``src/`` imports is declared: a dependency, an extra, or the standard library.

A package that is installed here only because another one pulled it in works until that other
one drops it; then a user's fresh install fails on import. The installed distribution that
provides each top-level import name (``importlib.metadata.packages_distributions``) must be
named in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import runnotes

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(runnotes.__file__).parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    """Distribution names in ``[project] dependencies`` and every extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    return {_canonical(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs}


def _fallbacks(tree: ast.Module) -> set[ast.AST]:
    """Imports in an ``except ImportError:`` handler: another name for a package already
    imported in the ``try`` (``pytorch_lightning`` for ``lightning``), never required."""
    return {
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.ExceptHandler)
        and any(
            getattr(n, "id", None) in ("ImportError", "ModuleNotFoundError")
            for n in ast.walk(node.type or ast.Pass())
        )
        for stmt in node.body
        for inner in ast.walk(stmt)
    }


def imported() -> dict[str, str]:
    """Top-level names imported anywhere in ``src/`` (lazy imports too, fallbacks not): name →
    first place."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text())
        skip = _fallbacks(tree)
        for node in ast.walk(tree):
            if node in skip:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_imported_package_is_declared() -> None:
    providers = packages_distributions()
    wanted = declared()
    missing = []
    for name, where in sorted(imported().items()):
        if name in sys.stdlib_module_names or name == "runnotes" or name == "__future__":
            continue
        dists = {_canonical(d) for d in providers.get(name, [])}
        if not dists:
            missing.append(f"{name} ({where}): not installed, so not declared either")
        elif not dists & wanted:
            missing.append(f"{name} ({where}): from {sorted(dists)}, not in pyproject.toml")
    assert missing == []
