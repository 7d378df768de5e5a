"""Paths runnotes must leave alone (issue #30), and a way to run the real CLI as another user.

``make_area`` lays out what a mistaken setting can point at: a file, a shared folder, a
read-only one, another user's, links to them, a named pipe, a socket, a device. ``snapshot``
records each path's mode, owner and content; a case passes when every path of the area is as it
was (a refused command: nothing new either), whatever runnotes was asked to do.

``run_main`` runs ``runnotes.cli.main`` in a forked child, optionally after dropping to an
unprivileged user: the real error formatting and exit codes, and the kernel's real permission
checks for that user. (A subprocess cannot be used for the user: the interpreter lives under
``/root`` here, which such a user may not enter; the child inherits it already loaded.) In the
child, ``os.chmod`` and the ``chown`` calls refuse any path that existed before the case, so even a
regression cannot change ``/dev/null`` or a system path: it fails the case instead.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SYSTEM = (Path("/dev/null"), Path("/tmp"), Path("/"))
UNPRIVILEGED = "nobody"


def unprivileged() -> pwd.struct_passwd | None:
    """The unprivileged user the tests act as (when this process may become it)."""
    try:
        user = pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        return None
    return user if os.geteuid() == 0 else None


@dataclass
class Area:
    root: Path  # laid out by make_area; everything in it predates the case
    mine: Path  # a folder the acting user owns and may write in: new stores go here
    devices: list[Path]  # character devices: /dev/null, and its twin in the area when allowed


def make_area(root: Path, uid: int, gid: int, other: int) -> Area:
    """The bystanders, owned by ``uid`` (the acting user) except ``others/`` (``other``)."""
    root.mkdir(mode=0o755)
    (root / "notes.txt").write_text("my notes\n")
    (root / "shared").mkdir(mode=0o755)
    (root / "shared" / "keep.txt").write_text("kept\n")
    (root / "shared-too").mkdir(mode=0o755)  # the one link-shared points at
    (root / "readonly").mkdir()
    (root / "readonly" / "keep.txt").write_text("kept\n")
    (root / "others").mkdir(mode=0o755)
    (root / "others" / "keep.txt").write_text("theirs\n")
    (root / "mine").mkdir(mode=0o700)
    os.mkfifo(root / "fifo", 0o644)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "socket"))
    devices = [Path("/dev/null")]
    try:  # a twin of /dev/null (same device numbers, its own inode and mode)
        os.mknod(root / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        devices.append(root / "null")
    except OSError:
        pass
    for name, target in (
        ("link-notes", "notes.txt"),
        ("link-shared", "shared-too"),
        ("link-others", "others"),
        ("link-devnull", "/dev/null"),
    ):
        (root / name).symlink_to(target)
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, gid, follow_symlinks=False)
    for path in (root / "others", root / "others" / "keep.txt"):
        os.chown(path, other, other)
    os.chmod(root / "readonly" / "keep.txt", 0o444)
    os.chmod(root / "readonly", 0o555)
    return Area(root, root / "mine", devices)


@contextmanager
def new_area(actor: pwd.struct_passwd | None) -> Iterator[Area]:
    """An area for ``actor`` (None: this process's user) in a folder of /tmp that user can reach
    (pytest's tmp_path is inside a 0700 folder of root's); removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="runnotes-modes-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)  # made by this test just now
        uid, gid = (actor.pw_uid, actor.pw_gid) if actor else (os.getuid(), os.getgid())
        nobody = unprivileged()
        other = (0 if actor else nobody.pw_uid) if nobody else uid  # another user's folder
        area = make_area(base / "area", uid, gid, other)
        yield area
    finally:
        for path in (base / "area" / "readonly", base / "area" / "readonly" / "keep.txt"):
            if path.exists():
                os.chmod(path, 0o755)  # made by the test, in the test's folder
        shutil.rmtree(base)


def _record(path: Path) -> tuple[object, ...]:
    st = path.lstat()
    kind = stat.S_IFMT(st.st_mode)
    if stat.S_ISREG(st.st_mode):
        extra: object = hashlib.sha256(path.read_bytes()).hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        extra = os.readlink(path)
    else:
        extra = st.st_rdev
    return (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, extra)


def snapshot(area: Area, but: Path | None = None) -> dict[str, tuple[object, ...]]:
    """Mode, owner and content of every path in the area (but the folder ``but``: a store
    runnotes made, whose files change as it is read) and of the system paths it names."""
    paths = [area.root, *area.root.rglob("*"), *SYSTEM]
    if but is not None:
        paths = [p for p in paths if p != but and but not in p.parents]
    return {str(p): _record(p) for p in paths}


def unchanged(
    before: dict[str, tuple[object, ...]],
    after: dict[str, tuple[object, ...]],
    rewritten: frozenset[str] = frozenset(),
) -> None:
    """Every path that was there is as it was (new paths are the ones runnotes made); the files
    in ``rewritten`` (a report's ``-o`` target) may have new content, nothing else."""

    def same(path: str, was: tuple[object, ...]) -> bool:
        now = after.get(path)
        return now == was or (path in rewritten and now is not None and now[:4] == was[:4])

    changed = {p: (was, after.get(p)) for p, was in before.items() if not same(p, was)}
    assert changed == {}, changed


@dataclass
class Done:
    code: int
    out: str
    err: str

    def one_line_error(self, *words: str, code: int = 1) -> None:
        assert self.code == code, (self.code, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("runnotes: error: "), self.err
        assert "Traceback" not in self.err and all(w in lines[0] for w in words), (words, lines)


def _guard(root: Path, existing: set[str]) -> None:
    """In the child: chmod/chown of a path runnotes did not make in this case (anything outside
    the area, anything that was in it) raises instead of acting."""

    def refuse(name: str, real):  # type: ignore[no-untyped-def]
        def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            real_path = None if isinstance(path, int) else os.path.realpath(path)
            if real_path is None or real_path in existing or not real_path.startswith(f"{root}/"):
                raise AssertionError(f"runnotes called os.{name}({path!r})")
            return real(path, *args, **kwargs)

        return call

    for name in ("chmod", "chown", "lchown", "fchmod", "fchown"):
        if hasattr(os, name):
            setattr(os, name, refuse(name, getattr(os, name)))


def warm(scratch: Path) -> None:
    """Load what the commands import lazily, in this (the parent) process: an unprivileged child
    cannot read the interpreter's own library folder on this machine (it is under /root)."""
    from typer.testing import CliRunner

    from runnotes.cli import app

    env = {
        "RUNNOTES_HOME": str(scratch / "home"),
        "RUNNOTES_DRAFTS_AUTO": "false",
        "RUNNOTES_LISTEN_DRAFTS": "false",
    }
    runner = CliRunner()
    for args in (
        ["run", "start", "r", "-e", "e"],
        ["like", "val_acc=0.5"],
        ["run", "end"],
        ["runs", "list"],
        ["doctor"],
        ["drafts", "refresh"],
        ["report", "readme", "-e", "e", "-o", str(scratch / "out")],
        ["report", "progress", "-o", str(scratch / "p.md")],
    ):
        runner.invoke(app, args, env=env, catch_exceptions=True)


def run_main(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    area: Area,
    user: pwd.struct_passwd | None = None,
) -> Done:
    """``runnotes ARGS`` through the real ``main()`` in a forked child (as ``user`` if given)."""
    from runnotes.cli import main

    root = os.path.realpath(area.root)
    existing = {os.path.realpath(p) for p in [area.root, *area.root.rglob("*")]}
    outputs = cwd / f".out-{os.getpid()}", cwd / f".err-{os.getpid()}"
    fds = [os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600) for p in outputs]
    for p in outputs:
        p.unlink()  # the open descriptors stay: the child writes, the parent reads them back
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 98
        try:
            os.dup2(fds[0], 1)
            os.dup2(fds[1], 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            _guard(Path(root), existing)
            if user is not None:
                os.setgroups([])
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
            engine = os.environ.get("RUNNOTES_LISTEN_ENGINE")  # the suite's choice (conftest)
            os.environ.clear()
            os.environ.update({"RUNNOTES_LISTEN_ENGINE": engine} if engine else {}, **env)
            os.chdir(cwd)
            sys.argv = ["runnotes", *args]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported to the parent as output
            traceback.print_exc()
            code = 99
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    texts = []
    for fd in fds:
        os.lseek(fd, 0, os.SEEK_SET)
        with os.fdopen(fd, "rb") as handle:
            texts.append(handle.read().decode("utf-8", "replace"))
    return Done(os.waitstatus_to_exitcode(status), texts[0], texts[1])
