"""Drafts on the web page: the list, downloads that serve only recorded drafts, review refreshes."""

from __future__ import annotations

import pytest

from runnotes.reports.drafts import list_drafts, refresh_experiment, refresher, wait_idle
from runnotes.store.queries import run_detail
from web.seed import seed


@pytest.fixture
def drafted(store):  # type: ignore[no-untyped-def]
    """A seeded store whose resnet drafts were written once (no background refresh: see
    ``auto_drafts`` in tests/conftest.py)."""
    seeded = seed(store)
    refresh_experiment(store, run_detail(store, seeded.tuned).run.experiment_id)
    return seeded


def test_drafts_page_lists_and_downloads_recorded_drafts(client, store, drafted) -> None:
    listed = client.get("/api/drafts").json()
    readme = next(d for d in listed if d["kind"] == "readme")
    assert readme["experiment"] == "resnet" and readme["trigger"] == "manual"
    assert not readme["edited"] and readme["error"] is None and readme["download_new"] is None
    assert {d["path"].rsplit(".", 1)[1] for d in listed if d["kind"] == "progress"} == {
        "md",
        "docx",
    }
    page = client.get("/drafts").text
    assert page.count('<tr id="draft-') == len(listed) and f'href="{readme["download"]}"' in page
    got = client.get(readme["download"])
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert got.content == (store.settings.home / "drafts/vision/resnet/README.md").read_bytes()
    assert b"tuned" in got.content


def test_hand_edited_draft_offers_both_versions(client, store, drafted) -> None:
    path = store.settings.home / "drafts/vision/resnet/README.md"
    path.write_text("# my own words\n")
    refresh_experiment(store, run_detail(store, drafted.tuned).run.experiment_id)
    readme = next(d for d in client.get("/api/drafts").json() if d["kind"] == "readme")
    assert readme["edited"] and "edited by hand" in client.get("/drafts").text
    assert client.get(readme["download"]).text == "# my own words\n"
    assert "tuned" in client.get(readme["download_new"]).text  # README.draft.md, beside it


def test_draft_downloads_take_no_path_from_the_request(client, store, drafted) -> None:
    for url in (
        "/drafts/..%2F..%2F..%2Fetc%2Fpasswd",
        "/drafts/%2Fetc%2Fpasswd",
        "/drafts/" + "0" * 64,
        "/drafts/README.md",
    ):
        answer = client.get(url)
        assert answer.status_code in (400, 404), url
        assert "root:" not in answer.text
    key = client.get("/api/drafts").json()[0]["key"]
    assert client.get(f"/drafts/{key}", params={"version": "../../etc/passwd"}).status_code == 400
    (store.settings.home / "drafts/vision/resnet/README.md").unlink()
    readme = next(d for d in client.get("/api/drafts").json() if d["kind"] == "readme")
    assert client.get(readme["download"]).status_code == 404
    assert len(list_drafts(store)) == 4  # README, progress .md and .docx, spoken summary


@pytest.mark.parametrize("action", ["approve", "edit", "page-approve"])
@pytest.mark.slow
def test_review_actions_refresh_the_drafts(client, store, auto_drafts, action: str) -> None:
    seeded = seed(store)  # the runs' ends queue a refresh ("run_end")
    worker = refresher(store)
    worker.run_pending()
    assert {d.trigger for d in list_drafts(store)} == {"run_end"}
    if action == "approve":
        answer = client.post(f"/api/captures/{seeded.voice}/review", json={"review": "approved"})
    elif action == "edit":
        answer = client.post(f"/api/captures/{seeded.pending_metric}", json={"value": "0.914"})
    else:
        answer = client.post(
            f"/captures/{seeded.voice}/review",
            data={"review": "approved", "csrf": client.app.state.guard.csrf_token()},
        )
    assert answer.status_code == 200, answer.text
    worker.run_pending()
    triggers = {d.experiment: d.trigger for d in list_drafts(store) if d.kind == "readme"}
    assert triggers == {"resnet": "review", "bert": "run_end"}  # only the reviewed run's
    assert all(d.error is None for d in list_drafts(store))


@pytest.mark.slow  # the detached drainer is a real process
def test_a_served_store_renders_its_drafts_off_the_request_workers(
    store, auto_drafts, monkeypatch
) -> None:
    """``runnotes serve``'s app hands its refreshes to the detached, niced drainer: nothing
    renders on a thread of the process that answers requests."""
    from fastapi.testclient import TestClient

    from runnotes.web.worker import ServeSpec, build

    monkeypatch.setenv("RUNNOTES_DRAFTS_PACE", "0")  # the drainer leaves once it is done
    app = build(ServeSpec.make(store.settings, "127.0.0.1", None), store)
    seeded = seed(store)  # the runs' ends queue a refresh ("run_end")
    assert wait_idle(store)
    assert {d.trigger for d in list_drafts(store)} == {"run_end"}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.post(f"/api/captures/{seeded.voice}/review", json={"review": "approved"})
    assert answer.status_code == 200, answer.text
    assert wait_idle(store)
    triggers = {d.experiment: d.trigger for d in list_drafts(store) if d.kind == "readme"}
    assert triggers == {"resnet": "review", "bert": "run_end"}  # only the reviewed run's
    assert all(d.error is None for d in list_drafts(store))
    assert refresher(store)._thread is None  # no render thread was ever started here
