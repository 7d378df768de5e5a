"""A command's output as lines, in time linear in its size, with a bound on what is kept.

``watch`` copies a command's output byte for byte; reading lines for metrics happens beside
that, and must never cost more than the bytes themselves: each chunk is split once (never the
unfinished line again), a line longer than :data:`MAX_LINE` is output and not a metric line (its
bytes are dropped as they come, up to the next newline), and a line that is not text (a NUL, or
more than one character in four undecodable or a control code) is output too.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
from collections import deque
from dataclasses import dataclass, field
from threading import Condition
from typing import BinaryIO

MAX_LINE = 16 << 10  # 16 KiB: far above any metrics line (a Trainer eval dict is < 1 KiB)
MAX_BACKLOG = 4 << 20  # bytes waiting in memory to be read for metrics; more wait on disk
SLICE = 64 << 10  # what the reader takes at a time
MAX_SPILL = 256 << 20  # bytes waiting on disk; past this the oldest are not read for metrics
_FRAME = struct.Struct("<bq")  # a chunk on disk: its stream, its length (-1: the stream ended)
_NEWLINE = re.compile(rb"[\r\n]")
_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]")
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\ufffd]")


def as_text(line: bytes) -> str | None:
    """The line as text, or None when it is binary output."""
    if b"\x00" in line:
        return None
    if line.isascii() and not _CONTROL.search(line):
        return line.decode("ascii")
    text = line.decode("utf-8", errors="replace")
    return None if len(_NOT_TEXT.findall(text)) * 4 > len(text) else text


@dataclass
class Splitter:
    """One stream's chunks as complete lines; the unfinished line is kept, never re-split."""

    pending: bytearray = field(default_factory=bytearray)
    overlong: bool = False  # the current line passed MAX_LINE: drop it up to its end

    def feed(self, chunk: bytes) -> list[bytes]:
        parts = _NEWLINE.split(chunk)
        lines = []
        for part in parts[:-1]:
            line = self._take(part)
            if line is not None:
                lines.append(line)
            self.overlong = False
        self._add(parts[-1])
        return lines

    def finish(self) -> list[bytes]:
        """The last line, when the output did not end with a newline."""
        line = self._take(b"")
        self.overlong = False
        return [line] if line is not None else []

    def skip(self) -> None:
        """Chunks were skipped: the unfinished line is no line any more."""
        self.pending.clear()
        self.overlong = True

    def _add(self, part: bytes) -> None:
        if self.overlong:
            return
        if len(self.pending) + len(part) > MAX_LINE:
            self.pending.clear()
            self.overlong = True
        else:
            self.pending += part

    def _take(self, part: bytes) -> bytes | None:
        self._add(part)
        line = None if self.overlong or not self.pending.strip() else bytes(self.pending)
        self.pending.clear()
        return line


@dataclass
class Backlog:
    """Chunks handed from the threads that drain the command's pipes to the one that reads
    lines, in the order they came. Putting never waits for the reader: up to
    :data:`MAX_BACKLOG` bytes wait in memory, more in an unnamed temporary file (appended to,
    read back in order, emptied whenever the reader catches up), so every byte is read for
    metrics however far the reader falls behind, and the memory stays bounded. Only past
    :data:`MAX_SPILL` unread bytes on disk are the oldest skipped (counted in ``skipped``; the
    stream resynchronises at its next newline), and after :meth:`close` (the reading was
    stopped) nothing more is read: what was left is counted in ``skipped`` too."""

    streams: int
    items: deque[tuple[int, bytes | None]] = field(default_factory=deque)
    size: int = 0  # bytes waiting in memory
    spilled: int = 0  # bytes waiting in the file (frame headers included)
    skipped: int = 0  # bytes not read for metrics
    skipped_from: set[int] = field(default_factory=set)
    closed: bool = False
    ready: Condition = field(default_factory=Condition)
    _file: BinaryIO | None = None
    _rest: tuple[int, bytes, int] | None = None  # the chunk being taken, and where its rest starts
    _read_at: int = 0
    _write_at: int = 0

    @property
    def waiting(self) -> int:
        """Bytes put and not yet taken."""
        with self.ready:
            return self.size + self.spilled + self._rest_size()

    def _rest_size(self) -> int:
        return len(self._rest[1]) - self._rest[2] if self._rest else 0

    def put(self, stream: int, chunk: bytes | None) -> None:
        """A chunk of ``stream``; None when the stream has ended."""
        with self.ready:
            if self.closed:
                self.skipped += len(chunk or b"")
            elif self.spilled or self.size + len(chunk or b"") > MAX_BACKLOG:
                self._spill(stream, chunk)
            else:
                self.items.append((stream, chunk))
                self.size += len(chunk or b"")
            self.ready.notify()

    def take(self) -> tuple[int, bytes | None, bool] | None:
        """The next piece of output (at most :data:`SLICE` bytes: a pump waits for the
        interpreter lock while the reader splits it), and whether chunks of its stream were
        skipped before it; None once the backlog is closed."""
        with self.ready:
            while not (self.items or self.spilled or self._rest or self.closed):
                self.ready.wait()
            if self.closed:
                return None
            if self._rest:
                stream, data, start = self._rest
                return stream, self._slice(stream, data, start), False
            if self.items:
                stream, chunk = self.items.popleft()
                self.size -= len(chunk or b"")
            else:
                stream, chunk = self._unspill()
            gap = stream in self.skipped_from
            self.skipped_from.discard(stream)
            return stream, None if chunk is None else self._slice(stream, chunk, 0), gap

    def _slice(self, stream: int, data: bytes, start: int) -> bytes:
        end = start + SLICE
        self._rest = (stream, data, end) if end < len(data) else None
        return data[start:end]

    def close(self) -> None:
        """Stop the reading: what waits is not read (counted in ``skipped``)."""
        with self.ready:
            self.closed = True
            self.skipped += self.size + self.spilled + self._rest_size()
            self._rest = None
            self.items.clear()
            self.size = self.spilled = 0
            if self._file is not None:
                self._file.close()
                self._file = None
            self.ready.notify_all()

    def unread(self, size: int) -> None:
        """Bytes the reader had taken and did not read (it was stopped)."""
        with self.ready:
            self.skipped += size

    def _spill(self, stream: int, chunk: bytes | None) -> None:
        if self._file is None:
            # Unnamed, closed by close(): nothing is left on disk, whatever ends watch.
            self._file = tempfile.TemporaryFile(prefix="runnotes-watch-")  # noqa: SIM115
        data = chunk or b""
        frame = _FRAME.pack(stream, -1 if chunk is None else len(data)) + data
        os.pwrite(self._file.fileno(), frame, self._write_at)
        self._write_at += len(frame)
        self.spilled += len(frame)
        while self.spilled > MAX_SPILL and self._skip_one():
            pass

    def _frame(self) -> tuple[int, int]:
        assert self._file is not None
        head = os.pread(self._file.fileno(), _FRAME.size, self._read_at)
        stream, length = _FRAME.unpack(head)
        return stream, length

    def _skip_one(self) -> bool:
        """Skips the oldest chunk on disk (not a stream's end); False when there is none."""
        stream, length = self._frame()
        if length < 0:
            return False
        self._advance(_FRAME.size + length)
        self.skipped += length
        self.skipped_from.add(stream)
        return True

    def _unspill(self) -> tuple[int, bytes | None]:
        assert self._file is not None
        stream, length = self._frame()
        data = os.pread(self._file.fileno(), max(length, 0), self._read_at + _FRAME.size)
        self._advance(_FRAME.size + max(length, 0))
        return stream, None if length < 0 else data

    def _advance(self, size: int) -> None:
        self._read_at += size
        self.spilled -= size
        if not self.spilled:  # caught up: the file starts again from empty
            assert self._file is not None
            self._file.truncate(0)
            self._read_at = self._write_at = 0
