"""The experiment's tree is built once per state: looking again reuses it, and any change of
what it shows (a new value, a note approved, a param fixed, a status, a link, a run archived)
builds it again, in this process or another. On PostgreSQL a write transaction anywhere in the
cluster (the shared test server's other databases too) also builds it again, so "reused" is
checked on SQLite only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select

from runnotes.sdk import start_run
from runnotes.services.tree import Tree, build_tree
from runnotes.store import Store
from runnotes.store.lifecycle import change_runs
from runnotes.store.lineage import run_row, set_link
from runnotes.store.models import Capture, Kind, Review
from runnotes.store.review import edit_capture, set_review
from runnotes.store.runs import NewCapture, add_captures, add_metric_rows
from runnotes.web.treeview import tree_html


@pytest.fixture
def runs(any_store: Store) -> tuple[Store, list[int], int]:
    ids = []
    for n, lr in enumerate(("0.1", "0.01", "0.001")):
        with start_run(
            f"r{n}", experiment="cache", store=any_store, parent=ids[-1] if ids else None
        ) as run:
            run.log_param("lr", lr)
            for step in range(3):
                run.log_metric("val_acc", 0.5 + n / 10 + step / 100, step=step)
            ids.append(run.id)
    (note,) = add_captures(
        any_store,
        ids[1],
        [NewCapture(kind=Kind.note, source="voice", text="it diverged", review=Review.pending)],
    )
    return any_store, ids, note


def _tree(store: Store, run_id: int) -> Tree:
    return build_tree(store, run_row(store, run_id).experiment_id)


def test_a_second_look_reuses_the_tree_and_its_html(runs: tuple[Store, list[int], int]) -> None:
    store, ids, _ = runs
    first = _tree(store, ids[0])
    if store.is_sqlite:
        assert _tree(store, ids[0]) is first
    assert tree_html(first) is tree_html(first)
    assert "r2" in tree_html(first, links=False) and 'href="/runs/' not in tree_html(
        first, links=False
    )


def _fresh(store: Store, run_id: int) -> Tree:
    """The tree built from nothing kept (as a new process builds it)."""
    from runnotes.services import tree

    kept = (dict(tree._cache), dict(tree._runs))
    tree._cache.clear()
    tree._runs.clear()
    try:
        return _tree(store, run_id)
    finally:
        tree._cache.update(kept[0])
        tree._runs.update(kept[1])


def _seen(tree: Tree) -> dict[str, tuple[object, ...]]:
    return {
        n.run.name: (n.value, n.run.how, _edge(tree, n.run.name), tuple(n.spark))
        for n in tree.nodes
    }


def _edge(tree: Tree, name: str) -> str:
    node = next(n for n in tree.nodes if n.run.name == name)
    return (node.edge.text + f" why={node.edge.rationale}") if node.edge else ""


CHANGES: dict[str, Callable[[Store, list[int], int], None]] = {
    "a value logged": lambda s, ids, _: _log(s, ids[2]),
    "a note approved": lambda s, ids, note: set_review(s, note, "approved"),
    "a param fixed": lambda s, ids, _: edit_capture(s, _param(s, ids[1]), value="0.02"),
    "a link edited": lambda s, ids, _: set_link(s, ids[2], ids[0], "finetune"),
    "a run archived": lambda s, ids, _: change_runs(s, [ids[1]], "archive"),
}


def _log(store: Store, run_id: int) -> None:
    add_metric_rows(store, [(run_id, "metric", "sdk", "val_acc", 0.99, 3, 0.0, "approved", None)])


def _param(store: Store, run_id: int) -> int:
    with store.read() as session:
        return session.exec(
            select(Capture.id).where(Capture.run_id == run_id, Capture.kind == Kind.param)
        ).one()


def test_each_change_builds_it_again(runs: tuple[Store, list[int], int]) -> None:
    store, ids, note = runs
    before = _tree(store, ids[0])
    for change, make in CHANGES.items():
        shown = _seen(before)
        make(store, ids, note)
        after = _tree(store, ids[0])
        assert after is not before, change
        now = _seen(after)
        assert now != shown, change
        assert now == _seen(_fresh(store, ids[0])), change  # what reading everything gives
        if store.is_sqlite:  # reused again while nothing else changes
            assert _tree(store, ids[0]) is after, change
        before = after
