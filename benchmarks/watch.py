"""``runnotes watch`` against the command alone, on 64 MB of output: one line, and many lines.

The command is a Python script that writes its output in 64 KiB writes and records, itself, how
long it took and its longest single write (a write waits when nobody drains the pipe: that is
the command being blocked). It runs alone (output to /dev/null) and under ``watch`` (watch's own
output to /dev/null), as fast as it can write and paced over ``--pace`` seconds (a training run
prints while it computes). "Many lines" are metric lines (``step N loss=… acc=… lr=3e-4``,
every one a metric line: the parser's worst case), the last one ``val_acc=0.9321``, which must
be stored. Printed side by side: the command's own time and longest write, watch's wall time,
the ratio, the ratio less watch's fixed cost (``watch -- echo loss=1``: start-up, opening the
store, the reader process's start-up, ending the run), the bytes not read for metrics, the
``loss`` values stored against the metric lines written (every one stored once: equal) and
whether the last value was stored. watch's
wall time includes its wait for the reader process after the command (at most a second or a
tenth of the command's time); "stored s" is the time from watch's start until the reader, in
the background when watch stopped waiting, has stored the last value and removed its spool.

Targets (issue #31): the command never blocked more than 100 ms; watch ≤ 1.2× the command.

    .venv/bin/python benchmarks/watch.py [--mb 64] [--pace 8] [--only oneline|lines]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CHILD = """
    import json, sys, time
    mode, mb, pace, stats = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    size, out = 65536, sys.stdout.buffer
    if mode == "oneline":
        chunk = b"x" * size
    else:
        lines, n = [], 0
        while n < size:
            i = len(lines)
            line = b"step %d loss=%.4f acc=%.4f lr=3e-4\\n" % (i, 1 / (i + 1), 0.5)
            lines.append(line)
            n += len(line)
        chunk = b"".join(lines)[:size]
        chunk = chunk[: chunk.rindex(b"\\n") + 1]
    count = (mb << 20) // len(chunk)
    written = 0 if mode == "oneline" else count * chunk.count(b"\\n")
    started = time.perf_counter()
    worst = 0.0
    for i in range(count):
        if pace:
            time.sleep(max(0.0, started + pace * i / count - time.perf_counter()))
        before = time.perf_counter()
        out.write(chunk)
        out.flush()
        worst = max(worst, time.perf_counter() - before)
    out.write(b"\\nval_acc=0.9321\\n")
    out.flush()
    elapsed = time.perf_counter() - started
    json.dump({"elapsed": elapsed, "worst_write": worst, "lines": written}, open(stats, "w"))
"""


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time of ``argv`` with its output read by ``cat`` (a pipe, as a terminal or a log
    collector reads it), and its stderr."""
    started = time.perf_counter()
    command = " ".join(f"'{a}'" for a in argv) + " | cat > /dev/null"
    done = subprocess.run(
        command, shell=True, stderr=subprocess.PIPE, env=env, text=True, check=True
    )
    return time.perf_counter() - started, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64)
    parser.add_argument("--pace", type=float, default=8.0, help="seconds for the paced runs")
    parser.add_argument("--only", choices=("oneline", "lines"), help="one kind of output only")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        child = work / "child.py"
        child.write_text(textwrap.dedent(CHILD))
        stats = work / "stats.json"
        env = {
            **os.environ,
            "RUNNOTES_HOME": str(work / "home"),
            "PYTHONPATH": str(root / "src"),
        }
        watch = [sys.executable, "-m", "runnotes", "watch", "--"]
        bare = min(_timed([*watch, "true"], env)[0] for _ in range(3))
        fixed = min(_timed([*watch, "echo", "loss=1"], env)[0] for _ in range(3))
        _read_to_the_end(work / "home")
        print(
            f"watch -- echo loss=1 (fixed cost): {fixed:.2f} s (watch -- true: {bare:.2f} s); "
            f"load {_load()}"
        )
        header = (
            f"{'output':<18}{'alone s':>8}{'watch s':>8}{'ratio':>6}{'-fixed':>7}"
            f"{'cmd s':>7}{'cmd/alone':>10}{'worst write ms alone/watch':>28}"
            f"{'stored s':>9}{'unread MB':>10}{'values stored/lines':>21}{'last':>5}"
        )
        print(header)
        for pace in (0.0, args.pace):
            for mode in [args.only] if args.only else ["oneline", "lines"]:
                command = [sys.executable, str(child), mode, str(args.mb), str(pace), str(stats)]
                alone, _ = _timed(command, env)
                alone_child = json.loads(stats.read_text())
                began = time.perf_counter()
                wall, err = _timed([*watch, *command], env)
                under = json.loads(stats.read_text())
                _read_to_the_end(work / "home")
                stored_s = time.perf_counter() - began
                unread = re.search(r"(\d+) bytes of output were not read", err)
                values, last = _stored(env)
                name = f"{mode}{f' paced {pace:.0f} s' if pace else ''}"
                worst = (
                    f"{alone_child['worst_write'] * 1000:.0f} / {under['worst_write'] * 1000:.0f}"
                )
                stored = f"{values} / {under['lines']}"
                print(
                    f"{name:<18}{alone:>8.2f}{wall:>8.2f}{wall / alone:>6.2f}"
                    f"{(wall - fixed) / alone:>7.2f}{under['elapsed']:>7.2f}"
                    f"{under['elapsed'] / alone_child['elapsed']:>10.2f}{worst:>28}{stored_s:>9.2f}"
                    f"{int(unread.group(1)) / 2**20 if unread else 0:>10.1f}{stored:>21}"
                    f"{'yes' if last else 'NO':>5}",
                    flush=True,
                )
        print(f"load after: {_load()}")


STORED = """
import json
from sqlalchemy import text
from runnotes.config import load_settings
from runnotes.store import open_store
from runnotes.store.queries import list_runs
store = open_store(load_settings())
run = list_runs(store)[0]
with store.read() as session:
    count = session.execute(text(
        "SELECT count(*) FROM series_point p JOIN series_name n ON n.id = p.name_id"
        " WHERE p.run_id = :run AND n.name = 'loss'"), {"run": run.id}).scalar_one()
print(json.dumps([count, run.metrics.get("val_acc")]))
"""


def _read_to_the_end(home: Path) -> None:
    """Waits until watch's reader, in the background, has read every spool to its end."""
    while list((home / "spool").glob("*.spool")):
        time.sleep(0.05)


def _stored(env: dict[str, str]) -> tuple[int, bool]:
    """The newest run's count of ``loss`` values (one a metric line), and whether it stored
    the command's last value."""
    done = subprocess.run(
        [sys.executable, "-c", STORED], capture_output=True, text=True, env=env, check=True
    )
    count, last = json.loads(done.stdout)
    return count, last == 0.9321


def _load() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


if __name__ == "__main__":
    main()
