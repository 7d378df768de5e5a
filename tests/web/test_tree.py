"""Lineage on a sweep of real runs: the tree it builds, inferred and hand-set links, the
narrative diff in the drafts (every number a stored value), and the pages in real Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from runnotes.config import load_settings
from runnotes.formatting import fmt_value
from runnotes.reports import write_progress, write_readme
from runnotes.services.lineage import infer
from runnotes.services.narrative import rows_text
from runnotes.services.tree import build_tree
from runnotes.store import Store, open_store
from runnotes.store.lineage import find_experiment_id
from runnotes.store.models import Capture, Run, SeriesPoint
from web import test_browser
from web.seed import serving
from web.sweep import Sweep, build_sweep, cli

# The sweep is real training runs under `runnotes watch` (processes): ~25 s before any test.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sweep, Store]]:
    built = build_sweep(tmp_path_factory.mktemp("sweep"))
    store = open_store(load_settings(built.home))
    yield built, store
    store.close()


def _runs(store: Store) -> dict[str, Run]:
    with store.read() as session:
        rows = session.exec(select(Run)).all()
        for row in rows:
            session.expunge(row)
    return {r.name: r for r in rows}


def test_the_sweep_builds_the_expected_tree(sweep: tuple[Sweep, Store]) -> None:
    _, store = sweep
    runs = _runs(store)
    links = {
        name: (
            None
            if r.parent_id is None
            else next(n for n, p in runs.items() if p.id == r.parent_id),
            r.link_how,
            r.link_source,
        )
        for name, r in runs.items()
    }
    assert links == {
        "base": (None, None, None),
        "higher-lr": ("base", "fork", "start"),
        "strong-alpha": ("base", "fork", "start"),
        "resumed": ("base", "resume", "inferred"),  # it read the weights base saved
        "more-data": ("higher-lr", "rerun", "inferred"),  # same command, same commit
    }
    assert "base.npz" in (runs["resumed"].link_evidence or "")
    assert "same command and commit" in (runs["more-data"].link_evidence or "")
    tree = build_tree(store, runs["base"].experiment_id)
    lanes = {n.run.name: n.lane for n in tree.nodes}
    # base and its first child keep lane 0, each later child of base opens a lane
    assert lanes["base"] == lanes["higher-lr"] == lanes["more-data"] == 0
    assert sorted({lanes["strong-alpha"], lanes["resumed"]}) == [1, 2]
    edges = {n.run.name: n.edge for n in tree.nodes if n.edge}
    data = [c.text for c in edges["more-data"].chips if c.kind == "data"]
    assert data == ["`digits.csv`: 1 500 → 1 797 rows"]
    assert edges["more-data"].chips[0].kind == "data"  # a data change comes first
    assert "`lr` (0.001 → 0.01)" in edges["higher-lr"].text
    assert edges["higher-lr"].rationale == (
        "raised the learning rate because the baseline converged too slowly"
    )
    assert all(len(n.spark) == 4 for n in tree.nodes)  # four epochs each


def test_a_hand_set_link_stays(sweep: tuple[Sweep, Store]) -> None:
    built, store = sweep
    runs = _runs(store)
    cli(built, "run", "link", "resumed", "--from", "base", "--how", "finetune")
    cli(built, "run", "link", "more-data", "--unlink")
    for name in ("resumed", "more-data"):
        assert infer(store, runs[name].id) is None  # inference leaves a person's link alone
    after = _runs(store)
    assert (after["resumed"].link_how, after["resumed"].link_source) == ("finetune", "hand")
    assert after["more-data"].parent_id is None and after["more-data"].link_source == "hand"
    refused = subprocess.run(
        [sys.executable, "-m", "runnotes", "run", "link", "base", "--from", "resumed"],
        env={**os.environ, "RUNNOTES_HOME": str(built.home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "no cycles" in refused.stderr
    assert "Traceback" not in refused.stderr
    # back as the sweep made them, for the tests after this one: forgotten, then inferred again
    ids = [runs["resumed"].id, runs["more-data"].id]
    with store.write() as session:
        session.execute(
            update(Run)
            .where(Run.id.in_(ids))
            .values(parent_id=None, link_how=None, link_source=None, link_evidence=None)
        )
    assert [infer(store, i) for i in ids] == ["resume", "rerun"]


# -- every number in a narrative sentence is a stored value ---------------------------------

_MOVE = re.compile(r"(-?[\d.e+-]+) → (-?[\d.e+-]+) \(([+-][\d.e+-]+)( points)?")
_NUMBER = re.compile(
    r"(?<![\w.])-?\d{1,3}(?: \d{3})+(?![\d.])|(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
)


def _stored(store: Store) -> set[str]:
    """Every value the store holds, as the drafts print it."""
    with store.read() as session:
        rows = session.exec(select(Capture.kind, Capture.value, Capture.text)).all()
        logged = session.exec(select(SeriesPoint.value)).all()  # code-logged values
    found = {fmt_value(value) for value in logged if value is not None}
    for kind, value, text in rows:
        if kind == "param" and text:
            found.add(text)
        elif kind == "metric" and value is not None:
            found.add(fmt_value(value))
        elif kind == "dataset" and value is not None:
            found.add(rows_text(int(value)))
    return found


def check_sentence(sentence: str, stored: set[str]) -> int:
    """Assert every number outside code spans is a stored value, and each change in brackets
    the difference of the two values before it; returns how many numbers were checked."""
    text = re.sub(r"`[^`]*`", " ", sentence).replace("\\", "")
    checked = 0
    for value in sorted(stored, key=len, reverse=True):  # a stored text (a path) as a whole
        if not _NUMBER.fullmatch(value) and value in text:
            text = text.replace(value, " ")
            checked += 1
    for old, new, delta, points in _MOVE.findall(text):
        scale = 100 if points else 1
        assert float(delta) == pytest.approx((float(new) - float(old)) * scale, abs=0.051), text
        text = text.replace(f"({delta}", "(", 1)
        checked += 1
    for number in _NUMBER.findall(text):
        assert number in stored, (number, sentence)
        checked += 1
    return checked


def test_every_number_in_the_drafts_narratives_is_stored(
    sweep: tuple[Sweep, Store], tmp_path: Path
) -> None:
    _, store = sweep
    readme = write_readme(store, "digits", tmp_path / "README.md")
    text = Path(readme.paths[0]).read_text()
    progress = Path(write_progress(store, tmp_path / "progress.md").paths[0]).read_text()
    sentences = [
        line
        for line in (text + "\n" + progress).splitlines()
        if "differs from" in line or "has the same params" in line
    ]
    assert len(sentences) >= 5, sentences
    stored = _stored(store)
    # from the narrative on: a run's label before it and a person's reason after it are not it
    told = [s[s.index("`") :].split(" Why: ")[0] for s in sentences]
    assert sum(check_sentence(s, stored) for s in told) >= 10
    assert "```mermaid\ngitGraph" in text and 'commit id: "1: base"' in text
    assert "The path from the first run to it" in text
    assert "How the best came about" in progress


# -- the pages in real Chromium --------------------------------------------------------------


@pytest.fixture(scope="module")
def site(sweep: tuple[Sweep, Store]) -> Iterator[str]:
    built, store = sweep
    for other in ("tokenizer", "augment"):
        cli(built, "run", "start", f"{other}-1", "-e", other)
        cli(built, "run", "end")
    with serving(built.home, RUNNOTES_DRAFTS_AUTO="false") as url:
        yield url


browser, page = test_browser.browser, test_browser.page  # the same Chromium and tab fixtures


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots for the docs when asked (RUNNOTES_SHOTS=docs/img)."""
    folder = os.environ.get("RUNNOTES_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.mark.slow
def test_the_tree_page(sweep, site, page) -> None:  # type: ignore[no-untyped-def]
    _, store = sweep
    exp_id = find_experiment_id(store, "default", "digits")
    page.goto(f"{site}/experiments/{exp_id}")
    rows = page.locator("li.tree-row")
    assert rows.count() == 5
    more = page.locator("li.tree-row", has_text="more-data")
    assert more.locator(".chip.data").inner_text() == "digits.csv: 1 500 → 1 797 rows"
    assert "inferred" in more.locator(".how").inner_text()
    assert page.locator("svg.graph circle").count() == 5
    assert page.locator("svg.graph path").count() == 4
    _shot(page, "tree.png")
    page.fill("#tree-filter input[name=where]", "params.alpha > 0.001")
    page.click("#tree-filter button")
    page.wait_for_url("**where=*")
    names = page.locator("li.tree-row .line1 a").all_inner_texts()
    assert names[:2] == ["base", "strong-alpha"]  # the match and the path to it


@pytest.mark.slow
def test_the_overview_reorders_and_archives(sweep, site, page) -> None:  # type: ignore[no-untyped-def]
    _, store = sweep
    page.goto(site + "/")
    cards = page.locator("#cards li.exp-card h3 a")
    first = cards.all_inner_texts()
    assert sorted(first) == ["augment", "digits", "tokenizer"]
    page.drag_and_drop("#cards li.exp-card:nth-child(3)", "#cards li.exp-card:nth-child(1)")
    page.wait_for_timeout(300)
    page.reload()
    moved = cards.all_inner_texts()
    assert moved[0] == first[2]  # the order was stored
    page.locator("#cards li.exp-card").nth(0).focus()
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_timeout(300)
    page.reload()
    assert cards.all_inner_texts()[1] == first[2]
    _shot(page, "overview.png")
    page.drag_and_drop("#cards li.exp-card:nth-child(1)", "#archive-zone")
    page.locator("#archived li.exp-card").wait_for(state="attached")  # reloaded once stored
    assert page.locator("#cards li.exp-card").count() == 2
    page.locator("#archived summary").click()
    page.locator("#archived button", has_text="Restore").click()
    page.wait_for_load_state()
    assert page.locator("#cards li.exp-card").count() == 3


@pytest.mark.slow
def test_the_compare_page_tells_the_difference(sweep, site, page) -> None:  # type: ignore[no-untyped-def]
    _, store = sweep
    runs = _runs(store)
    page.goto(f"{site}/compare?run={runs['higher-lr'].id}&run={runs['more-data'].id}")
    told = page.locator("p.narrative").inner_text()
    assert told.startswith("more-data differs from higher-lr in data (digits.csv: 1 500 → 1 797")
    assert check_sentence(told.replace("digits.csv", "`x`"), _stored(store)) >= 3
