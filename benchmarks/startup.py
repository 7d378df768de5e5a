"""Start-up of the CLI as a whole process, beside ``mlflow --help``'s, in one run.

A script that calls the CLI in a loop (``for f in *.csv; do runnotes data "$f"; done``) pays the
start-up of each call: Python, the imports, opening the store, the command. Timed farm-style:
each round runs every command once, in a shuffled order, so a change of the machine's load
falls on all of them alike; the figures are the median and p90 of the wall time per command,
with the median CPU time (user + system) of the process, which a busy machine inflates less.
The capture commands write to a store made (and migrated) before the first round, as a user's
is, and Python's bytecode is cached as an installed package's is (``PYTHONDONTWRITEBYTECODE``,
set in some shells, is dropped: with it every call of a source checkout recompiles the package,
~0.1 s of CPU). Printed: each command's figures, its ratio to ``mlflow --help``, and the load
average before and after.

Target (issues #27, #28): ``runnotes note "x"`` ≤ 0.3 s median on a quiet machine.
``note --run 1`` shows what a capture command costs when it goes through typer and the ORM.

    PYTHONPATH=src .venv/bin/python benchmarks/startup.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _runnotes(*args: str) -> list[str]:
    return [sys.executable, "-m", "runnotes", *args]


COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "runnotes --version": _runnotes("--version"),
    'runnotes note "x"': _runnotes("note", "x"),
    "runnotes like val_acc=0.9": _runnotes("like", "val_acc=0.9"),
    # An option: the call goes through typer (its pydantic validators) and the run is resolved
    # by name or id through the ORM; the lines above take the lean path (runnotes.cli.quick).
    'runnotes note --run 1 "x"': _runnotes("note", "--run", "1", "x"),
    "mlflow --help": [str(BIN / "mlflow"), "--help"],
}
PEER = "mlflow --help"


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process) for one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a source tree of another version (e.g. `git archive main | tar -x -C DIR`): its "
        "note and like are timed in the same rounds, with DIR/src on PYTHONPATH",
    )
    args = parser.parse_args()
    commands = dict(COMMANDS)
    baseline = {}
    if args.baseline:
        for name in ('runnotes note "x"', "runnotes like val_acc=0.9"):
            commands[f"baseline: {name.removeprefix('runnotes ')}"] = COMMANDS[name]
            baseline[f"baseline: {name.removeprefix('runnotes ')}"] = str(args.baseline / "src")
    if not shutil.which(commands[PEER][0]):
        print(f"startup: {commands[PEER][0]} not found: the peer is left out", file=sys.stderr)
        del commands[PEER]
    home = Path(tempfile.mkdtemp(prefix="runnotes-startup-"))
    env = {**os.environ, "RUNNOTES_HOME": str(home)}
    for var in (
        "RUNNOTES_DB",
        "RUNNOTES_SERVER",
        "RUNNOTES_TOKEN",
        "RUNNOTES_MEDIA",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(var, None)
    try:
        envs = {
            name: {**env, "PYTHONPATH": baseline[name]} if name in baseline else env
            for name in commands
        }
        for name, command in commands.items():  # the store made and migrated, files cached
            _timed(command, envs[name])
        print(f"load average before: {_load()}")
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for _ in range(args.rounds):
            random.shuffle(names)
            for name in names:
                wall, cpu = _timed(commands[name], envs[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"load average after:  {_load()}   ({args.rounds} rounds, farm-style)")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    peer = statistics.median(walls[PEER]) if PEER in walls else None
    print(f"{'command':<30} {'median s':>9} {'p90 s':>7} {'CPU s':>7} {'vs mlflow':>10}")
    for name in commands:
        median = statistics.median(walls[name])
        p90 = statistics.quantiles(walls[name], n=10)[-1]
        ratio = f"{median / peer:.2f}×" if peer else "-"
        cpu = statistics.median(cpus[name])
        print(f"{name:<30} {median:>9.3f} {p90:>7.3f} {cpu:>7.3f} {ratio:>10}")


if __name__ == "__main__":
    main()
