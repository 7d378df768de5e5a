"""Integration fixtures: runs end without draft refreshes (not what these tests are about)."""

from __future__ import annotations

import pytest

from runnotes.store import Store
from runnotes.store.queries import RunDetail, list_runs, run_detail


@pytest.fixture(autouse=True)
def no_auto_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNOTES_DRAFTS_AUTO", "false")


def only_run(store: Store) -> RunDetail:
    """The store's one run, in detail (a test that made more is wrong)."""
    runs = list_runs(store)
    assert len(runs) == 1, [r.name for r in runs]
    return run_detail(store, runs[0].id)


def logged(detail: RunDetail, metric: str) -> list[tuple[int | None, float | None]]:
    """The ``(step, value)`` rows stored for ``metric``, as stored (not the series rules)."""
    return [(c.step, c.value) for c in detail.captures if c.kind == "metric" and c.name == metric]


def steps(detail: RunDetail, metric: str) -> list[int | None]:
    return [step for step, _ in logged(detail, metric)]
