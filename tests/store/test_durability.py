"""Many writers at once, and a writer killed mid-stream: nothing acknowledged is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from runnotes.store import Capture, Store
from runnotes.store.models import SeriesPoint

WRITER = """
    import sys, runnotes
    worker = int(sys.argv[1])
    with runnotes.start_run(f"writer-{worker}", experiment="concurrency") as run:
        for i in range(500):                      # 500 notes, one transaction each
            run.note(f"note {worker}-{i}")
        for batch in range(20):                   # 2 000 metric values, flushed in batches
            for i in range(100):
                run.log_metric("loss", 1.0 / (i + 1), step=batch * 100 + i)
            run.flush()
    print("done", flush=True)
"""

ACKER = """
    import sys, runnotes
    run = runnotes.start_run("victim", experiment="durability")
    for i in range(100000):
        if i % 2:
            run.like("val_acc", i)
        else:
            run.log_metric("loss", float(i), step=i)
            run.flush()
        print(f"ack {i + 1}", flush=True)
"""


def _count(store: Store, **where: str) -> int:
    query = select(func.count()).select_from(Capture)
    for key, value in where.items():
        query = query.where(getattr(Capture, key) == value)
    with store.read() as session:
        found = session.exec(query).one()
        if where.get("kind", "metric") == "metric" and set(where) <= {"kind"}:
            # logged metric values are rows of their own table (migration 0015)
            found += session.exec(select(func.count()).select_from(SeriesPoint)).one()
        return found


@pytest.mark.slow
def test_four_processes_write_10000_captures_at_once(store: Store, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER))
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(w)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip() == "done"
    assert _count(store, kind="note") == 2000
    assert _count(store, kind="metric") == 8000


def test_sigkill_after_acknowledgements_loses_nothing(store: Store, tmp_path: Path) -> None:
    script = tmp_path / "acker.py"
    script.write_text(textwrap.dedent(ACKER))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    acked = 0
    while acked < 300:
        line = proc.stdout.readline()
        assert line, "writer ended early"
        acked = int(line.split()[1])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _count(store) >= acked
    assert _count(store, kind="metric") >= acked // 2
