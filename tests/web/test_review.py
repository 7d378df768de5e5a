"""The review queue: every pending capture listed, bulk actions, code-logged values are facts."""

from __future__ import annotations

import re

from conftest import run_cli
from runnotes.sdk import start_run
from runnotes.store import Store
from runnotes.store.models import Kind, Review
from runnotes.store.review import count_pending, pending_ids
from runnotes.store.runs import NewCapture


def _spoken(store: Store, count: int) -> list[int]:
    """``count`` pending captures of several kinds, as voice notes and OCR leave them."""
    with start_run("sweep-1", experiment="queue", store=store) as run:
        run.log_metrics({"loss": 0.5}, step=0)  # a fact: never in the queue
        captures = []
        for i in range(count):
            kind = (Kind.metric, Kind.note, Kind.param)[i % 3]
            captures.append(
                NewCapture(
                    kind=kind,
                    source="voice",
                    name=None if kind == Kind.note else f"spoken_{i}",
                    value=None if kind == Kind.note else float(i),
                    text=f"heard {i}",
                    review=Review.pending,
                )
            )
        return run.capture(*captures)


def test_review_page_lists_every_pending_capture_and_bulk_approves(client, store: Store) -> None:
    ids = _spoken(store, 60)
    assert count_pending(store) == 60
    shown: set[int] = set()
    for page in (1, 2):
        html = client.get(f"/review?page={page}").text
        shown |= {int(i) for i in re.findall(r'name="ids" value="(\d+)"', html)}
    assert shown == set(ids)  # every one, over two pages of 50
    assert 'Review queue <span class="count">60</span>' in client.get("/review").text

    csrf = client.app.state.guard.csrf_token()
    first_page = re.findall(r'name="page_ids" value="(\d+)"', client.get("/review").text)
    answer = client.post(
        "/review/bulk",
        data={"csrf": csrf, "do": "approve-page", "page_ids": first_page, "next": "/review"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert count_pending(store) == 10
    ticked = pending_ids(store)[:4]
    client.post("/review/bulk", data={"csrf": csrf, "do": "reject-selected", "ids": ticked})
    assert count_pending(store) == 6
    forged = client.post("/review/bulk", data={"csrf": "forged", "do": "approve-page"})
    assert forged.status_code >= 400 and count_pending(store) == 6

    done = client.post("/api/review", json={"ids": pending_ids(store), "review": "approved"})
    assert done.json()["pending"] == 0
    bad = client.post("/api/review", json={"ids": [999999], "review": "approved"})
    assert bad.status_code == 400 and "no capture with id 999999" in bad.text


def test_a_value_extraction_asks_about_shows_its_question(client, store: Store) -> None:
    """A value a note said twice, or of two things compared, waits as a question: the page and
    `runnotes review list` say what is asked (escaped), not only that it is unsure."""
    question = "eer said 2 times (1.12%, <b>1.0052</b>): is this one the run's?"
    with start_run("asked", store=store) as run:
        run.capture(
            NewCapture(
                kind=Kind.metric,
                source="voice",
                name="eer",
                value=1.12,
                text="1.12%",
                review=Review.pending,
                confidence=0.35,
                extra={"heard": "I got EER 1.12%, and without TTA EER 1.0052.", "unsure": question},
            )
        )
    page = client.get("/review").text
    assert '<span class="tag unsure">asked</span> eer said 2 times (1.12%, &lt;b&gt;1.0052' in page
    assert f"asked: {question}" in run_cli("review", "list").stdout


def test_review_cli(store: Store) -> None:
    ids = _spoken(store, 3)
    listed = run_cli("review", "list").stdout
    assert all(str(i) in listed for i in ids) and "spoken_0 = heard 0" in listed
    assert "loss" not in listed
    assert run_cli("review", "reject", str(ids[0])).stdout.strip() == "rejected 1 capture"
    assert run_cli("review", "approve", "--all").stdout.strip() == "approved 2 captures"
    assert run_cli("review", "list").stdout.strip() == "nothing waits for review"
    bad = run_cli("review", "approve", check=False)
    assert (
        bad.returncode == 1 and bad.stderr.strip() == "runnotes: error: give capture ids, or --all"
    )
