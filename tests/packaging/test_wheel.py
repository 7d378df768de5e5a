"""The package as a user gets it: sdist and wheel built, the wheel installed in a clean venv.

The venv gets the base dependencies only (no extras), so this also proves that a base install
runs the CLI, captures, the W&B-style calls, and says which extra a command needs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from runnotes import __version__

pytestmark = pytest.mark.slow

# The commands of each extra, run on a base install: (extra, argv, environment).
EXTRA_COMMANDS = [
    ("web", ["serve"], {}),
    ("voice", ["voice", "add", "TMP/audio.wav"], {}),
    ("voice", ["voice", "retry", "1"], {}),
    ("voice", ["voice", "record"], {}),
    ("screen", ["agent", "start"], {"DISPLAY": ":99"}),
    ("reports", ["drafts", "refresh"], {}),
    ("reports", ["report", "progress", "-o", "TMP/progress.docx"], {}),
    ("data", ["import", "parquet", "TMP/table.parquet"], {}),
    ("data", ["data", "TMP/table.parquet"], {}),
    ("imports", ["export", "mlflow", "--tracking-uri", "file:TMP/mlruns"], {}),
    ("postgres", ["runs", "list"], {"RUNNOTES_DB": "postgresql://u@127.0.0.1:1/db"}),
]


def _run(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_copy(target: Path) -> Path:
    """The checkout's files (tracked and new, not ignored): building writes ``*.egg-info`` into
    the source tree, which must not happen to the checkout the tests run from."""
    listed = _run("git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_wheel_installs_and_runs_in_a_clean_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from it: what PyPI would get, and what pip builds.
    _run(sys.executable, "-m", "build", "--outdir", dist, _source_copy(tmp_path / "src"))
    (sdist,) = dist.glob(f"runnotes-{__version__}.tar.gz")
    (wheel,) = dist.glob(f"runnotes-{__version__}-py3-none-any.whl")
    assert sdist.stat().st_size > 0
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "runnotes/store/migrations/versions/0001_initial_schema.py",
        "runnotes/web/static/favicon.ico",
        "runnotes/web/static/api-docs.js",
        "runnotes/web/templates/api_docs.html",
        "runnotes/reports/templates/readme.md.j2",
        "runnotes/extension/manifest.json",
        "runnotes/extension/adapters/tensorboard.js",
        "runnotes/extension/popup.css",
    ):
        assert data in names, data

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    home = {"RUNNOTES_HOME": str(tmp_path / "home"), "PYTHONPATH": ""}
    _run(bin_dir / "python", "-m", "pip", "install", "-q", wheel, env=home)
    # Nothing of this checkout may leak in: the installed copy is the one that runs.
    where = _run(bin_dir / "python", "-c", "import runnotes; print(runnotes.__file__)", env=home)
    assert where.startswith(str(env_dir))

    runnotes = bin_dir / "runnotes"
    assert _run(runnotes, "--version", env=home).strip() == f"runnotes {__version__}"
    assert "Usage: runnotes" in _run(runnotes, "--help", env=home)
    _run(runnotes, "run", "start", "first", "-e", "wheel", env=home)
    _run(runnotes, "like", "val_acc=0.93", env=home)
    _run(runnotes, "note", "installed from the wheel", env=home)
    _run(runnotes, "run", "end", env=home)
    script = "import runnotes as wandb\nwandb.init(project='p', config={'lr': 0.1})\n"
    script += "wandb.log({'loss': 0.5})\nwandb.finish()\n"
    _run(bin_dir / "python", "-c", script, env=home)
    runs = json.loads(_run(runnotes, "runs", "list", "--json", env=home))
    assert [(r["name"], r["status"]) for r in runs][-1] == ("first", "ok")
    assert runs[-1]["metrics"] == {"val_acc": 0.93} and runs[0]["params"] == {"lr": "0.1"}

    # Every command whose extra is not installed says which one, in one line (no traceback).
    (tmp_path / "audio.wav").write_bytes(b"")
    (tmp_path / "table.parquet").write_bytes(b"")
    for extra, args, env in EXTRA_COMMANDS:
        argv = [str(a).replace("TMP", str(tmp_path)) for a in args]
        done = subprocess.run(
            [runnotes, *argv],
            capture_output=True,
            text=True,
            env={**os.environ, **home, **env},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        # (stripped: a report's progress bar, shown after 1 s on a busy machine, ends with a
        # newline when stderr is not a terminal)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1, (argv, done.stderr)
        assert len(lines) == 1 and lines[0].startswith("runnotes: error: "), (argv, done.stderr)
        assert f"pip install 'runnotes[{extra}]'" in lines[0], (argv, done.stderr)

    # Every extra resolves against the index (pip's resolver, nothing installed).
    extras = "all,lightning,transformers,keras,xgboost,lightgbm,test"
    _run(
        bin_dir / "python",
        "-m",
        "pip",
        "install",
        "--dry-run",
        "-q",
        f"{wheel}[{extras}]",
        env=home,
    )
