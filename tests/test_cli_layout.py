"""One way to add a command (issue #29): every command lives in a module of ``runnotes.cli`` that
defines ``app = typer.Typer()`` and registers on it with decorators, each top-level command sits
in a help panel, and an option several commands share is declared once (``runnotes.cli.options``).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import runnotes
from runnotes.cli import COMMANDS, command
from runnotes.cli.options import PANELS

SRC = Path(runnotes.__file__).parent
CLI = SRC / "cli"
# plumbing, no commands
HELPERS = {"__init__", "options", "shell", "help", "root", "quick", "forked"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def test_typer_is_imported_only_by_the_cli_package() -> None:
    outside = []
    for path in SRC.rglob("*.py"):
        if CLI in path.parents:
            continue
        for node in ast.walk(_tree(path)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] in ("typer", "click") for n in names):
                outside.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert outside == []


def test_every_command_module_defines_app_and_is_listed() -> None:
    modules = {p.stem for p in CLI.glob("*.py")} - HELPERS
    assert modules == set(COMMANDS)
    for name in COMMANDS:
        tree = _tree(CLI / f"{name}.py")
        apps = [
            node
            for node in tree.body
            if isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["app"]
            and ast.unparse(node.value) == "typer.Typer()"
        ]
        assert len(apps) == 1, f"runnotes/cli/{name}.py must define `app = typer.Typer()` once"


def test_commands_are_registered_with_decorators_only() -> None:
    """``app.command("x")(func)`` is the second style the layout replaced."""
    calls = []
    for path in CLI.glob("*.py"):
        tree = _tree(path)
        decorators = {id(d) for node in ast.walk(tree) for d in getattr(node, "decorator_list", [])}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("command", "callback")
                and id(node) not in decorators
            ):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


def test_every_top_level_command_sits_in_a_help_panel() -> None:
    root = command()
    panels = {name: cmd.rich_help_panel for name, cmd in root.commands.items()}
    assert set(panels.values()) == set(PANELS), panels
    order = [PANELS.index(p) for p in panels.values()]
    assert order == sorted(order)  # `runnotes --help` shows the panels in PANELS' order


def _options(tree: ast.Module) -> list[tuple[str, ...]]:
    """(flags…, help) of each ``typer.Option(...)`` with its own flag names."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "typer.Option":
            flags = tuple(a.value for a in node.args if isinstance(a, ast.Constant))
            helps = [ast.unparse(k.value) for k in node.keywords if k.arg == "help"]
            if flags and any(str(f).startswith("--") for f in flags):
                found.append((*flags, *helps))
    return found


def test_shared_options_are_declared_once() -> None:
    declared = Counter(o for path in CLI.glob("*.py") for o in _options(_tree(path)))
    assert [o for o, n in declared.items() if n > 1] == []
    aliases = Counter(
        target.id
        for path in CLI.glob("*.py")
        for node in _tree(path).body
        if isinstance(node, ast.Assign) and "typer.Option(" in ast.unparse(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    )
    assert [name for name, n in aliases.items() if n > 1] == []
