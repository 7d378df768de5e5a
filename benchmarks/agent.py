"""Hotkey → capture committed, p50/p95 over 50 presses: with a selection, and with OCR.

Runs a real Xvfb + openbox, a Tk window showing a training log, and the agent in this process
(its pynput listener, snap and worker threads); `xdotool key ctrl+alt+l` sends the real chord.
The clock starts just before xdotool is launched and stops when the agent's commit returns, so
the figures include xdotool's own start-up. Presses are sequential (each waits for its commit).
Targets from the issue: p95 ≤ 100 ms with a selection, ≤ 600 ms with OCR, on 2 cores.

    .venv/bin/python benchmarks/agent.py [--presses 50]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/logging.py would shadow the standard library's logging for the imports below.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
TARGETS_MS = {"selection": 100.0, "ocr": 600.0}
LINES = [
    "epoch 11  train_loss: 0.2410  val_acc: 0.9287  lr=3e-4",
    "epoch 12  train_loss: 0.2314  val_acc: 0.9321  lr=3e-4",
    "epoch 13  train_loss: 0.2288  val_acc: 0.9302  lr=1e-4",
]


def _helpers():  # type: ignore[no-untyped-def]
    """The X server and Tk window helpers the agent tests use (tests/agent is not a package)."""
    spec = importlib.util.spec_from_file_location("agent_helpers", ROOT / "tests/agent/conftest.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["agent_helpers"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(agent, presses: int, expect_via: str) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    done = threading.Event()
    inside: list[float] = []
    agent.on_stored[:] = [lambda stored: (inside.append(stored.latency_ms), done.set())]
    outside = []
    for _ in range(presses):
        done.clear()
        start = time.monotonic()
        subprocess.run(["xdotool", "key", "ctrl+alt+l"], check=True)
        if not done.wait(30):
            raise SystemExit("a press was not stored within 30 s")
        outside.append((time.monotonic() - start) * 1000)
        time.sleep(0.05)
    return outside, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=50)
    args = parser.parse_args()
    helpers = _helpers()
    server = helpers.XServer()
    os.environ["DISPLAY"] = server.display
    home = Path(tempfile.mkdtemp(prefix="runnotes-bench-agent-"))
    os.environ["RUNNOTES_HOME"] = str(home)
    from runnotes.agent import Agent, AgentConfig
    from runnotes.config import load_settings
    from runnotes.store import open_store

    store = open_store(load_settings(home))
    agent = Agent(store, AgentConfig(notify=False), lambda line: None)
    results = {}
    try:
        agent.start()
        for mode in ("selection", "ocr"):
            window = helpers.TkWindow(f"train.py {mode}", LINES)
            x, y = window.point_at(1, LINES[1].index("val_acc"))
            subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True)
            if mode == "selection":  # double-click selects the word under the pointer
                subprocess.run(
                    [
                        "xdotool",
                        "mousemove",
                        *map(str, window.point_at(1, 36)),
                        "click",
                        "--repeat",
                        "3",
                        "1",
                    ],
                    check=True,
                )  # triple: the line
                subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True)
            results[mode] = measure(agent, args.presses, mode)
            window.close()
    finally:
        agent.stop()
        store.close()
        server.close()
    cores = os.cpu_count()
    print(f"agent: hotkey → capture committed, {args.presses} sequential presses, {cores} cores")
    for mode, (outside, inside) in results.items():
        p50, p95 = percentile(outside, 50), percentile(outside, 95)
        print(
            f"  {mode:9s}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (press→commit inside the agent: "
            f"p50 {percentile(inside, 50):.1f} ms, p95 {percentile(inside, 95):.1f} ms)  "
            f"p95 / target {TARGETS_MS[mode]:.0f} ms = {p95 / TARGETS_MS[mode]:.2f}"
        )


if __name__ == "__main__":
    main()
