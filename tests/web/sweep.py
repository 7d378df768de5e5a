"""A sweep of real runs for the lineage tests: the bundled training script under `runnotes watch`.

In a fresh git repository (a clean commit, so "same command and commit" means something), with
the data and the checkpoints outside it: a baseline that saves its weights, two forks of it
given with ``--from``, a run that resumes from the baseline's weights (linked by inference),
then the data file grows and the first fork's exact command runs again (a rerun, inferred, with
the data change on its edge).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from runnotes.config import load_settings
from runnotes.store import open_store
from runnotes.store.models import Review
from runnotes.store.queries import resolve_run
from runnotes.store.runs import NewCapture, add_captures

GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]


@dataclass
class Sweep:
    home: Path
    repo: Path
    work: Path
    data: Path


def _run(args: list[str], cwd: Path, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNOTES_")}
    env |= {"RUNNOTES_HOME": str(home), "RUNNOTES_DRAFTS_AUTO": "false"}
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    return done.stdout + done.stderr


def build_sweep(root: Path) -> Sweep:
    home, repo, work = root / "home", root / "repo", root / "work"
    for folder in (home, repo, work):
        folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "README").write_text("the sweep's code\n")
    subprocess.run([*GIT, "add", "README"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "start"], cwd=repo, check=True)
    data = work / "digits.csv"
    py = sys.executable
    rn = [py, "-m", "runnotes"]
    train = [py, "-m", "runnotes.samples.train_digits", "--data", str(data), "--epochs", "4"]

    def watch(name: str, *args: str, lineage: tuple[str, ...] = ()) -> None:
        command = [*rn, "watch", "-e", "digits", "--name", name, *lineage, "--data", str(data)]
        _run([*command, "--", *train, *args], repo, home)

    def add_note(run: str, text: str) -> None:  # as `runnotes note` stores it, without a process
        store = open_store(load_settings(home))
        try:
            with store.read() as session:
                run_id = resolve_run(session, run).id
            note = NewCapture(kind="note", source="cli", text=text, review=Review.approved)
            add_captures(store, run_id, [note])
        finally:
            store.close()

    _run([py, "-m", "runnotes.samples.make_digits", str(data), "--rows", "1500"], repo, home)
    watch("base", "--lr", "0.001", "--save", str(work / "base.npz"))
    add_note("base", "baseline with a small learning rate, still climbing at the end")
    watch("higher-lr", "--lr", "0.01", lineage=("--from", "base", "--how", "fork"))
    add_note("higher-lr", "raised the learning rate because the baseline converged too slowly")
    watch("strong-alpha", "--lr", "0.001", "--alpha", "0.01", lineage=("--from", "base"))
    watch("resumed", "--lr", "0.001", "--resume", str(work / "base.npz"))
    _run([py, "-m", "runnotes.samples.make_digits", str(data)], repo, home)  # all 1 797 rows
    watch("more-data", "--lr", "0.01")
    add_note("more-data", "same settings as higher-lr on the full digits file")
    return Sweep(home, repo, work, data)


def cli(sweep: Sweep, *args: str) -> str:
    return _run([sys.executable, "-m", "runnotes", *args], sweep.repo, sweep.home)
