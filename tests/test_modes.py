"""runnotes sets modes only on what it creates (issue #30): a mistaken ``RUNNOTES_HOME``, media or
drafts folder or ``-o`` target is refused in one line before anything is touched when it is not a
folder, and left exactly as it was (mode, owner, content) when it is one; an existing folder that
others can read is named with the ``chmod`` to run, by the first write and by ``runnotes doctor``.

Every case runs as the test's own user (root in CI) and as an unprivileged one, through the real
``main()`` (see :mod:`bystanders`), with the modes and owners of every path recorded before and
after.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bystanders import (
    Area,
    Done,
    new_area,
    run_main,
    snapshot,
    unchanged,
    unprivileged,
    warm,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    warm(tmp_path_factory.mktemp("warm"))


@pytest.fixture(params=["self", "unprivileged"])
def actor(request: pytest.FixtureRequest) -> pwd.struct_passwd | None:
    """None: this process's user; else the unprivileged user the child drops to."""
    if request.param == "self":
        return None
    user = unprivileged()
    if user is None:
        pytest.skip("needs root and a `nobody` user to act as an unprivileged user")
    return user


@pytest.fixture
def area(actor: pwd.struct_passwd | None) -> Iterator[Area]:
    with new_area(actor) as made:
        yield made


def _env(area: Area, **settings: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(area.mine),
        "RUNNOTES_HOME": str(area.mine / "home"),
        "RUNNOTES_DRAFTS_AUTO": "false",
        "RUNNOTES_LISTEN_DRAFTS": "false",
        **settings,
    }


def _run(area: Area, actor: pwd.struct_passwd | None, *args: str, **settings: str) -> Done:
    return run_main(list(args), _env(area, **settings), area.mine, area, actor)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


NOT_FOLDERS = {
    "notes.txt": "is a file, not a folder",
    "link-notes": "is a file, not a folder",
    "notes.txt/sub": "cannot be made: ",
    "fifo": "is a named pipe, not a folder",
    "socket": "is a socket, not a folder",
    "link-devnull": "is a character device, not a folder",
}


def test_a_setting_that_is_not_a_folder_is_refused_untouched(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    cases = [(area.root / name, why) for name, why in NOT_FOLDERS.items()]
    cases += [(device, "is a character device, not a folder") for device in area.devices]
    for setting, what in (
        ("RUNNOTES_HOME", "store folder"),
        ("RUNNOTES_MEDIA", "media folder"),
        ("RUNNOTES_DRAFTS_DIR", "drafts folder"),
    ):
        for path, why in cases:
            before = snapshot(area)
            _run(area, actor, "note", "hi", **{setting: str(path)}).one_line_error(what, why)
            after = snapshot(area)
            assert after == before, (setting, path)  # nothing changed, nothing made


def test_an_existing_folder_keeps_its_mode_and_is_named_once(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    before = snapshot(area)
    for name in ("shared", "link-shared"):
        home = area.root / name
        first = _run(area, actor, "note", "hi", RUNNOTES_HOME=str(home))
        assert first.code == 0, first.err
        warning = f"runnotes: warning: store folder {home} is readable by other users"
        assert first.err.splitlines() == [
            f"{warning}; runnotes leaves its mode as it is (to make it private: "
            f"`chmod go-rwx {home}`)"
        ]
        again = _run(area, actor, "note", "again", RUNNOTES_HOME=str(home))
        assert again.code == 0 and again.err == "", again.err
        assert _mode(home) == 0o755
        assert _mode(home / "runnotes.db") == 0o600  # what runnotes made is private
    unchanged(before, snapshot(area))


def test_a_folder_the_user_may_not_write_is_one_line_and_untouched(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    initial = snapshot(area)
    for name in ("readonly", "others", "link-others"):
        before = snapshot(area)
        done = _run(area, actor, "note", "hi", RUNNOTES_HOME=str(area.root / name))
        if actor is None and os.geteuid() == 0:
            assert done.code == 0, done.err  # root may write anywhere: it adds, changes nothing
        else:
            done.one_line_error("Permission denied")
            assert snapshot(area) == before
    unchanged(initial, snapshot(area))
    assert _mode(area.root / "readonly") == 0o555


def test_doctor_names_an_open_home_and_changes_nothing(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    home = area.root / "shared"
    before = snapshot(area)
    assert _run(area, actor, "note", "hi", RUNNOTES_HOME=str(home)).code == 0
    done = _run(area, actor, "doctor", RUNNOTES_HOME=str(home))
    assert done.code == 0, done.err
    line = next(ln for ln in done.out.splitlines() if "permissions" in ln)
    assert "readable by other users" in line and f"`chmod -R go-rwx {home}`" in line
    unchanged(before, snapshot(area))


def _experiment(area: Area, actor: pwd.struct_passwd | None) -> None:
    for args in (["run", "start", "r", "-e", "e"], ["like", "val_acc=0.5"], ["run", "end"]):
        assert _run(area, actor, *args).code == 0


def test_report_output_to_a_folder_writes_inside_it(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    before = snapshot(area)
    _experiment(area, actor)
    shared = area.root / "shared"
    done = _run(area, actor, "report", "readme", "-e", "e", "-o", str(shared))
    assert done.code == 0, done.err
    assert done.out.startswith(f"wrote {shared / 'README.md'}")
    assert f"report folder {shared} is readable by other users" in done.err
    assert "e" in (shared / "README.md").read_text()
    made = _run(area, actor, "report", "readme", "-e", "e", "-o", str(area.mine / "new" / "r.md"))
    assert made.code == 0 and made.err == "", made.err  # a folder made just now: nothing to say
    assert _mode(area.mine / "new") == 0o700
    progress = _run(area, actor, "report", "progress", "-o", str(shared))
    assert progress.code == 0 and (shared / "progress.md").is_file(), progress.err
    unchanged(before, snapshot(area))
    assert _mode(shared) == 0o755


def test_report_output_that_cannot_be_a_report_is_refused_untouched(
    area: Area, actor: pwd.struct_passwd | None
) -> None:
    _experiment(area, actor)
    cases = [(device, "is a character device, not a file") for device in area.devices] + [
        (area.root / "link-devnull", "is a character device, not a file"),
        (area.root / "fifo", "is a named pipe, not a file"),
        (area.root / "notes.txt" / "README.md", "notes.txt is a file, not a folder"),
    ]
    if actor is not None:
        cases.append((area.root / "readonly", "permission denied"))
    for target, why in cases:
        before = snapshot(area, but=area.mine / "home")
        _run(area, actor, "report", "readme", "-e", "e", "-o", str(target)).one_line_error(why)
        assert snapshot(area, but=area.mine / "home") == before, target


def test_drafts_in_an_existing_open_folder(area: Area, actor: pwd.struct_passwd | None) -> None:
    before = snapshot(area)
    _experiment(area, actor)
    shared = area.root / "shared"
    done = _run(area, actor, "drafts", "refresh", RUNNOTES_DRAFTS_DIR=str(shared))
    assert done.code == 0, done.err
    assert f"drafts folder {shared} is readable by other users" in done.err
    readme = next(shared.rglob("README.md"))
    assert _mode(readme) == 0o600 and _mode(readme.parent) == 0o700  # made private, at creation
    unchanged(before, snapshot(area))
