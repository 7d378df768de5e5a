"""The package's layers import downward only, and its parts import each other in no cycle.

The order (README, "Architecture"): the foundation (errors, settings, formatting, events) → the
store (tables, migrations, queries) → the library services over it → the capture, voice, reports
and interop parts → the shells people use: the SDK (and what is built on it: ``watch``, the
framework integrations, the wandb-style calls, Jupyter), the agent, the web app, and the CLI on
top. Imports inside functions count too (a lazy import is still a dependency); those under
``if TYPE_CHECKING:`` do not (they only name types).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import runnotes

SRC = Path(runnotes.__file__).parent

FOUNDATION = {
    "errors",
    "config",
    "formatting",
    "console",
    "events",
    "pidfile",
    "jsonsafe",
    "values",
}
PARTS = {"capture", "voice", "reports", "interop"}
SDK_BASED = {"watch", "integrations", "wandb_style", "samples"}
TOOLS = {"doctor"}  # checks over every part, for the CLI
# Rank of each layer; a module may import its own layer or any lower one (parts: see below).
# The backend (where runs live: local store or team server) sits on the parts, below every shell.
RANK = {"foundation": 0, "store": 1, "services": 2, "part": 3, "backend": 3.5, "sdk": 4}
RANK |= {"agent": 5, "web": 5}
RANK |= {"sdk-based": 5, "tools": 5, "cli": 6, "package": 6}


def layer(module: str) -> tuple[str, str]:
    """(layer, part) of a dotted module name inside runnotes."""
    bits = module.split(".")[1:]
    if not bits or bits == ["__init__"]:
        return "package", "runnotes"
    head, last = bits[0], bits[-1]
    if head in {"cli", "__main__"}:
        return "cli", "cli"
    if head == "interop" and last == "jupyter":  # the notebook magics: a shell over the SDK
        return "sdk-based", "jupyter"
    if head in FOUNDATION:
        return "foundation", head
    if head in PARTS:
        return "part", head
    if head in SDK_BASED:
        return "sdk-based", head
    if head in TOOLS:
        return "tools", head
    if head in RANK:
        return head, head
    raise AssertionError(f"runnotes.{'.'.join(bits)} belongs to no layer: add it to the test")


def typing_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under ``if TYPE_CHECKING:``: names for type hints, no dependency at run time."""
    return {
        inner
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for stmt in node.body
        for inner in ast.walk(stmt)
    }


def _is_module(name: str) -> bool:
    return (SRC / f"{name}.py").exists() or (SRC / name / "__init__.py").exists()


@functools.cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the package, parsed once for all the tests here (~2 s a parse)."""
    return tuple((path, ast.parse(path.read_text())) for path in sorted(SRC.rglob("*.py")))


def imports() -> list[tuple[str, str, str]]:
    """(importer, imported, where) for every runnotes import in the package."""
    found = []
    for path, tree in _parsed():
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        skip = typing_only(tree)
        for node in ast.walk(tree):
            if node in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                # `from runnotes import events` imports the module runnotes.events
                targets = [
                    f"{base}.{a.name}" if base == "runnotes" and _is_module(a.name) else base
                    for a in node.names
                ]
            for target in targets:
                if target.startswith("runnotes.") and target != module:
                    found.append((module, target, f"{rel}.py:{node.lineno}"))
    return found


def test_imports_go_downward_only() -> None:
    upward = []
    for importer, imported, where in imports():
        (low, _), (high, high_part) = layer(importer), layer(imported)
        if RANK[high] > RANK[low]:
            upward.append(f"{where}: {importer} ({low}) imports {imported} ({high})")
        if low == "web" and high_part == "sdk":
            upward.append(f"{where}: the web app builds on the SDK ({imported})")
    assert upward == []


def test_no_cycles_between_parts() -> None:
    edges: dict[str, set[str]] = {}
    for importer, imported, _ in imports():
        a, b = layer(importer)[1], layer(imported)[1]
        if a != b:
            edges.setdefault(a, set()).add(b)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(f"{a} ↔ {b}" for a in edges for b in edges[a] if reaches(b, a, {b}))
    assert cycles == []


# -- SQL only in the store --------------------------------------------------------------------
# Outside ``store/``, SQLAlchemy and SQLModel give only the session's type and the database's
# exception classes; statements are built and run by the store's public functions
# (``runnotes.store.PUBLIC``, listed in docs/architecture.md).
SQL_NAMES_ALLOWED = {"sqlmodel": {"Session"}, "sqlalchemy": {"Connection"}}
SQL_CALLS = {"exec", "execute", "exec_driver_sql", "query", "scalars", "scalar"}
# Reads another tool's database (MLflow's tables), not the store: its SQL is that schema's.
FOREIGN_SQL = {"runnotes.interop.mlflow_sql"}


def _modules_outside_store() -> list[tuple[str, str, ast.Module]]:
    found = []
    for path, tree in _parsed():
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        if module == "runnotes.store" or module.startswith("runnotes.store."):
            continue
        found.append((module, f"{rel}.py", tree))
    return found


def test_no_sql_outside_the_store() -> None:
    written = []
    for module, where, tree in _modules_outside_store():
        if module in FOREIGN_SQL:
            continue
        skip = typing_only(tree)
        for node in ast.walk(tree):
            if node in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                top, _, rest = node.module.partition(".")
                if top in SQL_NAMES_ALLOWED and rest != "exc":
                    names = {a.name for a in node.names} - SQL_NAMES_ALLOWED[top]
                    if names:
                        written.append(f"{where}:{node.lineno}: imports {node.module} {names}")
            elif isinstance(node, ast.Import):
                names = {a.name for a in node.names if a.name.split(".")[0] in SQL_NAMES_ALLOWED}
                if names:
                    written.append(f"{where}:{node.lineno}: imports {names}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
            ):
                written.append(f"{where}:{node.lineno}: .{node.func.attr}(…)")
    assert written == []


def test_outside_code_imports_only_the_stores_public_functions() -> None:
    from runnotes.store import PUBLIC

    private = []
    for module, where, tree in _modules_outside_store():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "runnotes.store"
            ):
                continue
            sub = (node.module or "").removeprefix("runnotes.store").lstrip(".")
            names = [a.name for a in node.names]
            if sub == "":
                bad = [n for n in names if n not in PUBLIC and n not in _store_package_names()]
            elif sub.split(".")[0] not in PUBLIC:
                bad = [f"runnotes.store.{sub}"]
            else:
                bad = [n for n in names if n.startswith("_")]
            if bad:
                private.append(f"{where}:{node.lineno}: {module} imports {bad}")
    assert private == []


def _store_package_names() -> set[str]:
    import runnotes.store

    return set(runnotes.store.__all__)
