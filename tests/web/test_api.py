"""The JSON API and the pages through FastAPI's TestClient, over a real SQLite store."""

from __future__ import annotations

import re

import pytest

from conftest import run_cli
from runnotes.services.metrics import series
from runnotes.services.overview import experiments_overview
from runnotes.store.queries import run_detail
from runnotes.store.review import count_pending
from web.seed import Seeded, png_bytes, seed


def test_projects_overview_counts_runs_and_best_metric(client, seeded: Seeded) -> None:
    rows = {(e["project"], e["experiment"]): e for e in client.get("/api/projects").json()}
    resnet = rows[("vision", "resnet")]
    assert resnet["runs"] == 2
    assert resnet["best_metric"] in ("val_acc", "loss")
    best = {"val_acc": 0.98, "loss": 0.8 / 20}[resnet["best_metric"]]
    assert abs(resnet["best_value"] - best) < 1e-9
    assert rows[("nlp", "bert")]["best_metric"] == "f1"
    page = client.get("/")
    assert page.status_code == 200 and "resnet" in page.text and "waiting for review" in page.text


def test_runs_filter_search_tag_sort_and_pages(client, seeded: Seeded) -> None:
    def ids(**params: object) -> list[int]:
        answer = client.get("/api/runs", params=params)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["runs"]]

    assert ids(where="metrics.val_acc > 0.95 and params.lr < 0.01") == [seeded.tuned]
    assert ids(q="diverged") == [seeded.tuned]
    assert ids(tag="best") == [seeded.tuned]
    assert ids(experiment="resnet", sort="name", desc=False) == [seeded.baseline, seeded.tuned]
    assert ids(sort="metrics.val_acc", experiment="resnet") == [seeded.tuned, seeded.baseline]
    first = client.get("/api/runs", params={"limit": 2}).json()
    assert len(first["runs"]) == 2 and first["has_more"] and first["next_offset"] == 2
    assert first["total"] is None  # counting is asked for, not free
    last = client.get("/api/runs", params={"limit": 2, "offset": 2, "count": 1}).json()
    assert [r["id"] for r in last["runs"]] == [seeded.baseline]
    assert not last["has_more"] and last["next_offset"] is None and last["total"] == 3
    counted = client.get("/api/runs", params={"q": "diverged", "count": 1}).json()
    assert counted["total"] == 1 and not counted["has_more"]
    page = client.get("/runs", params={"where": "metrics.val_acc > 0.95", "sort": "name"})
    assert "tuned" in page.text and ">baseline<" not in page.text


def test_filtered_pages_page_without_counting(client, seeded: Seeded, monkeypatch) -> None:
    from runnotes.web import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    first = client.get("/runs", params={"q": "e"}).text  # every seeded run matches
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "runs 1–2 and more" in first
    second = client.get("/runs", params={"q": "e", "page": 2}).text
    assert 'rel="prev"' in second and 'rel="next"' not in second and "runs 3–3" in second
    unfiltered = client.get("/runs").text
    assert "3 runs" in unfiltered and 'rel="next"' in unfiltered


def test_bad_filter_is_one_line_400(client, seeded: Seeded) -> None:
    answer = client.get("/api/runs", params={"where": "metrics.val_acc >"})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("malformed --where")
    page = client.get("/runs", params={"where": "import os"}, headers={"accept": "text/html"})
    assert page.status_code == 400 and "malformed --where" in page.text
    assert client.get("/api/runs", params={"sort": "password"}).status_code == 400
    assert client.get("/api/runs/9999").json()["detail"].startswith("no run '9999'")


def test_run_page_shows_timeline_media_and_charts(client, seeded: Seeded) -> None:
    detail = client.get(f"/api/runs/{seeded.tuned}").json()
    assert detail["params"]["optimizer"] == "adam" and detail["context"]["python_version"]
    page = client.get(f"/runs/{seeded.tuned}").text
    voices = client.get(detail["captures"]["voice"]["url"]).json()["items"]
    voice = next(c for c in voices if c["kind"] == "voice")
    assert f'<audio controls preload="none" src="/media/{voice["media_sha"]}"' in page
    assert 'class="seek" data-t="0.6"' in page  # segment timestamps
    assert 'class="rn-chart"' in page and 'class="thumb"' in page
    audio = client.get(f"/media/{voice['media_sha']}")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF"


def test_compare_highlights_differences_and_overlays_curves(client, seeded: Seeded) -> None:
    answer = client.get("/api/compare", params={"run": [seeded.baseline, seeded.tuned]}).json()
    assert answer["params"]["lr"] == ["0.01", "0.003"]
    assert "lr" in answer["differs"] and "batch_size" not in answer["differs"]
    assert len(answer["series"]["val_acc"][str(seeded.tuned)]) == 20
    page = client.get(f"/compare?run={seeded.baseline}&run={seeded.tuned}").text
    assert page.count('class="differs"') >= 3  # lr, optimizer, metrics
    assert page.count('class="rn-chart"') == 2  # one overlay per metric (loss, val_acc)
    assert page.count('"run": ') == 4  # of two runs each


def test_review_queue_shows_what_was_heard(client, seeded: Seeded) -> None:
    page = client.get("/review").text
    assert "heard: “validation accuracy went up to &lt;b&gt;91%&lt;/b&gt;”" in page
    assert ">unsure (42 %)</span>" in page


def test_review_approve_reject_edit_and_tags(client, store, seeded: Seeded) -> None:
    queue = client.get("/api/review").json()
    assert {i["id"] for i in queue["items"]} == {
        seeded.voice,
        seeded.pending_metric,
        seeded.screenshot,
    }
    assert (
        client.post(f"/api/captures/{seeded.voice}/review", json={"review": "approved"}).json()[
            "review"
        ]
        == "approved"
    )
    assert (
        client.post(
            f"/api/captures/{seeded.screenshot}/review", json={"review": "rejected"}
        ).status_code
        == 200
    )
    fixed = client.post(f"/api/captures/{seeded.pending_metric}", json={"value": "0.914"}).json()
    assert fixed["value"] == 0.914 and fixed["review"] == "approved"
    assert fixed["extra"]["edited_from"]["value"] == 0.91
    assert count_pending(store) == 0
    assert (
        client.post(f"/api/captures/{seeded.voice}/review", json={"review": "maybe"}).status_code
        == 400
    )
    assert client.post(f"/api/runs/{seeded.other}/tags", json={"tags": ["bert", "x"]}).json()
    assert run_detail(store, seeded.other).summary.tags == ["bert", "x"]


def test_page_forms_need_the_csrf_token(client, store, seeded: Seeded) -> None:
    csrf = client.app.state.guard.csrf_token()
    refused = client.post(
        f"/captures/{seeded.voice}/review", data={"review": "approved", "csrf": "forged"}
    )
    assert refused.status_code == 400
    done = client.post(
        f"/captures/{seeded.voice}/edit",
        follow_redirects=False,
        data={
            "text": "validation accuracy went up to 91%",
            "csrf": csrf,
            "next": "https://evil.example/",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    voice = next(c for c in run_detail(store, seeded.tuned).captures if c.id == seeded.voice)
    assert voice.text == "validation accuracy went up to 91%" and voice.review == "approved"
    client.post(f"/runs/{seeded.other}/notes", data={"text": "try lr 3e-4 next", "csrf": csrf})
    assert any(c.text == "try lr 3e-4 next" for c in run_detail(store, seeded.other).captures)


def test_ingestion_endpoints_commit_before_answering(client, store) -> None:
    run = client.post(
        "/api/runs",
        json={
            "name": "remote",
            "experiment": "e",
            "tags": ["t"],
            "context": {"command": "python train.py"},
        },
    ).json()
    sha = client.post(
        "/api/media", files={"file": ("shot.png", png_bytes())}, data={"mime": "image/png"}
    ).json()["sha256"]
    ids = client.post(
        f"/api/runs/{run['id']}/captures",
        json={
            "captures": [
                {"kind": "screenshot", "source": "hotkey", "media_sha": sha},
                {"kind": "note", "text": "hello"},
            ]
        },
    ).json()["ids"]
    assert len(ids) == 2
    rows = [["loss", 1.0 / (i + 1), i, 1000.0 + i] for i in range(100)]
    assert client.post(f"/api/runs/{run['id']}/metrics", json={"rows": rows}).json()["count"] == 100
    assert client.post(f"/api/runs/{run['id']}/end", json={"status": "ok"}).json()["status"] == "ok"
    detail = run_detail(store, run["id"])
    assert detail.run.command == "python train.py" and detail.summary.status == "ok"
    assert len(series(store, detail.summary.id, "loss")) == 100 and detail.summary.tags == ["t"]
    bad = client.post(
        f"/api/runs/{run['id']}/captures",
        json={"captures": [{"kind": "note", "media_sha": "0" * 64}]},
    )
    assert bad.status_code == 400 and "unknown media" in bad.json()["detail"]
    assert (
        client.post("/api/runs/999/captures", json={"captures": [{"kind": "note"}]}).status_code
        == 404
    )


def test_review_functions_are_library_api(store, seeded: Seeded) -> None:
    names = [e.experiment for e in experiments_overview(store)]
    assert names == ["bert", "resnet"]
    assert re.findall(r"--token(?!-)", run_cli("serve", "--help").stdout) == ["--token"]


@pytest.mark.postgres
def test_the_api_on_postgresql(pg_store_url: str, home) -> None:
    from fastapi.testclient import TestClient

    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.web.app import create_app

    store = open_store(load_settings(db_url=pg_store_url))
    try:
        seeded = seed(store)
        client = TestClient(create_app(store))
        test_runs_filter_search_tag_sort_and_pages(client, seeded)
        test_compare_highlights_differences_and_overlays_curves(client, seeded)
        test_review_approve_reject_edit_and_tags(client, store, seeded)
        assert client.get(f"/runs/{seeded.tuned}").status_code == 200
        assert client.get("/").status_code == 200
    finally:
        store.close()


def test_run_json_is_summaries_and_links(client, seeded: Seeded) -> None:
    """``/api/runs/{id}`` carries no values: it links to the paged timeline and each series."""
    detail = client.get(f"/api/runs/{seeded.tuned}").json()
    assert detail["metrics"] == {"loss": 0.8 / 20, "val_acc": 0.6 + 19 * 0.02}
    assert detail["best"] == {"loss": 0.8 / 20, "val_acc": 0.6 + 19 * 0.02}
    assert detail["captures"] == {
        kind: {"count": 1, "url": f"/api/runs/{seeded.tuned}/captures?kind={kind}"}
        for kind in ("note", "voice", "screenshot", "metric")  # the spoken value, not the logged
    }
    assert detail["series"] == {
        "loss": f"/api/runs/{seeded.tuned}/metrics/loss",
        "val_acc": f"/api/runs/{seeded.tuned}/metrics/val_acc",
    }
    loss = client.get(detail["series"]["loss"]).json()
    assert loss["points"] == [[s, 0.8 / (s + 1)] for s in range(20)]
    few = client.get(detail["series"]["loss"], params={"points": 8}).json()["points"]
    assert len(few) <= 8 and few[0] == [0, 0.8] and few[-1] == [19, 0.8 / 20]
    first = client.get(detail["series"]["loss"], params={"limit": 15}).json()
    assert [v["step"] for v in first["values"]] == list(range(15))
    rest = client.get(first["next"]).json()
    assert [v["step"] for v in rest["values"]] == list(range(15, 20)) and rest["next"] is None
    missing = client.get(f"/api/runs/{seeded.tuned}/metrics/nope")
    assert missing.status_code == 404 and "no metric 'nope'" in missing.json()["detail"]


def test_timeline_pages_by_kind(client, seeded: Seeded, monkeypatch) -> None:
    from runnotes.web import pages

    everything = client.get(f"/api/runs/{seeded.tuned}/captures").json()
    assert [c["kind"] for c in everything["items"]] == ["note", "voice", "metric", "screenshot"]
    first = client.get(f"/api/runs/{seeded.tuned}/captures", params={"limit": 3}).json()
    assert first["has_more"] and first["next_offset"] == 3
    last = client.get(f"/api/runs/{seeded.tuned}/captures", params={"offset": 3}).json()
    assert [c["id"] for c in first["items"] + last["items"]] == [
        c["id"] for c in everything["items"]
    ]
    voice = client.get(f"/api/runs/{seeded.tuned}/captures", params={"kind": "voice"}).json()
    assert [c["id"] for c in voice["items"]] == [seeded.voice] and not voice["has_more"]
    assert client.get(f"/api/runs/{seeded.tuned}/captures?kind=nope").status_code == 400

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    page = client.get(f"/runs/{seeded.tuned}").text
    assert 'id="kinds"' in page and "voice <span" in page
    assert page.count('class="capture ') == 2 and 'rel="next"' in page
    second = client.get(f"/runs/{seeded.tuned}", params={"page": 2}).text
    assert f'id="capture-{seeded.screenshot}"' in second and 'rel="prev"' in second
    shots = client.get(f"/runs/{seeded.tuned}", params={"kind": "screenshot"}).text
    assert shots.count('class="capture ') == 1 and 'class="thumb"' in shots


def test_runs_list_shows_chosen_columns(client, seeded: Seeded) -> None:
    page = client.get("/runs", params={"columns": "params.optimizer, metrics.loss"}).text
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert ">optimizer<" in header and ">loss" in header and "val_acc" not in header
    assert ">adam<" in page and ">sgd<" in page
    default = client.get("/runs").text.split("<thead>")[1].split("</thead>")[0]
    assert "val_acc" in default and "optimizer" not in default
    bad = client.get("/runs", params={"columns": "param.lr"}, headers={"accept": "text/html"})
    assert bad.status_code == 400 and "write params.NAME or metrics.NAME" in bad.text
