"""The command's output as lines: split once, long and binary lines left as output (issue #31)."""

from __future__ import annotations

import random

from runnotes.capture.lines import MAX_LINE, Splitter, as_text


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
