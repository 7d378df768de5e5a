"""Every command's ``--help`` and a wrong invocation of each (issue #29, item 4): the help names
the defaults, a mistake is one ``runnotes: error:`` line (exit code 2 for usage), no traceback.

In-process through the real ``main()``: the same code path as the ``runnotes`` script, without
a Python start per command (the suite runs on 2 cores)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import cli_main
from runnotes.cli import command
from runnotes.cli.help import walk

COMMANDS = [path for path, _ in walk(command())]


def _one_line(code: int, err: str, expected: int) -> str:
    lines = err.strip().splitlines()
    assert code == expected and len(lines) == 1, (code, err)
    assert lines[0].startswith("runnotes: error: ") and "Traceback" not in err, err
    return lines[0]


def _shown(default: object) -> bool:
    """Defaults worth naming: not None, not an off flag, not an empty list."""
    return default not in (None, False, (), []) and not callable(default)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_names_the_defaults(
    path: tuple[str, ...],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = cli_main(monkeypatch, capsys, *path, "--help")
    assert code == 0 and "Usage: runnotes" in out and err == "", err
    text = " ".join(out.split())
    cmd = dict(walk(command()))[path]
    for param in cmd.params:
        if param.param_type_name != "option" or param.name in ("help", "version"):
            continue
        shown = param.show_default if isinstance(param.show_default, str) else param.default
        if _shown(shown) and not param.is_flag:
            assert re.search(rf"\[default: \(?{re.escape(str(shown))}", text), (path, param.name)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_a_wrong_invocation_is_one_line(
    path: tuple[str, ...],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cmd = dict(walk(command()))[path]
    code, out, err = cli_main(monkeypatch, capsys, *path, "--no-such-option")
    if cmd.context_settings.get("ignore_unknown_options"):  # `watch -- COMMAND`: the command's
        assert "cannot run '--no-such-option'" in _one_line(code, err, 1)
    else:
        line = _one_line(code, err, 2)
        assert "no such option: --no-such-option" in line
        assert f"(see `{' '.join(('runnotes', *path))} --help`)" in line
    required = [p for p in cmd.params if p.param_type_name == "argument" and p.required]
    if required:  # nothing given: the first missing argument is named
        code, out, err = cli_main(monkeypatch, capsys, *path)
        assert "missing argument" in _one_line(code, err, 2), err


def test_version_and_v(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from runnotes import __version__

    for flag in ("--version", "-V"):
        code, out, err = cli_main(monkeypatch, capsys, flag)
        assert code == 0 and out.strip() == f"runnotes {__version__}" and err == ""


def test_version_does_not_load_the_store() -> None:
    import subprocess

    script = (
        "import sys; sys.argv = ['runnotes', '--version']\n"
        "from runnotes.cli import main\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'sqlmodel', "
        "'runnotes.store'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_an_unknown_command_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli_main(monkeypatch, capsys, "nosuch")
    assert "no such command 'nosuch' (see `runnotes --help`)" in _one_line(code, err, 2)
