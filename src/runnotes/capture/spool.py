"""A watched command's output on disk, as it comes: the spool a reader process tails.

``watch`` must never make the command wait, and reading lines for metrics costs CPU that a
flood of output can outrun. So the threads that drain the command's pipes only append what
they read to a file in the store folder (``spool/<token>.spool``), and a process of its own
reads that file for metrics as it grows (:mod:`runnotes.watch.reader`). The file is durable:
when the reader dies, or ``watch`` itself, another reader takes it up where the last one left
(``runnotes doctor``, the next ``watch``).

Format: frames ``<stream: int8><length: int64><bytes>``, in the order the pumps read them
(both streams in one file, so a step printed on stdout still gives its step to a progress bar
on stderr). Length -1 ends a stream; -2 says that bytes of the stream were left out (past
:data:`MAX_SPOOL` the output is passed through but no longer spooled).

Beside it: ``<token>.json`` (the run and where it lives), held locked by the writer while it
writes (a reader that finds it unlocked knows nothing more will come); ``<token>.ckpt`` (how
far the reader has stored, see :mod:`runnotes.watch.reader`); the reader holds the spool file
itself locked, so exactly one reader works on a spool at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLDER = "spool"  # in the store folder (RUNNOTES_HOME)
MAX_SPOOL = 4 << 30  # bytes spooled per command; more is passed through, not read for metrics
ENDED, GAP = -1, -2
_FRAME = struct.Struct("<bq")


def folder(home: Path) -> Path:
    """The spool folder of a store folder, made private (output may hold secrets)."""
    path = home / FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def meta_path(spool: Path) -> Path:
    return spool.with_suffix(".json")


def checkpoint_path(spool: Path) -> Path:
    return spool.with_suffix(".ckpt")


def locked(path: Path, *, wait: bool = False) -> int | None:
    """An fd holding ``path``'s exclusive lock; None when another process holds it (with
    ``wait``: once it lets go, None when it removed the file meanwhile)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    if os.fstat(fd).st_nlink == 0:  # read to its end and removed by the holder before us
        os.close(fd)
        return None
    return fd


def in_use(path: Path) -> bool:
    """Whether a process holds ``path`` locked (a spool: its reader; a meta file: its writer)."""
    fd = locked(path)
    if fd is None:
        return path.exists()
    os.close(fd)
    return False


@dataclass
class SpoolWriter:
    """The writing side, shared by the pump threads: each :meth:`put` appends one frame."""

    path: Path
    fd: int
    meta_fd: int
    written: int = 0
    skipped: int = 0  # bytes past MAX_SPOOL (or after close): passed through, not spooled
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    _gapped: set[int] = field(default_factory=set)

    @classmethod
    def create(cls, home: Path, meta: dict[str, Any]) -> SpoolWriter:
        """A new spool in ``home``'s spool folder, with ``meta`` (the run, where it lives)."""
        token = secrets.token_hex(8)
        base = folder(home) / token
        meta_file = base.with_suffix(".json")
        meta_fd = os.open(meta_file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(meta_fd, fcntl.LOCK_EX)  # held while this writer lives
        os.write(meta_fd, json.dumps(meta).encode())
        path = base.with_suffix(".spool")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        return cls(path, fd, meta_fd)

    def put(self, stream: int, chunk: bytes | None) -> None:
        """A chunk of ``stream`` (None: the stream ended). Never waits for the reader."""
        with self.lock:
            if self.closed:  # a grandchild still printing after watch stopped waiting for it
                self.skipped += len(chunk or b"")
            elif chunk is None:
                self._append(stream, ENDED, b"")
            elif self.skipped or self.written + len(chunk) > MAX_SPOOL:  # full: for good
                self.skipped += len(chunk)
                if stream not in self._gapped:
                    self._gapped.add(stream)
                    self._append(stream, GAP, b"")
            else:
                self._append(stream, len(chunk), chunk)

    def _append(self, stream: int, length: int, data: bytes) -> None:
        frame = _FRAME.pack(stream, length) + data
        os.write(self.fd, frame)  # O_APPEND: one whole frame at the end
        self.written += len(frame)

    def close(self) -> None:
        """Done writing: a reader that reaches the end knows nothing more will come."""
        with self.lock:
            self.closed = True
            for fd in (self.fd, self.meta_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)  # closing releases the writer's lock


@dataclass(frozen=True)
class Frame:
    stream: int
    data: bytes | None  # None: the stream ended
    gap: bool  # bytes of the stream were left out before this point
    end: int  # the offset after this frame


def frames(fd: int, offset: int, limit: int) -> Iterator[Frame]:
    """The whole frames from ``offset``, until the file ends (for now) or ``limit`` bytes of
    data have been given."""
    given = 0
    while given < limit:
        head = os.pread(fd, _FRAME.size, offset)
        if len(head) < _FRAME.size:
            return
        stream, length = _FRAME.unpack(head)
        size = max(length, 0)
        data = os.pread(fd, size, offset + _FRAME.size) if size else b""
        if len(data) < size:
            return  # the rest of the frame is still being written
        offset += _FRAME.size + size
        given += size
        yield Frame(stream, None if length == ENDED else data, length == GAP, offset)


def seal(fd: int, offset: int, streams: int, ended: set[int]) -> None:
    """The writer is gone without ending every stream (killed): cut a torn last frame and end
    the streams, so the reader finishes what is there."""
    ended = set(ended)
    size = os.fstat(fd).st_size
    last = offset
    for frame in frames(fd, offset, size + 1):
        last = frame.end
        if frame.data is None:
            ended.add(frame.stream)
    os.ftruncate(fd, last)
    for stream in range(streams):
        if stream not in ended:
            os.pwrite(fd, _FRAME.pack(stream, ENDED), os.fstat(fd).st_size)


@dataclass(frozen=True)
class Progress:
    """How far the reading of one spool has come (for ``runnotes doctor``)."""

    spool: Path
    run_id: int
    read: int  # bytes of the spool stored
    size: int  # bytes of the spool so far
    reading: bool  # a reader holds it
    pid: int | None  # the process id of the reader that stored its last batch


def progress(home: Path) -> list[Progress]:
    """Every spool of a store folder that is not read to its end."""
    where = home / FOLDER
    found = []
    for spool in sorted(where.glob("*.spool")) if where.is_dir() else []:
        try:
            run_id = json.loads(meta_path(spool).read_text())["run_id"]
            ckpt = checkpoint_path(spool)
            saved = json.loads(ckpt.read_text()) if ckpt.exists() else {}
            size = spool.stat().st_size
        except (OSError, ValueError, KeyError):
            continue  # read to its end meanwhile, or not a spool of ours
        reading = in_use(spool)
        found.append(
            Progress(spool, run_id, saved.get("offset", 0), size, reading, saved.get("pid"))
        )
    return found
