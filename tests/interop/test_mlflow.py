"""MLflow → runnotes → MLflow with real tracking stores written by the mlflow package."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import func, select

from conftest import run_cli
from runnotes.errors import RunnotesError
from runnotes.interop.mlflow import export_mlflow, follow_once, import_mlflow, read_records
from runnotes.sdk import local_run
from runnotes.store.models import Capture, MediaFile, Run
from runnotes.store.queries import list_runs, run_detail
from runnotes.store.runs import active_run_id, create_run, push_active


def _client(uri: str):  # type: ignore[no-untyped-def]
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _mlflow_view(uri: str, run_id: str) -> dict:  # type: ignore[type-arg]
    """Everything we promise to carry over, as MLflow itself reports it."""
    client = _client(uri)
    run = client.get_run(run_id)
    history = {
        key: sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(run_id, key))
        for key in run.data.metrics
    }
    tags = run.data.tags
    return {
        "name": run.info.run_name,
        "status": run.info.status,
        "start": run.info.start_time,
        "end": run.info.end_time,
        "params": run.data.params,
        "metrics": history,
        "note": tags.get("mlflow.note.content"),
        "git": tags.get("mlflow.source.git.commit"),
        "team": tags.get("team"),
        "experiment": client.get_experiment(run.info.experiment_id).name,
    }


def _capture_count(store) -> int:  # type: ignore[no-untyped-def]
    with store.read() as session:
        return session.exec(select(func.count()).select_from(Capture)).one()


@pytest.mark.slow
def test_import_then_reimport_then_export_round_trip(store, mlflow_store, tmp_path: Path) -> None:
    result = import_mlflow(store, mlflow_store.uri, use_client=mlflow_store.use_client)
    assert (result.created, result.updated, len(result.run_ids)) == (3, 0, 3)
    assert result.values == 3 * 30

    for name, mlflow_id in mlflow_store.run_ids.items():
        want = _mlflow_view(mlflow_store.uri, mlflow_id)
        detail = run_detail(store, name)
        s, run = detail.summary, detail.run
        assert run.source_id == f"mlflow:{mlflow_id}"
        assert s.experiment == want["experiment"]
        assert s.params == want["params"]
        assert s.status == {"FINISHED": "ok", "FAILED": "failed"}[want["status"]]
        assert round(s.started_at * 1000) == want["start"]
        assert round(s.ended_at * 1000) == want["end"]
        assert run.git_commit == want["git"]
        assert s.tags == ["team=vision"]
        notes = [c.text for c in detail.captures if c.kind == "note"]
        assert notes == [want["note"]]
        for key, series in want["metrics"].items():
            got = sorted(
                (c.step, c.value, round(c.timestamp * 1000))
                for c in detail.captures
                if c.kind == "metric" and c.name == key
            )
            assert got == series
    artifacts = [c for c in run_detail(store, "baseline").captures if c.kind == "artifact"]
    assert [(a.name, a.media_sha) for a in artifacts] == [("plots/confusion.txt", None)]
    assert artifacts[0].text.endswith("/plots/confusion.txt")

    # A like added in runnotes survives a re-import; nothing is duplicated.
    baseline = run_detail(store, "baseline").run
    local_run(store, baseline.id, baseline.name, source="hotkey").like("val_acc", 0.93)
    before = _capture_count(store)
    again = import_mlflow(store, mlflow_store.uri, use_client=mlflow_store.use_client)
    assert (again.created, again.updated) == (0, 3)
    assert _capture_count(store) == before
    assert len(list_runs(store, limit=None)) == 3
    assert any(c.liked for c in run_detail(store, "baseline").captures)

    # Export back to a fresh MLflow store: the same runs, as MLflow sees them.
    target = f"sqlite:///{tmp_path / 'exported.db'}"
    ids = [run_detail(store, name).run.id for name in mlflow_store.run_ids]
    exported = export_mlflow(store, target, ids)
    for (name, original), copy in zip(mlflow_store.run_ids.items(), exported, strict=True):
        want, got = _mlflow_view(mlflow_store.uri, original), _mlflow_view(target, copy)
        if name == "baseline":  # the like added in runnotes went along, as a value at step 0
            liked = [m for m in got["metrics"]["val_acc"] if m[:2] == (0, 0.93)]
            assert len(liked) == 1
            got["metrics"]["val_acc"].remove(liked[0])
        assert got == want


@pytest.mark.slow
def test_copy_artifacts_keeps_the_bytes(store, mlflow_db) -> None:
    import_mlflow(
        store, mlflow_db.uri, ["resnet"], copy_artifacts=True, use_client=mlflow_db.use_client
    )
    assert {r.name for r in list_runs(store)} == {"baseline", "lower-lr"}
    (artifact,) = [c for c in run_detail(store, "baseline").captures if c.kind == "artifact"]
    assert store.media.path(artifact.media_sha).read_text() == "tp fp\nfn tn\n"
    with store.read() as session:
        assert session.get(MediaFile, artifact.media_sha).original_name == "confusion.txt"


@pytest.mark.slow
def test_cli_import_and_missing_store(home: Path, mlflow_sqlite, tmp_path: Path) -> None:
    done = run_cli("import", "mlflow", "--tracking-uri", mlflow_sqlite.uri, "-e", "bert")
    assert "imported 1 runs" in done.stdout
    missing = tmp_path / "nowhere" / "mlflow.db"
    bad = run_cli("import", "mlflow", "--tracking-uri", f"sqlite:///{missing}", check=False)
    assert bad.returncode == 1
    assert (
        bad.stderr.strip() == f"runnotes: error: no MLflow tracking database at sqlite:///{missing}"
    )
    assert "Traceback" not in bad.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_text("not a database")
    bad = run_cli("import", "mlflow", "--tracking-uri", f"sqlite:///{garbage}", check=False)
    assert bad.stderr.strip() == (
        f"runnotes: error: MLflow store sqlite:///{garbage}: file is not a database"
    )
    bad = run_cli(
        "import", "mlflow", "--tracking-uri", mlflow_sqlite.uri, "-e", "nope", check=False
    )
    assert "no MLflow experiment named 'nope'" in bad.stderr
    listed = run_cli("runs", "list", "--json")
    assert '"warmup"' in listed.stdout and '"baseline"' not in listed.stdout


@pytest.mark.slow
def test_follow_attaches_captures_to_the_live_mlflow_run(store, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'live.db'}"
    client = _client(uri)
    exp = client.create_experiment("live", artifact_location=(tmp_path / "a").as_uri())
    live = client.create_run(exp, run_name="training-now")

    followed = follow_once(store, client, None)
    assert active_run_id(store) == followed
    with store.read() as session:
        assert session.get(Run, followed).source_id == f"mlflow:{live.info.run_id}"

    # A like from the hotkey (no runnotes run active) lands on the MLflow run.
    from runnotes.sdk import current_run

    current_run(store).like("val_acc", 0.91)
    client.set_terminated(live.info.run_id, "FINISHED")
    assert follow_once(store, client, followed) is None
    assert active_run_id(store) is None
    detail = run_detail(store, followed)
    assert detail.summary.status == "ok"
    assert detail.summary.metrics == {"val_acc": 0.91}

    # The next MLflow run is followed; the one before gets its final state when it ends.
    first = client.create_run(exp, run_name="first")
    first_id = follow_once(store, client, None)
    second = client.create_run(exp, run_name="second", start_time=first.info.start_time + 1)
    client.set_terminated(first.info.run_id, "FAILED")
    second_id = follow_once(store, client, first_id)
    assert second_id != first_id and active_run_id(store) == second_id
    assert run_detail(store, first_id).summary.status == "failed"
    client.set_terminated(second.info.run_id, "FINISHED")
    assert follow_once(store, client, second_id) is None

    # A runnotes run the user started wins over a live MLflow run.
    client.create_run(exp, run_name="another")
    mine = create_run(store, "mine")
    push_active(store, mine.id, "cli")
    assert follow_once(store, client, None) is None
    assert active_run_id(store) == mine.id


def _records(uri: str, *, use_client: bool) -> list:  # type: ignore[type-arg]
    """Both readers' records, NaN made comparable (NaN != NaN)."""
    records = read_records(uri, use_client=use_client)
    for record in records:
        record.metrics = [(k, "nan" if v != v else v, s, t) for k, v, s, t in record.metrics]
    return records


def _fill_edge_cases(uri: str, artifacts: Path) -> None:
    """What the client leaves out or changes: deleted runs and experiments, NaN values."""
    from mlflow.entities import Metric

    client = _client(uri)
    exp = client.create_experiment("edge", artifact_location=(artifacts / "edge").as_uri())
    nan_run = client.create_run(exp, run_name="with-nan", start_time=1_699_999_999_000)
    client.log_batch(
        nan_run.info.run_id,
        metrics=[Metric("loss", float("nan"), 1_700_000_000_001, 3), Metric("loss", 2.0, 1, 1)],
    )
    gone = client.create_run(exp, run_name="deleted-run")
    client.delete_run(gone.info.run_id)
    dropped = client.create_experiment("dropped", artifact_location=(artifacts / "d").as_uri())
    client.create_run(dropped, run_name="in-deleted-experiment")
    client.delete_experiment(dropped)


@pytest.mark.slow
def test_sql_reader_matches_the_client(mlflow_sqlite, tmp_path: Path) -> None:
    _fill_edge_cases(mlflow_sqlite.uri, tmp_path / "artifacts")
    by_sql = _records(mlflow_sqlite.uri, use_client=False)
    assert by_sql == _records(mlflow_sqlite.uri, use_client=True)
    assert [r.name for r in by_sql] == ["warmup", "lower-lr", "baseline", "with-nan"]
    assert by_sql[-1].metrics == [("loss", 2.0, 1, 0.001), ("loss", "nan", 3, 1_700_000_000.001)]


@pytest.mark.slow
@pytest.mark.postgres
def test_sql_reader_on_postgresql(mlflow_pg, tmp_path: Path) -> None:
    _fill_edge_cases(mlflow_pg.uri, tmp_path / "artifacts")
    by_sql = _records(mlflow_pg.uri, use_client=False)
    assert len(by_sql) == 4
    assert by_sql == _records(mlflow_pg.uri, use_client=True)


def test_not_an_mlflow_database(store, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'runnotes.db'}"
    create_engine(other).connect().exec_driver_sql("CREATE TABLE experiments (id INTEGER)")
    with pytest.raises(
        RunnotesError, match=r"not an MLflow tracking database \(no experiments\.experiment_id"
    ):
        import_mlflow(store, other)
