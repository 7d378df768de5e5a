"""Real MLflow tracking stores (SQLite and folder) filled through MLflow's own client."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


@dataclass
class MlflowFixture:
    uri: str
    use_client: bool = False  # a database read through MLflow's client instead of with SQL
    run_ids: dict[str, str] = field(default_factory=dict)  # run name → MLflow run id


def fill_mlflow(uri: str, artifacts: Path, use_client: bool = False) -> MlflowFixture:
    """Two experiments, three runs: params, metric steps, tags, a note, git commit, an artifact."""
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    artifacts.mkdir(parents=True, exist_ok=True)
    made = MlflowFixture(uri, use_client)
    base = 1_700_000_000_000
    specs = [
        ("resnet", "baseline", "FINISHED", {"lr": "0.001", "optimizer": "adam"}, 0.1),
        ("resnet", "lower-lr", "FAILED", {"lr": "0.0003", "optimizer": "adam"}, 0.2),
        ("bert", "warmup", "FINISHED", {"lr": "5e-5", "warmup": "500"}, 0.3),
    ]
    experiments: dict[str, str] = {}
    for i, (exp, name, status, params, offset) in enumerate(specs):
        if exp not in experiments:
            experiments[exp] = client.create_experiment(
                exp, artifact_location=(artifacts / exp).as_uri()
            )
        tags = {
            "team": "vision",
            "mlflow.source.git.commit": f"{i}abc123def",
            "mlflow.note.content": f"{name}: why this run exists",
        }
        run = client.create_run(
            experiments[exp], run_name=name, tags=tags, start_time=base + i * 60_000
        )
        rid = run.info.run_id
        metrics = [
            Metric("loss", 1 / (s + 1) + offset, base + i * 60_000 + s * 1000, s) for s in range(25)
        ]
        metrics += [
            Metric("val_acc", 0.5 + s / 100 + offset, base + i * 60_000 + s * 5000, s * 5)
            for s in range(5)
        ]
        client.log_batch(rid, metrics=metrics, params=[Param(k, v) for k, v in params.items()])
        if i == 0:
            artifact = artifacts / "confusion.txt"
            artifact.write_text("tp fp\nfn tn\n")
            client.log_artifact(rid, str(artifact), "plots")
        client.set_terminated(rid, status, end_time=base + i * 60_000 + 50_000)
        made.run_ids[name] = rid
    return made


@pytest.fixture(params=["sqlite-sql", "sqlite-client", "folder"])
def mlflow_store(request: pytest.FixtureRequest, tmp_path: Path) -> MlflowFixture:
    """The same runs in a database (read with SQL, or through the client) and in a folder."""
    uri = (
        (tmp_path / "mlruns").as_uri()
        if request.param == "folder"
        else f"sqlite:///{tmp_path / 'mlflow.db'}"
    )
    return fill_mlflow(uri, tmp_path / "artifacts", use_client=request.param == "sqlite-client")


@pytest.fixture(params=["sql", "client"])
def mlflow_db(request: pytest.FixtureRequest, tmp_path: Path) -> MlflowFixture:
    """An SQLite tracking database, read with SQL or through MLflow's client."""
    return fill_mlflow(
        f"sqlite:///{tmp_path / 'mlflow.db'}",
        tmp_path / "artifacts",
        use_client=request.param == "client",
    )


@pytest.fixture
def mlflow_sqlite(tmp_path: Path) -> MlflowFixture:
    return fill_mlflow(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")


@pytest.fixture
def mlflow_pg(pg_url: str, tmp_path: Path) -> MlflowFixture:
    """The same runs in an MLflow tracking database on PostgreSQL."""
    return fill_mlflow(pg_url, tmp_path / "artifacts")
