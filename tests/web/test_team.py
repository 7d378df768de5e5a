"""Team mode: a training script using the SDK with RUNNOTES_SERVER set writes to a served store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
TOKEN = "team-token-123"

TRAIN = textwrap.dedent("""
    import sys
    import runnotes

    with runnotes.start_run(sys.argv[1], experiment="shared", project="team",
                            tags=["remote"]) as run:
        run.log_params({"lr": 3e-4, "optimizer": "adam"})
        for step in range(50):
            run.log_metrics({"loss": 1 / (step + 1), "val_acc": 0.5 + step / 100}, step=step)
        run.dataset(sys.argv[2])
        run.like("val_acc", 0.99)
        run.note("<b>bold</b> claim: adam beats sgd here")
        run.artifact(sys.argv[2])
    runnotes.note("a note after the run goes to the server's current run")
    print(run.id)
""")


def _train(
    tmp_path: Path, env: dict[str, str], name: str, rows: int
) -> subprocess.CompletedProcess[str]:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(rows)))
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    return subprocess.run(
        [sys.executable, str(script), name, str(data)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_sdk_logs_a_run_to_a_served_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve, home: Path
) -> None:
    server_env = {"RUNNOTES_DB": request.getfixturevalue("pg_url")} if backend == "postgres" else {}
    server = serve("--token", TOKEN, env=server_env, log_dir=tmp_path, token=TOKEN)
    client_home = tmp_path / "laptop"
    env = {
        "RUNNOTES_SERVER": server.url,
        "RUNNOTES_TOKEN": TOKEN,
        "RUNNOTES_HOME": str(client_home),
    }

    first = _train(tmp_path, env, "remote-1", rows=100)
    assert first.returncode == 0, first.stderr
    second = _train(tmp_path, env, "remote-2", rows=120)
    assert second.returncode == 0, second.stderr
    assert "data changed since run" in second.stderr and "100 → 120 rows" in second.stderr
    assert not (client_home / "runnotes.db").exists()  # nothing was written locally

    auth = {"Authorization": f"Bearer {TOKEN}"}
    run_id = int(first.stdout.split()[-1])
    detail = httpx.get(f"{server.url}/api/runs/{run_id}", headers=auth).json()
    assert (detail["name"], detail["experiment"], detail["status"]) == ("remote-1", "shared", "ok")
    assert detail["tags"] == ["remote"] and detail["params"]["optimizer"] == "adam"
    assert detail["context"]["python_version"] and detail["context"]["command"]
    assert {"dataset", "note", "artifact"} <= set(detail["captures"])  # the timeline, by kind
    values = [
        v
        for url in detail["series"].values()
        for v in httpx.get(f"{server.url}{url}?limit=10000", headers=auth).json()["values"]
    ]
    assert len(values) == 101
    listed = httpx.get(
        f"{server.url}/api/runs", params={"experiment": "shared"}, headers=auth
    ).json()
    assert [r["name"] for r in listed["runs"]] == ["remote-2", "remote-1"]

    page = httpx.get(f"{server.url}/runs/{run_id}", headers=auth).text
    assert "remote-1" in page and "&lt;b&gt;bold&lt;/b&gt; claim" in page
    runs_page = httpx.get(f"{server.url}/runs?q=adam+beats", headers=auth).text
    assert "remote-1" in runs_page and "remote-2" in runs_page

    wrong = _train(tmp_path, {**env, "RUNNOTES_TOKEN": "nope"}, "remote-3", rows=10)
    assert wrong.returncode != 0
    assert "runnotes.errors.RunnotesError: server" in wrong.stderr and "(401)" in wrong.stderr
