"""A command's output as lines, in time linear in its size, with a bound on what is kept.

``watch`` copies a command's output byte for byte; reading lines for metrics happens beside
that, and must never cost more than the bytes themselves: each chunk is split once (never the
unfinished line again), a line longer than :data:`MAX_LINE` is output and not a metric line (its
bytes are dropped as they come, up to the next newline), and a line that is not text (a NUL, or
more than one character in four undecodable or a control code) is output too.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from threading import Condition

MAX_LINE = 16 << 10  # 16 KiB: far above any metrics line (a Trainer eval dict is < 1 KiB)
MAX_BACKLOG = 256 << 10  # bytes waiting to be read for metrics; older ones skipped past this
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
    lines. Putting never waits: past :data:`MAX_BACKLOG` bytes the oldest chunks are skipped
    (their stream resynchronises at its next newline), so the command is never held up by the
    reading, and the newest output, where the last epoch's metrics are, is always read."""

    streams: int
    items: deque[tuple[int, bytes | None]] = field(default_factory=deque)
    size: int = 0
    skipped: int = 0  # bytes not read for metrics
    skipped_from: set[int] = field(default_factory=set)
    ready: Condition = field(default_factory=Condition)

    def put(self, stream: int, chunk: bytes | None) -> None:
        """A chunk of ``stream``; None when the stream has ended."""
        with self.ready:
            self.items.append((stream, chunk))
            self.size += len(chunk or b"")
            while self.size > MAX_BACKLOG and self.items[0][1] is not None:
                old_stream, old = self.items.popleft()
                self.size -= len(old or b"")
                self.skipped += len(old or b"")
                self.skipped_from.add(old_stream)
            self.ready.notify()

    def take(self) -> tuple[int, bytes | None, bool]:
        """The next chunk, and whether chunks of its stream were skipped before it."""
        with self.ready:
            while not self.items:
                self.ready.wait()
            stream, chunk = self.items.popleft()
            self.size -= len(chunk or b"")
            gap = stream in self.skipped_from
            self.skipped_from.discard(stream)
            return stream, chunk, gap
