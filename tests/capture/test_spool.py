"""The spool of a watched command's output and its reader: frames in order, a bound on disk, a
torn end cut, and every value stored once however the reading stops (issue #31)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import stored_values
from runnotes.backend.local import backend_of
from runnotes.capture import spool as spool_module
from runnotes.capture.spool import SpoolWriter, frames, seal
from runnotes.events import hookimpl, plugins
from runnotes.store import Store
from runnotes.store.runs import MetricValues, create_run, end_run
from runnotes.watch import reader as reader_module
from runnotes.watch.reader import SpoolReader, orphans, read_spool


def _spool(home: Path, run_id: int, chunks: list[tuple[int, bytes | None]]) -> SpoolWriter:
    writer = SpoolWriter.create(home, {"run_id": run_id, "env": {}})
    for stream, chunk in chunks:
        writer.put(stream, chunk)
    writer.close()
    return writer


def test_frames_come_back_in_order_and_a_torn_end_is_cut(home: Path) -> None:
    writer = _spool(home, 1, [(0, b"a\n"), (1, b"b"), (0, b"c\n")])
    fd = os.open(writer.path, os.O_RDWR)
    try:
        got = [(f.stream, f.data) for f in frames(fd, 0, 1 << 20)]
        assert got == [(0, b"a\n"), (1, b"b"), (0, b"c\n")]
        end = os.fstat(fd).st_size
        os.pwrite(fd, b"\x00" * 5, end)  # a frame's head, half written by a writer that was killed
        assert [f.data for f in frames(fd, 0, 1 << 20)][-1] == b"c\n"  # a torn frame waits
        seal(fd, 0, 2, set())
        tail = [(f.stream, f.data) for f in frames(fd, end, 1 << 20)]
        assert tail == [(0, None), (1, None)]  # cut, and both streams ended
    finally:
        os.close(fd)


def test_past_the_spool_bound_output_is_left_out_and_said(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool_module, "MAX_SPOOL", 100)
    writer = _spool(home, 1, [(0, b"x" * 60), (0, b"y" * 60), (0, b"z" * 10), (0, None)])
    assert writer.skipped == 70
    fd = os.open(writer.path, os.O_RDONLY)
    try:
        got = [(f.data, f.gap) for f in frames(fd, 0, 1 << 20)]
    finally:
        os.close(fd)
    assert got == [(b"x" * 60, False), (b"", True), (None, False)]  # one gap, said once


LINES = b"".join(b"step %d loss=%.4f acc=%.3f\n" % (i, 1 / (i + 1), i / 1000) for i in range(3000))


class Crash(BaseException):
    """A reader killed right after the store committed its batch."""


def test_a_reader_stopped_after_a_commit_is_taken_up_and_stores_nothing_twice(
    any_store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch is committed and the reader dies before its checkpoint moves; the next
    reader stores that stretch again under the same keys (nothing twice), then the rest.
    Lines cut across frames and streams, a header on stdout giving a step to stderr."""
    monkeypatch.setattr(reader_module, "BATCH_BYTES", 16 << 10)
    run = create_run(any_store, "spooled")
    assert run.id is not None
    chunks: list[tuple[int, bytes | None]] = [(0, b"lr = 3e-4 # learning rate\nEpoch 7/9\n")]
    chunks += [(1, LINES[i : i + 5000]) for i in range(0, len(LINES), 5000)]
    chunks += [(1, b"val_a"), (0, b"Epoch 8/9\n"), (1, b"cc=0.93\n"), (0, None), (1, None)]
    writer = _spool(home, run.id, chunks)
    backend = backend_of(any_store)
    real = backend.write_metrics
    calls: list[int] = []

    def dies_after_the_first(run_id: int, rows: list[MetricValues], *, key: str | None) -> None:
        real(run_id, rows, key=key)
        calls.append(len(rows))
        if len(calls) == 1:
            raise Crash

    monkeypatch.setattr(backend, "write_metrics", dies_after_the_first)
    with pytest.raises(Crash):
        read_spool(writer.path, backend)
    saved = json.loads(writer.path.with_suffix(".ckpt").read_text())
    assert saved["offset"] == 0 and saved["end"] > 0  # the stretch it was storing
    committed = stored_values(any_store, run.id, "loss")
    assert 2 * len(committed) == calls[0] > 0  # its loss and acc values
    assert orphans(home) == [writer.path]  # nobody reads it: the next watch or doctor takes it

    monkeypatch.setattr(backend, "write_metrics", real)
    result = read_spool(writer.path, backend)
    assert result is not None and result["params"] == {"lr": "3e-4"}
    loss = stored_values(any_store, run.id, "loss")
    assert loss == [(i, float(f"{1 / (i + 1):.4f}")) for i in range(3000)]  # each once, in order
    assert stored_values(any_store, run.id, "val_acc") == [(8, 0.93)]  # the header ended before it
    assert not list((home / "spool").iterdir())  # read to its end: nothing left on disk


def test_a_reader_takes_up_the_unfinished_line_it_was_given(store: Store, home: Path) -> None:
    """The checkpoint keeps each stream's unfinished line: a reader that starts from it reads
    the line whole."""
    run = create_run(store, "halves")
    assert run.id is not None
    writer = _spool(home, run.id, [(0, b"loss=0.2"), (0, b"5\n"), (0, None), (1, None)])
    fd = os.open(writer.path, os.O_RDWR)
    try:
        first = SpoolReader(writer.path, fd, backend_of(store))
        assert first.batch(until=17)  # the first frame only: "loss=0.2" waits for its end
        second = SpoolReader(writer.path, fd, backend_of(store))  # a new reader, from the file
        second.run()
    finally:
        os.close(fd)
    assert stored_values(store, run.id, "loss") == [(0, 0.25)]


class _Heard:
    def __init__(self) -> None:
        self.runs: list[int] = []

    @hookimpl
    def output_read(self, run_id: int) -> None:
        self.runs.append(run_id)


def test_values_stored_after_the_run_ended_are_announced_once_the_output_is_read(
    store: Store, home: Path
) -> None:
    """The drafts were refreshed at the run's end, before these values: ``output_read`` tells
    them (and the run's charts are drawn then). A run still running is not announced: its end
    will be."""
    heard = _Heard()
    plugins().register(heard)
    try:
        ended, running = create_run(store, "ended"), create_run(store, "running")
        assert ended.id is not None and running.id is not None
        end_run(store, ended.id, "ok", 0)
        for run_id in (ended.id, running.id):
            writer = _spool(home, run_id, [(0, b"loss=0.5\n"), (0, None), (1, None)])
            assert read_spool(writer.path, backend_of(store)) is not None
    finally:
        plugins().unregister(heard)
    assert heard.runs == [ended.id]
    assert stored_values(store, ended.id, "loss") == [(0, 0.5)]
