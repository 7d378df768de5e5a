"""The SDK's metric buffer never drops a value it accepted (issue 16, item 1).

A failed write keeps the rows and retries them, ``flush()``/``end()`` raise the failure, and a
value the store could never hold (a step beyond 64 bits) is refused where it is logged, so it
cannot poison the batch it would have travelled in.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

import runnotes
from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.store import Capture, Store, open_store
from runnotes.store.models import Run, SeriesPoint
from runnotes.store.queries import run_detail

LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")   # the write lock, held until stdin closes
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@pytest.fixture
def quick_store(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store whose writers give up on a locked database after 0.3 s instead of 60 s."""
    monkeypatch.setenv("RUNNOTES_STORE_BUSY_TIMEOUT", "0.3")
    opened = open_store(load_settings())
    yield opened
    opened.close()


class Locker:
    """Another process holding the SQLite write lock until :meth:`release`."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.communicate("", timeout=30)


@pytest.fixture
def lock(home: Path) -> Iterator:  # type: ignore[type-arg]
    """``lock()`` takes the write lock from another process; released at the end at the latest."""
    holders: list[Locker] = []

    def take() -> Locker:
        holders.append(Locker(home / "runnotes.db"))
        return holders[-1]

    yield take
    for holder in holders:
        holder.release()


def _metrics(store: Store, run_id: int) -> list[Capture]:
    """The run's metric values, logged points included (they live in their own table)."""
    captures = run_detail(store, run_id).captures
    return sorted((c for c in captures if c.kind == "metric"), key=lambda c: c.step or 0)


def _status(store: Store, run_id: int) -> str:
    with store.read() as session:
        return session.get(Run, run_id).status  # type: ignore[union-attr]


def test_flush_raises_while_locked_and_keeps_every_value(quick_store: Store, lock) -> None:  # type: ignore[no-untyped-def]
    run = runnotes.start_run("locked-out", store=quick_store)
    holder = lock()
    for step in range(200):
        run.log_metric("loss", 1 / (step + 1), step=step)
    with pytest.raises(RunnotesError, match="200 metric values of run .* not stored yet"):
        run.flush()
    for step in range(200, 210):  # logging goes on while the store is locked
        run.log_metric("loss", 0.0, step=step)
    holder.release()
    run.flush()  # the lock is gone: the kept rows go in now
    run.end()
    assert [c.step for c in _metrics(quick_store, run.id)] == list(range(210))
    assert _status(quick_store, run.id) == "ok"


def test_background_flush_retries_after_a_failure(quick_store: Store, lock) -> None:  # type: ignore[no-untyped-def]
    run = runnotes.start_run("retried", store=quick_store)
    locker = lock()
    for step in range(100):
        run.log_metric("acc", step / 100, step=step)
    time.sleep(1.5)  # the timer tries (and fails) at least once while the lock is held
    assert _metrics(quick_store, run.id) == []
    locker.release()
    deadline = time.monotonic() + 30
    while len(_metrics(quick_store, run.id)) < 100 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_metrics(quick_store, run.id)) == 100  # stored by the timer, no flush() called
    run.end()


def test_end_with_unsaved_values_raises_and_never_ends_ok(quick_store: Store, lock) -> None:  # type: ignore[no-untyped-def]
    run = runnotes.start_run("never-ok", store=quick_store)
    locker = lock()
    run.log_metric("loss", 0.5, step=0)
    with pytest.raises(RunnotesError, match="not stored yet"), run:
        pass
    locker.release()
    assert _status(quick_store, run.id) != "ok"
    run.flush()  # the values are still held: a later flush stores them
    assert len(_metrics(quick_store, run.id)) == 1


def test_a_step_beyond_64_bits_is_refused_at_the_call(store: Store) -> None:
    run = runnotes.start_run("big-step", store=store)
    for step in range(100):
        run.log_metric("loss", 1.0, step=step)
    with pytest.raises(RunnotesError, match=r"step 9223372036854775808 of 'loss' is out of range"):
        run.log_metric("loss", 1.0, step=2**63)
    with pytest.raises(RunnotesError, match="must be an integer"):
        run.log_metric("loss", 1.0, step=1.5)  # type: ignore[arg-type]
    with pytest.raises(RunnotesError, match="too long or holds NUL"):
        run.log_metric("x" * 1001, 1.0)
    with pytest.raises(RunnotesError, match="must be text"):
        run.log_metric(None, 1.0)  # type: ignore[arg-type]
    with pytest.raises(RunnotesError, match="must be a number"):
        run.log_metric("loss", "high")  # type: ignore[arg-type]
    with pytest.raises(RunnotesError, match="out of range"):
        run.like("acc", 0.9, step=-(2**63) - 1)
    for step in range(100, 200):
        run.log_metric("loss", 1.0, step=step)
    run.end()
    assert len(_metrics(store, run.id)) == 200 and _status(store, run.id) == "ok"


def test_nan_and_inf_are_stored(store: Store) -> None:
    run = runnotes.start_run("diverged", store=store)
    values = [0.5, math.nan, math.inf, -math.inf, 0.25]
    for step, value in enumerate(values):
        run.log_metric("loss", value, step=step)
    run.end()
    rows = _metrics(store, run.id)
    assert [c.text for c in rows] == [None, "nan", "inf", "-inf", None]
    assert rows[0].value == 0.5 and rows[2].value == math.inf and rows[3].value == -math.inf
    with store.read() as session:
        count = session.exec(select(func.count()).select_from(SeriesPoint)).one()
    assert count >= len(values)
