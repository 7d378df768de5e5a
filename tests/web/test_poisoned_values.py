"""Values the store accepted never break a page, a command or a report (issue 16, item 6):
far timestamps (an import's ``started_at=1e300``), huge and tiny numbers, NaN and ±inf, NUL and
terminal control characters, a filter nested 3000 deep, quoted filter literals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import docx
import pytest

from conftest import run_cli
from runnotes.reports import write_progress, write_readme
from runnotes.store import Store
from runnotes.store.runs import (
    NewCapture,
    add_captures,
    add_metric_rows,
    create_run,
    end_run,
)

VALUES = [3.2e18, 3.2e18, 1e-300, 5e-324, math.inf, -math.inf, math.nan, 1e308, -1e308, 0.0]
NASTY_TEXT = "nul\x00here \x1b[31mred\x1b[0m \x07bell \u202eevil"
DEEP = "not " * 2400 + 'status == "ok"'


@pytest.fixture
def poisoned(store: Store) -> list[int]:
    ids = []
    for name, started in (
        ("far", 1e300),
        ("flops", None),
        ("before", -1e300),
        ("x' OR 1=1 --", None),
    ):
        run = create_run(store, name, experiment="poison", started_at=started)
        rows = [
            (run.id, "metric", "sdk", "total_flops", v, i, 1e300 if i % 2 else 1.0, "approved")
            for i, v in enumerate(VALUES)
        ]
        rows += [(run.id, "metric", "sdk", "loss", 3.2e18, i, 1.0, "approved") for i in range(3)]
        add_metric_rows(store, [(*r, None) for r in rows])
        add_captures(
            store,
            run.id,
            [
                NewCapture(
                    kind="note", source="sdk", text=NASTY_TEXT, review="approved", timestamp=1e300
                ),
                NewCapture(
                    kind="param",
                    source="sdk",
                    name="lr",
                    value=math.inf,
                    text="inf",
                    review="approved",
                ),
                NewCapture(
                    kind="metric",
                    source="sdk",
                    name="val_acc",
                    value=math.nan,
                    text="nan",
                    review="approved",
                ),
                NewCapture(
                    kind="note",
                    source="sdk",
                    text="pending \x00",
                    review="pending",
                    timestamp=-1e300,
                ),
            ],
        )
        ids.append(run.id)
    end_run(store, ids[1])
    return ids


def test_every_page_renders_poisoned_values(client, poisoned: list[int]) -> None:
    runs = "&".join(f"run={i}" for i in poisoned)
    pages = [
        "/",
        "/runs",
        "/runs?sort=metrics.total_flops",
        "/runs?sort=metrics.loss&desc=false",
        "/review",
        "/report",
        "/drafts",
        f"/compare?{runs}",
        *[f"/runs/{i}" for i in poisoned],
    ]
    api = [
        "/api/runs",
        "/api/projects",
        "/api/review",
        f"/api/compare?{runs}",
        *[f"/api/runs/{i}" for i in poisoned],
    ]
    for path in pages + api:
        answer = client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 200, (path, answer.text[:300])
    assert client.get("/runs", params={"where": DEEP}).status_code == 400
    assert client.get("/api/runs", params={"where": DEEP}).status_code == 400
    assert client.get("/runs/99999999999999999999999").status_code == 404


def test_reports_render_poisoned_values(store: Store, poisoned: list[int], tmp_path: Path) -> None:
    write_readme(store, "poison", tmp_path / "README.md")
    assert "nul\x00here" in (tmp_path / "README.md").read_text()  # Markdown keeps the text
    for suffix in (".md", ".docx"):
        write_progress(store, tmp_path / f"progress{suffix}", since=0, until=1e301)
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "progress.docx")).paragraphs)
    assert "nul␀here ␛[31mred" in text  # XML cannot hold them: shown as control pictures


def test_cli_shows_poisoned_values_and_refuses_bad_filters_in_one_line(
    store: Store, poisoned: list[int]
) -> None:
    for args in (
        ["runs", "list"],
        ["runs", "show", str(poisoned[0])],
        ["runs", "compare", *map(str, poisoned)],
    ):
        done = run_cli(*args)
        assert "Traceback" not in done.stderr
    deep = run_cli("runs", "list", "--where", DEEP, check=False)
    assert deep.returncode != 0 and "Traceback" not in deep.stderr
    assert deep.stderr.strip().count("\n") == 0 and "nested" in deep.stderr
    for name in ("x' OR 1=1 --", "a = b"):
        if name == "a = b":
            create_run(store, name, experiment="poison")
        listed = run_cli("runs", "list", "--where", f'name == "{name}"', "--json").stdout
        assert [r["name"] for r in json.loads(listed)] == [name]
