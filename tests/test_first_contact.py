"""First contact, as a new user meets runnotes: --version, --help everywhere, `serve` mistakes."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes import __version__
from runnotes.cli import command
from runnotes.cli.help import walk

# What typer prints for a parameter's Python type: <str>, <bool>, <list[str]>, <path>, <int>…
TYPE_METAVAR = re.compile(
    r"<(?:str|int|float|bool|path|file|directory|datetime|uuid|list\[[^\]]*\]|\w+ range)>"
)


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    code = command().main([*path, "--help"], prog_name="runnotes", standalone_mode=False)
    assert code in (0, None)
    return capsys.readouterr().out


def test_help_of_every_command_shows_no_type_names(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [path for path, _ in walk(command())]
    assert ("runs", "list") in paths and ("import", "mlflow") in paths and len(paths) > 30
    for path in paths:
        text = _help(path, capsys)
        assert "Usage: runnotes" in text, path
        assert not TYPE_METAVAR.search(text), (path, TYPE_METAVAR.search(text))
    runs_list = _help(("runs", "list"), capsys)
    assert re.search(r"--limit\s+LIMIT", runs_list) and re.search(r"--json\s+Print", runs_list)


def test_groups_name_the_commands_they_have(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A group's line in its parent's help lists its real sub-commands (`run current`, not a
    promise of "show")."""
    for path, cmd in walk(command()):
        if path and getattr(cmd, "commands", None):
            parent = _help(path[:-1], capsys)
            line = " ".join(parent.split())  # rich wraps long lines in the panel
            for name in cmd.commands:
                assert name in line, (path, name)
    assert "(start, link, end, current)" in _help((), capsys)


def test_version(home: Path) -> None:
    assert run_cli("--version").stdout.strip() == f"runnotes {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)


def test_serve_refuses_a_bad_or_busy_port_in_one_line(home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args, message in (
            (["--port", "80000"], "--port must be between 1 and 65535, not 80000"),
            (
                ["--port", str(port)],
                f"cannot serve on 127.0.0.1:{port}: the port is already in use",
            ),
            (["--host", "no-such-host.invalid"], "cannot serve on 'no-such-host"),
        ):
            # beyond loopback a token is needed: from the environment (--token would warn)
            done = run_cli("serve", *args, check=False, timeout=60, env={"RUNNOTES_TOKEN": "t"})
            assert done.returncode == 1, done.stderr
            assert done.stderr.startswith(f"runnotes: error: {message}"), done.stderr
            assert len(done.stderr.strip().splitlines()) == 1 and not done.stdout
