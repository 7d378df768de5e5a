"""The store on real SQLite files: permissions, WAL, migrations, runs, context, filters."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

import runnotes
from runnotes.errors import RunnotesError
from runnotes.store import Store, open_store
from runnotes.store.queries import RunFilter, compare_runs, count_runs, list_runs, run_detail
from runnotes.store.runs import active_run_id, end_run, target_run_id


def test_store_files_are_private_and_in_wal_mode(store: Store, home: Path) -> None:
    with runnotes.start_run("r", store=store) as run:
        run.note("secret")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "runnotes.db").stat().st_mode) == 0o600
    media = home / "media"
    assert stat.S_IMODE(media.stat().st_mode) == 0o700
    for path in media.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) in (0o600, 0o700), path
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_reopening_a_migrated_store_keeps_data(store: Store) -> None:
    with runnotes.start_run("kept", store=store) as run:
        run.log_param("lr", 0.01)
    again = open_store(store.settings)
    assert [r.name for r in list_runs(again)] == ["kept"]
    again.close()


def _git_repo(path: Path) -> Path:
    path.mkdir()
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.email", "t@example.com"],
        ["config", "user.name", "T"],
    ):
        subprocess.run(["git", *args], cwd=path, check=True)
    (path / "train.py").write_text("lr = 0.1\n")
    subprocess.run(["git", "add", "."], cwd=path, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True)
    (path / "train.py").write_text("lr = 0.01\n")
    return path


def test_run_records_git_state_command_and_environment(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    with runnotes.start_run("ctx", store=store, command=["python", "train.py"]) as run:
        pass
    row = run_detail(store, run.id).run
    assert row.git_branch == "main" and row.git_dirty is True and len(row.git_commit or "") == 40
    diff = store.media.path(row.git_diff_sha or "").read_text()
    assert "+lr = 0.01" in diff
    assert row.command == "python train.py" and row.cwd == str(repo)
    assert row.python_version and row.host
    packages = store.media.path(row.packages_sha or "").read_text()
    assert '"sqlmodel"' in packages
    assert row.status == "ok" and row.ended_at is not None and row.exit_code == 0


def test_failed_run_is_marked_failed(store: Store) -> None:
    with pytest.raises(ValueError), runnotes.start_run("boom", store=store):
        raise ValueError("diverged")
    assert list_runs(store)[0].status == "failed"


def test_capture_without_active_run_goes_to_dated_auto_run(store: Store) -> None:
    assert active_run_id(store) is None
    first = target_run_id(store)
    assert target_run_id(store) == first
    summary = list_runs(store)[0]
    assert summary.name.startswith("auto-") and summary.experiment == "unsorted"


def test_active_run_follows_start_and_end(store: Store) -> None:
    run = runnotes.start_run("active", store=store)
    assert active_run_id(store) == run.id
    run.end()
    assert active_run_id(store) is None


def _three_runs(store: Store) -> list[int]:
    ids = []
    for name, lr, acc, opt in (
        ("a", 0.1, 0.80, "sgd"),
        ("b", 0.001, 0.93, "adam"),
        ("c", 0.003, 0.95, "adam"),
    ):
        with runnotes.start_run(name, experiment="sweep", tags=["sweep", name], store=store) as run:
            run.log_params({"lr": lr, "optimizer": opt})
            for step in range(3):
                run.log_metric("val_acc", acc - 0.1 * (2 - step), step)
            run.note(f"tried {opt}")
        ids.append(run.id)
    return ids


def test_where_filter_uses_latest_metric_and_params(store: Store) -> None:
    _three_runs(store)
    names = lambda **kw: [r.name for r in list_runs(store, RunFilter(**kw))]  # noqa: E731
    assert names(where="metrics.val_acc > 0.9 and params.lr < 0.01") == ["c", "b"]
    assert names(where='params.optimizer == "sgd" or metrics.val_acc >= 0.95') == ["c", "a"]
    assert names(where="not metrics.val_acc > 0.9") == ["a"]
    assert names(where='metrics["val_acc"] > 0.94') == ["c"]
    assert names(tags=["b"]) == ["b"]
    assert names(search="adam") == ["c", "b"]
    assert count_runs(store, RunFilter(where="metrics.val_acc > 0.9")) == 2


@pytest.mark.parametrize(
    "bad",
    [
        "metrics.val_acc >",
        "os.system('x')",
        "metrics.val_acc > 'high'",
        "metrics.a > metrics.b",
        "val_acc > 0.9",
    ],
)
def test_malformed_where_is_a_clear_error(store: Store, bad: str) -> None:
    with pytest.raises(RunnotesError, match="malformed --where"):
        list_runs(store, RunFilter(where=bad))


def test_compare_marks_differences(store: Store) -> None:
    a, b, _ = _three_runs(store)
    cmp = compare_runs(store, [str(a), "b"])
    assert cmp.params["lr"] == ["0.1", "0.001"]
    assert cmp.differs(cmp.metrics["val_acc"])
    with pytest.raises(RunnotesError, match="no run 'nope'"):
        compare_runs(store, [str(a), "nope"])


def test_dataset_change_is_reported_and_recorded(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n" + "1,2\n" * 1204)
    with runnotes.start_run("first", experiment="e", store=store) as run:
        fp = run.dataset(data)
    assert (fp.rows, fp.columns, fp.column_names) == (1204, 2, ["x", "y"])
    data.write_text("x,y\n" + "1,2\n" * 1317)
    with runnotes.start_run("second", experiment="e", store=store) as run:
        run.dataset(data)
    message = f"data changed since run {run.id - 1} (first): 1 204 → 1 317 rows"
    assert message in capsys.readouterr().err
    notes = [c.text for c in run_detail(store, run.id).captures if c.kind == "note"]
    assert notes == [message]


def test_a_missing_row_is_named(store: Store) -> None:
    with pytest.raises(RunnotesError, match="no run with id 999"):
        end_run(store, 999)
