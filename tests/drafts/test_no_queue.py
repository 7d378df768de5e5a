"""Issue 31 item 9: a refresh never queues behind a slow one. While one refresh holds the
drafts lock, another process's refresh is handed over at once (a request file for the
detached drainer), and the drainer waits for the lock instead of spinning on its requests."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from runnotes.config import load_settings
from runnotes.reports import drafts
from runnotes.store import Store, open_store


def test_a_refresh_is_handed_over_while_a_slow_one_runs(
    store: Store, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    rendered: list[int] = []
    drainers: list[Store] = []

    def slow_refresh(s: Store, experiment_id: int, trigger: str) -> list[Path]:
        rendered.append(experiment_id)
        if experiment_id == 1:
            started.set()
            release.wait(120)
        return []

    monkeypatch.setattr(drafts, "_refresh", slow_refresh)
    monkeypatch.setattr(drafts, "_start_drainer", drainers.append)
    slow = threading.Thread(target=drafts.Refresher(store, 0).render, args=({1: "run_end"},))
    slow.start()
    try:
        assert started.wait(120)
        other = open_store(store.settings)  # another process's handle on the same store
        handed = drafts.Refresher(other, 0).render({2: "note"})  # returns while 1 renders
        assert handed and rendered == [1]
        assert (home / "draft-requests" / "2").read_text() == "note"
        assert drainers == [other]
    finally:
        release.set()
        slow.join(120)
    monkeypatch.setenv("RUNNOTES_DRAFTS_DEBOUNCE", "0")  # the drainer takes its batch at once
    drainer = open_store(load_settings())
    drafts.drain(drainer)  # the drainer's work, once the lock is free: no request left
    drainer.close()
    assert rendered == [1, 2]
    assert not list((home / "draft-requests").glob("[0-9]*"))


def test_the_drainer_waits_the_debounce_before_its_first_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of requests handed over by a team server's workers is one batch: the detached
    drainer waits ``[drafts] debounce`` before it takes the first, and requests made meanwhile
    join it."""
    batches: list[list[int]] = []
    waits: list[float] = []

    def render(self: drafts.Refresher, batch: dict[int, str]) -> bool:
        batches.append(sorted(batch))
        return False

    def sleep(seconds: float) -> None:  # another worker hands its request over meanwhile
        waits.append(seconds)
        if len(waits) == 1:
            drafts._hand_over(store, 2, "review")

    monkeypatch.setattr(drafts.Refresher, "render", render)
    monkeypatch.setattr(drafts, "time", SimpleNamespace(sleep=sleep, monotonic=time.monotonic))
    drafts._hand_over(store, 1, "run_end")
    drafts.drain(store)
    assert waits[0] == drafts.DraftSettings.of(store).debounce == 3  # the default
    assert batches == [[1, 2]]
    assert drafts.idle(store)


def test_the_next_refresh_waits_pace_times_the_last_ones_duration(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a stream of captures drafts take at most about 1 / (1 + pace) of the time: a team
    server's refreshes had taken half of its CPU with 16 clients logging."""
    now = [100.0]

    def refresh_taking_2_5_s(*_: object) -> list[Path]:
        now[0] += 2.5
        return []

    monkeypatch.setattr(drafts.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(drafts, "_refresh", refresh_taking_2_5_s)
    refresher = drafts.Refresher(store, delay=3, pace=4)
    assert refresher.next_wait() == 3  # nothing rendered yet: the quiet period alone
    refresher.render({1: "note"})
    assert refresher.spent == 2.5 and refresher.next_wait() == 10
    assert drafts.Refresher(store, delay=3, pace=0).next_wait() == 3
    assert drafts.refresher(store).pace == 4  # the default `[drafts] pace`


def test_work_nobody_waits_for_runs_below_normal_priority() -> None:
    """The detached drainer and a draft's spoken summary run niced (Piper takes every core: on
    a team server under load it slowed the clients' writes)."""
    import os
    import subprocess

    from runnotes.pidfile import BACKGROUND_NICE, low_priority

    argv = low_priority([sys.executable, "-c", "import os; print(os.nice(0))"])
    niceness = int(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
    assert niceness == min(19, os.nice(0) + BACKGROUND_NICE)
