"""Likes in the real tools ML engineers use, on Xvfb; each expected name and digits from the tool.

Every screen is a real program: xterm showing a real XGBoost run's output and recorded
Lightning/Keras output (tests/agent/recorded/), LibreOffice Calc, and Chromium (driven by
Playwright) showing TensorBoard, JupyterLab and MLflow's UI. Expectations come from the tool's
own data: the bytes printed, the sheet's cells, the DOM. Each target is liked through the
agent's own code (snap → OCR → commit into a real store), the key listener aside (the e2e tests
cover real chords).

Targets are split in two: ``dev`` (the rules were tuned looking at these) and ``held`` (other
screens and values, never looked at while tuning: the figures that count).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"
PY = Path(sys.executable)


@dataclass
class Target:
    """One like to take: where to point, and what the tool says is there."""

    tool: str
    split: str  # "dev" or "held"
    pointer: tuple[int, int]
    name: str  # the expected name
    text: str  # the expected digits, as shown
    step: int | None = None  # the expected step, when the screen shows one
    qualifier: str | None = None  # the expected row label (class, run), when it distinguishes
    rect: tuple[int, int, int, int] | None = None  # region chord: the dragged rectangle
    select: Callable[[], None] | None = None  # selection likes: makes the selection first
    names: tuple[str, ...] = ()  # other acceptable spellings of the name


@dataclass
class Result:
    target: Target
    value: float | None
    text: str | None
    name: str | None
    step: int | None
    qualifier: str | None
    review: str | None
    why: str = ""

    @property
    def value_right(self) -> bool:
        return self.text is not None and _same(self.text, self.target.text)

    @property
    def wrong_value(self) -> bool:
        return self.text is not None and not self.value_right

    @property
    def name_right(self) -> bool:
        names = {self.target.name.lower(), *(n.lower() for n in self.target.names)}
        if (self.name or "").lower() not in names:
            return False
        return self.target.qualifier is None or (self.qualifier or "") == self.target.qualifier

    @property
    def step_right(self) -> bool:
        return self.step == self.target.step


def _same(got: str, want: str) -> bool:
    return got == want or (
        got.rstrip("%") == want.rstrip("%") and float(got.rstrip("%")) == float(want.rstrip("%"))
    )


@dataclass
class Figures:
    likes: int = 0
    values: int = 0
    names: int = 0
    steps: int = 0
    with_step: int = 0
    wrong: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, r: Result) -> None:
        self.likes += 1
        self.values += r.value_right
        self.names += r.value_right and r.name_right
        self.wrong += r.wrong_value
        if r.target.step is not None:
            self.with_step += 1
            self.steps += r.step_right
        if not (r.value_right and r.name_right and (r.target.step is None or r.step_right)):
            t = r.target
            self.misses.append(
                f"{t.tool}: want {t.name}[{t.qualifier}]={t.text}@{t.step} got "
                f"{r.name}[{r.qualifier}]={r.text}@{r.step} {r.review} {r.why}"
            )

    def line(self) -> str:
        pct = lambda a, b: f"{100 * a / b:.0f} %" if b else "–"  # noqa: E731
        return (
            f"{self.likes} likes: values right {self.values} ({pct(self.values, self.likes)}), "
            f"names right {self.names} ({pct(self.names, self.likes)}), steps right "
            f"{self.steps}/{self.with_step} ({pct(self.steps, self.with_step)}), "
            f"wrong values stored {self.wrong}"
        )


def figures(results: list[Result]) -> dict[str, Figures]:
    out = {"dev": Figures(), "held": Figures()}
    for r in results:
        out[r.target.split].add(r)
    return out


# -- running likes through the agent's code ------------------------------------------------------


class Liker:
    """The agent's snap → build_like → commit path on a real display and store."""

    def __init__(self, home: Path, display: str) -> None:
        from Xlib import display as xdisplay

        from runnotes.capture.agent import Agent, AgentConfig
        from runnotes.capture.screen import Screen
        from runnotes.capture.selection import SelectionReader, SelectionWatch
        from runnotes.config import load_settings
        from runnotes.store import open_store

        os.environ["RUNNOTES_HOME"] = str(home)
        self.store = open_store(load_settings(home))
        self.agent = Agent(self.store, AgentConfig(notify=False), lambda line: None, display)
        self.agent.watch = SelectionWatch(display)
        self.agent.ocr.load()  # type: ignore[union-attr]
        self.conn = xdisplay.Display(display)
        self.reader = SelectionReader(self.conn)
        self.screen = Screen()

    def like(self, target: Target) -> Result:
        from runnotes.capture.agent import Press, build_like, commit

        if target.select is not None:
            target.select()
        else:
            clear_selection()
        x, y = target.pointer
        xdo("mousemove", str(x), str(y))
        time.sleep(0.15)  # hover effects (tooltips, highlighted rows) settle, as for a person
        press = Press(time.time(), time.monotonic(), (x, y), target.rect)
        snap = self.agent.snap(press, self.conn, self.reader, self.screen)
        like = build_like(snap, self.agent.ocr, self.store)
        commit(self.store, like)
        values = [c for c in like.captures if c.kind in ("metric", "param")]
        first = values[0] if values else None
        if len(values) > 1:  # a selection naming several values: the one expected, if any
            first = next((c for c in values if _same(c.text or "", target.text)), values[0])
        return Result(
            target,
            first.value if first else None,
            first.text if first else None,
            first.name if first else None,
            first.step if first else None,
            (first.extra or {}).get("qualifier") if first else None,
            first.review if first else None,
            like.why,
        )

    def close(self) -> None:
        self.screen.close()
        self.store.close()


def xdo(*args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def clear_selection() -> None:
    """Own PRIMARY with an empty string so an old selection plays no part."""
    subprocess.run(["xclip", "-selection", "primary", "-i", "/dev/null"], check=True, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def window_origin(wid: str) -> tuple[int, int]:
    info = subprocess.run(
        ["xwininfo", "-id", wid], capture_output=True, text=True, check=True
    ).stdout
    x = int(re.search(r"Absolute upper-left X:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
    y = int(re.search(r"Absolute upper-left Y:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
    return x, y


def wait_window(*search: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", *search], capture_output=True, text=True
        ).stdout.split()
        if found:
            return found[-1]
        time.sleep(0.2)
    raise RuntimeError(f"no window {search}")


# -- terminal: xterm -----------------------------------------------------------------------------

CELL = (9, 19)  # DejaVu Sans Mono 11 in xterm: character cell in pixels
XTERM_BORDER = 2


class Terminal:
    """An xterm showing a text file; knows the screen position of each character."""

    def __init__(self, path: Path, title: str) -> None:
        self.lines = path.read_text().expandtabs().splitlines()
        self.proc = subprocess.Popen(
            [
                "xterm",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "11",
                "-geometry",
                "140x40+0+0",
                "-title",
                title,
                "-xrm",
                "XTerm*allowTitleOps: false",
                "-hold",
                "-e",
                "cat",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wid = wait_window("--name", title)
        time.sleep(0.8)
        x, y = window_origin(self.wid)
        self.origin = (x + XTERM_BORDER, y + XTERM_BORDER)
        xdo("windowactivate", "--sync", self.wid)

    def at(self, line: int, col: int) -> tuple[int, int]:
        return (
            self.origin[0] + col * CELL[0] + CELL[0] // 2,
            self.origin[1] + line * CELL[1] + CELL[1] // 2,
        )

    def token(self, line: int, text: str, nth: int = 0) -> tuple[int, int, tuple[int, int]]:
        """Where ``text`` is on ``line``: (start col, end col, pointer at its middle)."""
        starts = [m.start() for m in re.finditer(re.escape(text), self.lines[line])]
        start = starts[nth]
        end = start + len(text)
        return start, end, self.at(line, (start + end - 1) // 2)

    def rect(self, line: int, start: int, end: int) -> tuple[int, int, int, int]:
        x, y = self.origin[0] + start * CELL[0] - 3, self.origin[1] + line * CELL[1] - 2
        return x, y, (end - start) * CELL[0] + 6, CELL[1] + 4

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


_PAIR = re.compile(r"([A-Za-z_][\w\-]*)[:=]\s?(-?\d+\.\d+(?:e-?\d+)?|\d+)")


def log_targets(
    term: Terminal, tool: str, split: str, lines: list[int], step_of: Callable[[int], int | None]
) -> list[Target]:
    """Every ``name: value`` / ``name=value`` pair printed on the given lines."""
    out = []
    for i in lines:
        for m in _PAIR.finditer(term.lines[i]):
            name, value = m.group(1), m.group(2)
            if name == "v_num":
                continue
            start = m.start(2)
            pointer = term.at(i, start + len(value) // 2)
            out.append(Target(tool, split, pointer, name, value, step_of(i)))
    return out


def xgboost_output(seed: int, objective: str, metrics: list[str], rounds: int) -> str:
    """A real XGBoost training run's evaluation log, as it prints it."""
    code = f"""
import numpy as np, xgboost as xgb
rng = np.random.default_rng({seed})
X = rng.normal(size=(600, 8)); w = rng.normal(size=8)
y = (X @ w + rng.normal(size=600) > 0).astype(float) if "{objective}".startswith("binary") \\
    else X @ w + rng.normal(size=600)
dtrain = xgb.DMatrix(X[:400], label=y[:400]); deval = xgb.DMatrix(X[400:], label=y[400:])
xgb.train({{"objective": "{objective}", "eval_metric": {metrics!r}, "max_depth": 3,
           "nthread": 1, "seed": {seed}}}, dtrain, {rounds},
          evals=[(dtrain, "train"), (deval, "eval")], verbose_eval=True)
print("xgboost", xgb.__version__)
"""
    done = subprocess.run(
        [str(PY), "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout + done.stderr


def terminal_screens(tmp: Path) -> Iterator[tuple[Terminal, list[Target]]]:
    """XGBoost (real run) + Lightning (recorded) for dev; Keras (recorded) + XGBoost for held."""
    booster = re.compile(r"^\[(\d+)\]")

    def step_of(term: Terminal) -> Callable[[int], int | None]:
        def find(i: int) -> int | None:
            line = term.lines[i]
            m = booster.match(line) or re.match(r"^Epoch (\d+)", line)
            if m:
                return int(m.group(1))
            for above in range(i - 1, -1, -1):  # Keras: "Epoch 5/6" on the line above
                m = re.match(r"^Epoch (\d+)/\d+", term.lines[above])
                if m:
                    return int(m.group(1))
            return None

        return find

    dev = tmp / "train_dev.log"
    dev.write_text(
        xgboost_output(7, "binary:logistic", ["logloss", "error"], 8)
        + (RECORDED / "lightning.txt").read_text()
    )
    term = Terminal(dev, "train_dev.log - xterm")
    n = len(term.lines)
    rows = [i for i in range(n) if _PAIR.search(term.lines[i])]
    yield term, log_targets(term, "xterm", "dev", rows, step_of(term))
    term.close()

    held = tmp / "train_held.log"
    held.write_text(
        (RECORDED / "keras.txt").read_text()
        + xgboost_output(11, "reg:squarederror", ["rmse", "mae"], 6)
    )
    term = Terminal(held, "train_held.log - xterm")
    rows = [i for i in range(len(term.lines)) if _PAIR.search(term.lines[i])]
    yield term, log_targets(term, "xterm", "held", rows, step_of(term))
    term.close()


# -- putting it together ---------------------------------------------------------------------------

SCREENS: dict[str, Callable[[Path], Iterator[tuple[object, list[Target]]]]] = {
    "xterm": terminal_screens,
}


def run_all(display: str, tools: list[str] | None = None) -> list[Result]:
    """Open each tool once, take its likes, close it; results in order."""
    results = []
    with tempfile.TemporaryDirectory(prefix="runnotes-realtools-") as tmp:
        liker = Liker(Path(tmp) / "home", display)
        try:
            for tool, screens in SCREENS.items():
                if tools and tool not in tools:
                    continue
                for _, targets in screens(Path(tmp)):
                    results += [liker.like(t) for t in targets]
        finally:
            liker.close()
    return results


def main() -> None:
    """``python tests/agent/realtools.py [TOOL...]``: figures, and the dev misses."""
    spec = __import__("importlib.util").util.spec_from_file_location("c", HERE / "conftest.py")
    conftest = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    server = conftest.XServer()
    os.environ["DISPLAY"] = server.display
    try:
        results = run_all(server.display, sys.argv[1:] or None)
    finally:
        server.close()
    for split, fig in figures(results).items():
        print(f"{split}: {fig.line()}")
        if split == "dev":
            print("\n".join("  " + m for m in fig.misses))


if __name__ == "__main__":
    main()
