"""The command's output as lines: split once, long and binary lines left as output, the backlog
bounded without ever making the command wait (issue #31)."""

from __future__ import annotations

import random

import pytest

from runnotes.capture import lines
from runnotes.capture.lines import MAX_BACKLOG, MAX_LINE, SLICE, Backlog, Splitter, as_text


def test_lines_across_chunks_and_both_line_ends() -> None:
    splitter = Splitter()
    assert splitter.feed(b"epoch 1 lo") == []
    assert splitter.feed(b"ss=0.5\r45%|##  |\r\n\nval_acc=0.9") == [
        b"epoch 1 loss=0.5",
        b"45%|##  |",
    ]
    assert splitter.finish() == [b"val_acc=0.9"]


def test_a_line_over_the_limit_is_dropped_up_to_its_end() -> None:
    splitter = Splitter()
    chunk = b"x=1 " * (MAX_LINE // 4)
    for _ in range(64):  # 1 MiB with no newline: kept nowhere, never re-split
        assert splitter.feed(chunk) == []
        assert len(splitter.pending) <= MAX_LINE
    assert splitter.feed(b"tail\nloss=0.5\n") == [b"loss=0.5"]


def test_binary_is_not_text_but_a_stray_byte_is() -> None:
    noise = random.Random(0).randbytes(4096)
    lines = Splitter().feed(noise + b"\n")
    assert all(as_text(line) is None for line in lines if len(line) > 8)
    assert as_text(b"\xff\xfe loss=0.5") == "\ufffd\ufffd loss=0.5"
    assert as_text(b"a\x00b") is None


def _drain(backlog: Backlog) -> list[tuple[int, bytes | None, bool]]:
    taken = []
    while (item := backlog.take()) is not None:
        taken.append(item)
        if item[1] is None:
            return taken
    return taken


def test_the_backlog_never_waits_and_loses_nothing_past_its_memory() -> None:
    """Put while nobody reads: past MAX_BACKLOG the chunks wait on disk, in order, and every
    one is read back; the memory held stays under the bound."""
    backlog = Backlog(streams=2)
    chunks = [(i % 2, b"step %d loss=0.5\n" % i * 4096) for i in range(300)]  # > 16 MiB
    for stream, chunk in chunks:
        backlog.put(stream, chunk)
        assert backlog.size <= MAX_BACKLOG
    backlog.put(0, None)
    assert backlog.spilled > 0 and backlog.skipped == 0
    taken = _drain(backlog)
    assert all(len(c or b"") <= SLICE for _, c, _ in taken)  # taken a slice at a time
    merged: list[tuple[int, bytes | None]] = []
    for stream, piece, _ in taken:  # the streams alternate: a chunk's slices follow each other
        if merged and merged[-1][0] == stream and piece is not None:
            merged[-1] = (stream, (merged[-1][1] or b"") + piece)
        else:
            merged.append((stream, piece))
    assert merged == [*chunks, (0, None)]
    assert not any(gap for _, _, gap in taken)
    assert backlog.waiting == 0
    backlog.put(1, b"val_acc=0.93\n")  # caught up: memory again, the file emptied
    assert backlog.spilled == 0 and backlog.take() == (1, b"val_acc=0.93\n", False)


def test_past_the_disk_bound_the_oldest_are_skipped_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lines, "MAX_BACKLOG", 1 << 10)
    monkeypatch.setattr(lines, "MAX_SPILL", 64 << 10)
    backlog = Backlog(streams=1)
    chunk = b"step 1 loss=0.5\n" * 1024  # 16 KiB
    for _ in range(16):
        backlog.put(0, chunk)
    backlog.put(0, b"val_acc=0.93\n")
    backlog.put(0, None)
    assert backlog.spilled <= (64 << 10) + 64 and backlog.skipped >= 12 * len(chunk)
    taken = _drain(backlog)
    assert taken[0][2] is True  # the reader learns of the gap (it resynchronises)
    assert taken[-2][1] == b"val_acc=0.93\n"  # the newest output is read
    assert backlog.skipped + sum(len(c or b"") for _, c, _ in taken) == 16 * len(chunk) + 13


def test_a_closed_backlog_counts_what_it_held_as_not_read() -> None:
    backlog = Backlog(streams=1)
    backlog.put(0, b"loss=0.5\n")
    backlog.close()
    backlog.put(0, b"acc=0.7\n")
    assert backlog.take() is None
    assert backlog.skipped == len(b"loss=0.5\n") + len(b"acc=0.7\n")
