"""A command's output as lines, in time linear in its size, with a bound on what is kept.

``watch`` copies a command's output byte for byte; reading lines for metrics happens beside
that, and must never cost more than the bytes themselves: each chunk is split once (never the
unfinished line again), a line longer than :data:`MAX_LINE` is output and not a metric line (its
bytes are dropped as they come, up to the next newline), and a line that is not text (a NUL, or
more than one character in four undecodable or a control code) is output too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_LINE = 16 << 10  # 16 KiB: far above any metrics line (a Trainer eval dict is < 1 KiB)
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
