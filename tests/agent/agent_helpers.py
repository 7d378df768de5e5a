"""The agent as a subprocess (`runnotes agent` in the foreground), for the end-to-end tests on
X11 and on Wayland; its output lines are collected on a thread."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_WAV = Path(__file__).resolve().parents[2] / "src/runnotes/voice/samples/demo_note.wav"


class AgentProcess:
    """`runnotes agent` in the foreground; its output lines are collected on a thread."""

    def __init__(self, home: Path, display: str, **extra_env: str) -> None:
        env = {
            **os.environ,
            "RUNNOTES_HOME": str(home),
            "DISPLAY": display,
            "RUNNOTES_AGENT_VOICE_SOURCE": f"wav:{DEMO_WAV}",
            "RUNNOTES_AGENT_NOTIFY": "false",
            **extra_env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "runnotes", "agent"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("runnotes agent: ready", timeout=90)

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, count: int = 1, timeout: float = 60) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no {pattern!r} (×{count}) in output: {self.seen}\n{self._stacks()}"
                ) from None
            self.seen.append(line)
            if re.search(pattern, line):
                got.append(line)
        return got

    def _stacks(self) -> str:
        """Every thread's stack in the agent (its SIGUSR2 dump): what a stuck agent waits for."""
        if self.proc.poll() is not None:
            return f"(the agent exited with {self.proc.returncode})"
        self.proc.send_signal(signal.SIGUSR2)
        return "\n".join(self.drain(2))

    def drain(self, seconds: float) -> list[str]:
        time.sleep(seconds)
        out = []
        while not self.lines.empty():
            out.append(self.lines.get())
        self.seen += out
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
