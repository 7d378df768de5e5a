"""The spoken summary and the reader reports on the web page."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from reports.conftest import build_sample
from runnotes.reports.drafts import refresh_experiment
from runnotes.reports.listen import find_subject
from runnotes.store import Store
from runnotes.web.app import create_app
from web.seed import seed


def _csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_drafts_page_plays_the_summary_beside_its_script(store: Store, home: Path) -> None:
    seed(store)  # runs of today: the week's progress draft has something to say
    written = refresh_experiment(store, find_subject(store, "resnet").experiment_id)
    wav = home / "drafts/vision/resnet/listen.wav"
    assert wav in written and wav.stat().st_mode & 0o777 == 0o600
    with TestClient(create_app(store)) as client:
        listen = next(d for d in client.get("/api/drafts").json() if d["kind"] == "listen")
        assert listen["script"].startswith("A summary of the experiment resnet.")
        page = client.get("/drafts").text
        assert f'<audio controls preload="none" src="{listen["download"]}">' in page
        assert listen["script"].splitlines()[3] in page  # the best result, said
        audio = client.get(listen["download"])
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert audio.headers["content-type"].startswith("audio/")
        assert audio.content == wav.read_bytes()


def _reader_report(client: TestClient, form: str, reader: str):  # type: ignore[no-untyped-def]
    fields = {"kind": "reader", "experiment": "vision/resnet", "reader": reader, "fmt": "md"}
    return client.post("/report", data={"csrf": _csrf(form), **fields})


def test_report_page_writes_a_report_for_each_reader(store: Store) -> None:
    build_sample(store)
    with TestClient(create_app(store)) as client:
        form = client.get("/report").text
        assert 'id="reader-form"' in form and '<option value="reviewer">' in form
        got = _reader_report(client, form, "manager")
        assert got.status_code == 200 and got.text.startswith("# Update: resnet")
        bad = _reader_report(client, form, "../../etc/passwd")
        assert bad.status_code == 400 and "root:" not in bad.text
