"""MLflow both ways: import runs, export runs, follow the live run.

A run imported from MLflow is ``Run.source_id = "mlflow:<run id>"``; importing again refreshes it
(new metric steps, a changed note, the final status) without touching the likes, voice notes and
screenshots people attached to it in runnotes. A tracking database is imported with SQL
(:mod:`runnotes.interop.mlflow_sql`); everything else goes through MLflow's own client.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from runnotes.errors import RunnotesError
from runnotes.interop.bulk import ImportedFile, ImportedRun, ImportResult, write_runs
from runnotes.interop.mlflow_sql import RunRecord, is_database_uri, read_database
from runnotes.store.db import Store
from runnotes.store.models import Run
from runnotes.store.queries import run_detail
from runnotes.store.runs import active_run_id, push_active, remove_active

if TYPE_CHECKING:
    from mlflow.entities import Run as MlflowRun
    from mlflow.store.artifact.artifact_repository import ArtifactRepository
    from mlflow.tracking import MlflowClient

NOTE_TAG = "mlflow.note.content"
GIT_TAG = "mlflow.source.git.commit"
SOURCE_TAG = "mlflow.source.name"
RUN_NAME_TAG = "mlflow.runName"
STATUS_IN = {
    "FINISHED": "ok",
    "FAILED": "failed",
    "KILLED": "killed",
    "RUNNING": "running",
    "SCHEDULED": "running",
}
STATUS_OUT = {"ok": "FINISHED", "failed": "FAILED", "killed": "KILLED", "running": "RUNNING"}
BATCH = 1000  # MLflow's log_batch limit on metrics per call
PARAM_BATCH = 100  # … and on params per call
HTTP_LIMITS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
}


def check_tracking_uri(uri: str) -> None:
    """Refuse a local tracking store that does not exist (MLflow would silently create one)."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        path = Path(uri.split(":///", 1)[-1]) if ":///" in uri else None
        if path is None or not path.is_file():
            raise RunnotesError(f"no MLflow tracking database at {uri}")
    elif parsed.scheme in ("", "file"):
        path = Path(parsed.path if parsed.scheme == "file" else uri).expanduser()
        if not path.is_dir():
            raise RunnotesError(f"no MLflow tracking folder at {uri}")


def client_for(uri: str, *, must_exist: bool = True) -> MlflowClient:
    if must_exist:
        check_tracking_uri(uri)
    scheme = urlparse(uri).scheme
    if scheme in ("", "file"):
        # MLflow 3 refuses its own folder store unless asked; reading existing folders is our job.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    elif scheme in ("http", "https"):
        # MLflow retries a server that does not answer 7 times with growing pauses (minutes of
        # silence); one retry and a 10 s timeout give a one-line error soon (env still wins).
        for name, value in HTTP_LIMITS.items():
            os.environ.setdefault(name, value)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


@contextmanager
def _mlflow_errors(uri: str) -> Iterator[None]:
    """Turn MLflow's (and its database's) exceptions into one-line errors naming the store.

    MLflow is imported only if it already was: reading a tracking database with SQL never
    needs it, and importing it costs seconds."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        raise RunnotesError(f"MLflow store {uri}: {str(exc.orig).splitlines()[0]}") from exc
    except Exception as exc:
        if "mlflow.exceptions" in sys.modules:
            from mlflow.exceptions import MlflowException

            if isinstance(exc, MlflowException):
                message = str(exc.message).splitlines()[0]
                raise RunnotesError(f"MLflow store {uri}: {message}") from exc
        raise


# -- import -----------------------------------------------------------------------------------


def _experiment_ids(client: MlflowClient, names: Sequence[str]) -> dict[str, str]:
    if not names:
        return {e.experiment_id: e.name for e in client.search_experiments()}
    found = {}
    for name in names:
        exp = client.get_experiment_by_name(name)
        if exp is None:
            raise RunnotesError(f"no MLflow experiment named {name!r}")
        found[exp.experiment_id] = exp.name
    return found


def _search(client: MlflowClient, experiment_ids: list[str], **kwargs: Any) -> Iterator[MlflowRun]:
    token = None
    while True:
        page = client.search_runs(experiment_ids, max_results=1000, page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


def _artifacts(
    repo: ArtifactRepository, base_uri: str, copy: bool, path: str | None = None
) -> list[ImportedFile]:
    files = []
    for info in repo.list_artifacts(path):
        if info.is_dir:
            files += _artifacts(repo, base_uri, copy, info.path)
            continue
        data = None
        if copy:
            with tempfile.TemporaryDirectory() as tmp:
                data = Path(repo.download_artifacts(info.path, tmp)).read_bytes()
        files.append(
            ImportedFile(
                path=info.path, uri=f"{base_uri}/{info.path}", size=info.file_size, data=data
            )
        )
    return files


def _local_artifacts(root: Path, base_uri: str, copy: bool, path: str = "") -> list[ImportedFile]:
    """What :func:`_artifacts` lists for a local artifact folder, without importing MLflow
    (seconds on a loaded machine): the same relative paths, sizes and order (sorted by path)."""
    files = []
    folder = root / path if path else root
    entries = sorted(folder.iterdir(), key=lambda e: e.name) if folder.is_dir() else []
    for entry in entries:
        rel = f"{path}/{entry.name}" if path else entry.name
        if entry.is_dir():
            files += _local_artifacts(root, base_uri, copy, rel)
            continue
        data = entry.read_bytes() if copy else None
        files.append(
            ImportedFile(path=rel, uri=f"{base_uri}/{rel}", size=entry.stat().st_size, data=data)
        )
    return files


def _run_artifacts(uri: str, tracking_uri: str, copy: bool) -> list[ImportedFile]:
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file") and not parsed.netloc:
        return _local_artifacts(Path(url2pathname(parsed.path)), uri, copy)
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    return _artifacts(get_artifact_repository(uri, tracking_uri=tracking_uri), uri, copy)


def client_record(client: MlflowClient, run: MlflowRun, experiment: str) -> RunRecord:
    """A run as MLflow's client reports it: one ``get_metric_history`` call per metric."""
    info = run.info
    return RunRecord(
        run_id=info.run_id,
        name=info.run_name,
        experiment=experiment,
        status=info.status,
        start_ms=info.start_time,
        end_ms=info.end_time,
        artifact_uri=info.artifact_uri,
        tags=dict(run.data.tags),
        params=dict(run.data.params),
        metrics=[
            (m.key, m.value, m.step, m.timestamp / 1000)
            for key in run.data.metrics
            for m in client.get_metric_history(info.run_id, key)
        ],
    )


def imported_run(
    record: RunRecord,
    tracking_uri: str,
    *,
    project: str | None = None,
    copy_artifacts: bool = False,
) -> ImportedRun:
    """The runnotes view of an MLflow run, however it was read (client or SQL)."""
    tags = record.tags
    return ImportedRun(
        source_id=f"mlflow:{record.run_id}",
        name=record.name or tags.get(RUN_NAME_TAG) or record.run_id,
        experiment=record.experiment,
        project=project,
        status=STATUS_IN.get(record.status, "ok"),
        started_at=record.start_ms / 1000,
        ended_at=record.end_ms / 1000 if record.end_ms else None,
        fields={"git_commit": tags.get(GIT_TAG), "command": tags.get(SOURCE_TAG)},
        tags=[
            f"{k}={v}" if v else k
            for k, v in sorted(tags.items())
            if not k.startswith(("mlflow.", "runnotes."))
        ],
        params=record.params,
        metrics=record.metrics,  # type: ignore[arg-type]
        notes=[tags[NOTE_TAG]] if tags.get(NOTE_TAG) else [],
        artifacts=_run_artifacts(record.artifact_uri, tracking_uri, copy_artifacts),
    )


def read_records(
    uri: str, experiments: Sequence[str] = (), *, use_client: bool = False
) -> list[RunRecord]:
    """A tracking database is read with SQL (fast); folders, servers or ``use_client`` through
    MLflow's client. Both give the same records."""
    check_tracking_uri(uri)
    if is_database_uri(uri) and not use_client:
        return read_database(uri, experiments)
    client = client_for(uri, must_exist=False)
    names = _experiment_ids(client, experiments)
    return [
        client_record(client, run, names[run.info.experiment_id])
        for run in _search(client, list(names))
    ]


def read_mlflow(
    uri: str,
    experiments: Sequence[str] = (),
    *,
    project: str | None = None,
    copy_artifacts: bool = False,
    use_client: bool = False,
) -> list[ImportedRun]:
    with _mlflow_errors(uri):
        return [
            imported_run(record, uri, project=project, copy_artifacts=copy_artifacts)
            for record in read_records(uri, experiments, use_client=use_client)
        ]


def import_mlflow(
    store: Store,
    uri: str,
    experiments: Sequence[str] = (),
    *,
    project: str | None = None,
    copy_artifacts: bool = False,
    use_client: bool = False,
) -> ImportResult:
    """Read every run of the tracking store (or of the named experiments), then store them."""
    runs = read_mlflow(
        uri, experiments, project=project, copy_artifacts=copy_artifacts, use_client=use_client
    )
    return write_runs(store, runs)


# -- export -----------------------------------------------------------------------------------


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def export_run(client: MlflowClient, store: Store, run_id: int) -> str:
    """Write one runnotes run to MLflow; returns the new MLflow run id."""
    from mlflow.entities import Metric, Param

    detail = run_detail(store, run_id)
    s, run = detail.summary, detail.run
    exp = client.get_experiment_by_name(s.experiment)
    exp_id = exp.experiment_id if exp else client.create_experiment(s.experiment)
    tags = dict(tag.split("=", 1) if "=" in tag else (tag, "") for tag in s.tags)  # type: ignore[misc]
    notes = [c.text for c in detail.captures if c.kind == "note" and c.text]
    if notes:
        tags[NOTE_TAG] = "\n\n".join(notes)
    if run.git_commit:
        tags[GIT_TAG] = run.git_commit
    if run.command:
        tags[SOURCE_TAG] = run.command
    tags["runnotes.run_id"] = str(s.id)
    created = client.create_run(
        exp_id, start_time=round(s.started_at * 1000), tags=tags, run_name=s.name
    )
    mlflow_id = created.info.run_id
    params = [Param(k, str(v)) for k, v in s.params.items()]
    metrics = [
        Metric(c.name, c.value, round(c.timestamp * 1000), c.step or 0)
        for c in detail.captures
        if c.kind == "metric" and c.name and c.value is not None
    ]
    for chunk in _chunks(params, PARAM_BATCH):
        client.log_batch(mlflow_id, params=chunk)
    for chunk in _chunks(metrics, BATCH):
        client.log_batch(mlflow_id, metrics=chunk)
    if s.status != "running":
        client.set_terminated(
            mlflow_id,
            STATUS_OUT.get(s.status, "FINISHED"),
            round(s.ended_at * 1000) if s.ended_at else None,
        )
    return mlflow_id


def export_mlflow(store: Store, uri: str, run_ids: Sequence[int]) -> list[str]:
    """Export runs to the tracking store at ``uri`` (created if it is new)."""
    with _mlflow_errors(uri):
        client = client_for(uri, must_exist=False)
        return [export_run(client, store, run_id) for run_id in run_ids]


# -- follow: attach captures to the MLflow run that is running now ------------------------------


def live_run(client: MlflowClient) -> MlflowRun | None:
    """The most recently started RUNNING run across all experiments, if any."""
    ids = [e.experiment_id for e in client.search_experiments()]
    if not ids:
        return None
    runs = client.search_runs(
        ids,
        filter_string="attributes.status = 'RUNNING'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0] if runs else None


def follow_once(store: Store, client: MlflowClient, followed: int | None) -> int | None:
    """One poll: import the live MLflow run and make it the active run, unless a runnotes run of
    its own is active. Returns the runnotes id of the run being followed (None when there is none).
    """
    active = active_run_id(store)
    if active is not None and active != followed:
        return followed  # someone started a runnotes run: it wins
    live = live_run(client)
    run_id = _store_run(store, client, live) if live is not None else None
    if followed is not None and followed != run_id:
        _refresh(store, client, followed)  # it ended: take its final status and values
        remove_active(store, followed)
    if run_id is not None and active != run_id:
        push_active(store, run_id, "follow")
    return run_id


def _store_run(store: Store, client: MlflowClient, run: MlflowRun) -> int:
    experiment = client.get_experiment(run.info.experiment_id).name
    record = client_record(client, run, experiment)
    (run_id,) = write_runs(store, [imported_run(record, client.tracking_uri)]).run_ids
    return run_id


def _refresh(store: Store, client: MlflowClient, run_id: int) -> None:
    with store.read() as session:
        source_id = session.get(Run, run_id).source_id  # type: ignore[union-attr]
    _store_run(store, client, client.get_run(source_id.removeprefix("mlflow:")))  # type: ignore[union-attr]


def follow(
    store: Store,
    uri: str,
    *,
    interval: float = 5.0,
    once: bool = False,
    report: Callable[[str], None] = print,
) -> None:
    """Poll the tracking store until interrupted; with ``once``, poll a single time."""
    followed: int | None = None
    with _mlflow_errors(uri):
        client = client_for(uri)
        while True:
            now = follow_once(store, client, followed)
            if now != followed:
                report(f"following run {now}" if now is not None else "no MLflow run is running")
            followed = now
            if once:
                return
            time.sleep(interval)
