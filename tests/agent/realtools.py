"""Likes in the real tools ML engineers use, on Xvfb; each expected name and digits from the tool.

Every screen is a real program: xterm showing a real XGBoost run's output and recorded
Lightning/Keras output (tests/agent/recorded/), LibreOffice Calc, and Chromium (driven by
Playwright) showing TensorBoard, JupyterLab and MLflow's UI. Expectations come from the tool's
own data: the bytes printed, the sheet's cells, the DOM. Each target is liked through the
agent's own code (snap → OCR → commit into a real store), the key listener aside (the e2e tests
cover real chords).

Targets are split in two: ``dev`` (the rules were tuned looking at these) and ``held`` (other
screens and values, never looked at while tuning: the figures that count). The ``held`` screens
were written in one commit before a round of tuning (new seeds, names, values and layouts of the
same tools); the screens held out earlier had been measured, so they are ``dev`` now.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
    via: str = "ocr"  # "ocr": pixels only; "a11y": the window's accessibility text preferred

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
    """Figures per split; likes read from the accessibility bus apart (``held a11y``)."""
    out = {"dev": Figures(), "held": Figures()}
    for r in results:
        key = r.target.split if r.via == "ocr" else f"{r.target.split} {r.via}"
        out.setdefault(key, Figures()).add(r)
    return out


# -- running likes through the agent's code ------------------------------------------------------


class Liker:
    """The agent's snap → build_like → commit path on a real display and store."""

    def __init__(self, home: Path, display: str) -> None:
        from runnotes.agent import Agent, AgentConfig
        from runnotes.capture.a11y import A11yBus
        from runnotes.capture.x11 import X11Desktop
        from runnotes.config import load_settings
        from runnotes.store import open_store

        os.environ["RUNNOTES_HOME"] = str(home)
        self.store = open_store(load_settings(home))
        desktop = X11Desktop.open(display)
        self.agent = Agent(self.store, AgentConfig(notify=False), lambda line: None, desktop)
        desktop.watch()
        self.agent.ocr.load()  # type: ignore[union-attr]
        self.reader = desktop.reader()
        self.agent.a11y = A11yBus.open()  # within a11y_session(): Chromium publishes its text
        self.a11y_results: list[Result] = []

    def like(self, target: Target) -> Result:
        from runnotes.agent import Press, build_like, commit

        if target.select is not None:
            target.select()
        else:
            clear_selection()
        x, y = target.pointer
        xdo("mousemove", str(x), str(y))
        time.sleep(0.15)  # hover effects (tooltips, highlighted rows) settle, as for a person
        press = Press(time.time(), time.monotonic(), (x, y), target.rect)
        snap = self.agent.snap(press, self.reader)
        like = build_like(replace(snap, pointed=None), self.agent.ocr, self.store)
        commit(self.agent.backend, like)
        if snap.pointed is not None:  # the same moment, the window's own text preferred
            ocr = _Seen(like.reading) if like.reading is not None else self.agent.ocr
            exact = build_like(snap, ocr, self.store)  # type: ignore[arg-type]
            self.a11y_results.append(replace(self._result(target, exact), via="a11y"))
        if os.environ.get("REALTOOLS_SHOTS") and target.split == "dev":  # debugging aid
            shots = Path(os.environ["REALTOOLS_SHOTS"])
            shots.mkdir(exist_ok=True)
            (shots / f"{target.tool}-{target.pointer[0]}-{target.pointer[1]}.png").write_bytes(
                like.media["full"]
            )
        return self._result(target, like)

    def _result(self, target: Target, like: Any) -> Result:
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
        self.reader.close()
        self.agent.desktop.close()  # type: ignore[union-attr]
        self.store.close()
        if self.agent.a11y is not None:
            self.agent.a11y.close()


@contextlib.contextmanager
def a11y_session() -> Iterator[None]:
    """A D-Bus session bus with AT-SPI's accessibility bus, accessibility turned on (as a
    desktop does for a screen reader), for the programs started inside; both daemons end after."""
    from jeepney import DBusAddress, Properties
    from jeepney.io.blocking import open_dbus_connection

    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.split()
    address, pid = out[0], int(out[1])
    before = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    launcher = subprocess.Popen(
        ["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        with open_dbus_connection(bus=address) as session:
            status = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Status")
            while True:
                try:
                    session.send_and_get_reply(Properties(status).set("IsEnabled", "b", True))
                    break
                except Exception:  # the launcher has not claimed its name yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield
    finally:
        launcher.terminate()
        launcher.wait(timeout=10)
        os.kill(pid, 15)
        if before is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = before


@dataclass
class _Seen:
    """Stands for the OCR engine with what it already read at this press (not read twice)."""

    reading: Any

    def read_at(self, *args: Any) -> Any:
        import copy

        return copy.deepcopy(self.reading)


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


COLUMNS = 140


def screen_lines(data: bytes, columns: int = COLUMNS) -> list[str]:
    """What a terminal ``columns`` wide shows after ``data`` is written to it (rendered by pyte, a
    VT100 emulator): long lines wrapped, carriage returns and cursor moves of progress bars
    applied. A tty turns each newline into CR LF, as for ``cat`` in the xterm."""
    import pyte

    screen = pyte.Screen(columns, 500)
    pyte.ByteStream(screen).feed(re.sub(rb"\r*\n", b"\r\n", data))
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Terminal:
    """An xterm showing a file (text, or bytes recorded from a terminal); knows the screen
    position of each character."""

    def __init__(self, path: Path, title: str) -> None:
        self.lines = screen_lines(path.read_bytes())
        self.proc = subprocess.Popen(
            [
                "xterm",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "11",
                "-geometry",
                f"{COLUMNS}x40+0+0",
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


# A pair's name is one word: after a label of several words (``Trainable params: 738``) what a
# person would call the value is not in the bytes, so it is no target.
_PAIR = re.compile(r"(?<![A-Za-z] )\b([A-Za-z_][\w\-]*)[:=]\s?(-?\d+\.\d+(?:e-?\d+)?|\d+)")


def log_targets(
    term: Terminal, tool: str, split: str, lines: list[int], step_of: Callable[[int], int | None]
) -> list[Target]:
    """Every ``name: value`` / ``name=value`` pair printed on the given lines; every sixth one is
    also liked through a rectangle around the bare number (region chord) and through a
    double-click that selects part of it (xterm stops a word at the dot)."""
    out = []
    for i in lines:
        for m in _PAIR.finditer(term.lines[i]):
            name, value = m.group(1), m.group(2)
            if name == "v_num":
                continue
            start = m.start(2)
            pointer = term.at(i, start + len(value) // 2)
            target = Target(tool, split, pointer, name, value, step_of(i))
            out.append(target)
            if len(out) % 6 == 1:
                rect = term.rect(i, start, start + len(value))
                middle = (rect[0] + rect[2] // 2, rect[1] + rect[3] // 2)
                out.append(replace(target, tool="region", pointer=middle, rect=rect))
            elif len(out) % 6 == 4:
                click = term.at(i, start + len(value) - 2)  # in the digits after the dot
                out.append(
                    replace(target, tool="selection", pointer=click, select=double_click(click))
                )
    return out


def double_click(at: tuple[int, int]) -> Callable[[], None]:
    def select() -> None:
        xdo("mousemove", str(at[0]), str(at[1]), "click", "--repeat", "2", "--delay", "80", "1")
        time.sleep(0.2)

    return select


def xgboost_output(
    seed: int,
    objective: str,
    metrics: list[str],
    rounds: int,
    evals: tuple[str, str] = ("train", "eval"),
    every: int = 1,
) -> str:
    """A real XGBoost training run's evaluation log, as it prints it (every ``every`` rounds)."""
    code = f"""
import numpy as np, xgboost as xgb
rng = np.random.default_rng({seed})
X = rng.normal(size=(600, 8)); w = rng.normal(size=8)
if "{objective}".startswith("binary"):
    y = (X @ w + rng.normal(size=600) > 0).astype(float)
elif "{objective}".startswith("multi"):
    y = np.argmax(X @ rng.normal(size=(8, 3)) + rng.normal(size=(600, 3)), axis=1)
else:
    y = X @ w + rng.normal(size=600)
dtrain = xgb.DMatrix(X[:400], label=y[:400]); deval = xgb.DMatrix(X[400:], label=y[400:])
params = {{"objective": "{objective}", "eval_metric": {metrics!r}, "max_depth": 3,
          "nthread": 1, "seed": {seed}}}
if "{objective}".startswith("multi"):
    params["num_class"] = 3
xgb.train(params, dtrain, {rounds}, evals=[(dtrain, "{evals[0]}"), (deval, "{evals[1]}")],
          verbose_eval={every})
print("xgboost", xgb.__version__)
"""
    done = subprocess.run(
        [str(PY), "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout + done.stderr


def terminal_screens(tmp: Path) -> Iterator[tuple[Terminal, list[Target]]]:
    """dev: XGBoost (real run) + Lightning (recorded), Keras (recorded) + XGBoost; held: two
    other real XGBoost runs (a multi-class and a regression objective, other eval set names,
    one printing every other round)."""
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

    dev2 = tmp / "train_dev2.log"
    dev2.write_text(
        (RECORDED / "keras.txt").read_text()
        + xgboost_output(11, "reg:squarederror", ["rmse", "mae"], 6)
    )
    term = Terminal(dev2, "train_dev2.log - xterm")
    rows = [i for i in range(len(term.lines)) if _PAIR.search(term.lines[i])]
    yield term, log_targets(term, "xterm", "dev", rows, step_of(term))
    term.close()

    held = tmp / "train_held.log"
    held.write_text(
        xgboost_output(29, "multi:softprob", ["mlogloss", "merror"], 7, ("train", "valid"))
        + xgboost_output(31, "reg:absoluteerror", ["mae", "rmse"], 9, ("fit", "test"), every=2)
    )
    term = Terminal(held, "train_held.log - xterm")
    rows = [i for i in range(len(term.lines)) if _PAIR.search(term.lines[i])]
    yield term, log_targets(term, "xterm", "held", rows, step_of(term))
    term.close()


def printed_epoch(lines: list[str], i: int) -> int | None:
    """The epoch a progress line is about, as printed: ``Epoch 3:`` / ``Epoch 2/2`` at its start
    (Lightning's bars), else ``Epoch 5/6`` on a line above (Keras)."""
    m = re.match(r"^Epoch (\d+)", lines[i])
    if m:
        return int(m.group(1))
    for above in range(i - 1, -1, -1):
        m = re.match(r"^Epoch (\d+)/\d+", lines[above])
        if m:
            return int(m.group(1))
    return None


def recorded_screens(tmp: Path) -> Iterator[tuple[Terminal, list[Target]]]:
    """Held out: Lightning's default progress bar when rich is installed (colours, italics, a
    metric wrapped by rich) and a Keras regression, replayed in an xterm from the bytes recorded
    off real fits (tests/agent/recorded/record.py); then a second such pair (other seeds and
    names), recorded after the rules were tuned."""
    for n, fits in enumerate(
        [("lightning_rich", "keras_regression"), ("lightning_rich_b", "keras_b")]
    ):
        path = tmp / f"recorded_held_{n}.log"
        path.write_bytes(b"".join((RECORDED / f"{name}.raw").read_bytes() for name in fits))
        term = Terminal(path, f"recorded_held_{n}.log - xterm")
        # Lines of metrics (two pairs or more): not a sentence such as "TPU available: False,
        # using: 0 TPU cores", whose "using: 0" nobody would like under that name.
        rows = [i for i, line in enumerate(term.lines) if len(_PAIR.findall(line)) >= 2]
        steps = functools.partial(printed_epoch, term.lines)
        yield term, log_targets(term, "xterm", "held", rows, steps)
        term.close()


# -- browser tools: Chromium on the display, driven by Playwright ----------------------------------


class Browser:
    """One real Chromium window for all web tools; DOM boxes → screen pixels."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=False,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--window-position=0,0",
                "--window-size=1280,800",
                "--disable-background-networking",
                "--disable-component-update",
                "--force-device-scale-factor=1",
                "--force-renderer-accessibility",  # its text on the accessibility bus
            ],
        )
        self.page = self.browser.new_page(no_viewport=True)

    def goto(self, url: str, ready: str, timeout: float = 120_000) -> None:
        self.page.goto(url)
        self.page.wait_for_selector(ready, timeout=timeout)
        self.page.bring_to_front()

    def origin(self) -> tuple[int, int]:
        """Screen position of the page's (0, 0), found by matching the page's own screenshot
        against the screen (window frames and toolbars differ between setups)."""
        import cv2
        import mss
        import numpy as np

        page = cv2.imdecode(np.frombuffer(self.page.screenshot(), np.uint8), cv2.IMREAD_COLOR)
        with mss.MSS() as grab:
            screen = np.asarray(grab.grab(grab.monitors[0]))[:, :, :3].copy()
        h, w = page.shape[:2]
        patch = page[h // 4 : h // 4 + 240, w // 4 : w // 4 + 400]
        _, _, _, (x, y) = cv2.minMaxLoc(cv2.matchTemplate(screen, patch, cv2.TM_CCOEFF_NORMED))
        return x - w // 4, y - h // 4

    def boxes(self, script: str) -> list[dict]:
        """Run ``script`` (returns a list of objects with a ``box`` [x, y, w, h] in page pixels)
        and move each box to screen pixels, adding ``pointer`` at its middle."""
        ox, oy = self.origin()
        out = []
        for item in self.page.evaluate(
            f"(() => {{ {TEXT_BOX_JS}\n return ({script.strip()}); }})()"
        ):
            x, y, w, h = item["box"]
            item["box"] = (int(ox + x), int(oy + y), int(w), int(h))
            item["pointer"] = (int(ox + x + w / 2), int(oy + y + h / 2))
            out.append(item)
        return out

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()


# A text node's exact box (the cell's own box is wider than its text).
TEXT_BOX_JS = """
function textBox(el) {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node, rects = [];
  while ((node = walker.nextNode())) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) if (r.width > 0) rects.push(r);
  }
  if (!rects.length) return null;
  const x0 = Math.min(...rects.map(r => r.left)), y0 = Math.min(...rects.map(r => r.top));
  const x1 = Math.max(...rects.map(r => r.right)), y1 = Math.max(...rects.map(r => r.bottom));
  return [x0, y0, x1 - x0, y1 - y0];
}
function visible(b) { return b && b[1] > 0 && b[1] + b[3] < innerHeight && b[0] > 0 && b[0] + b[2] < innerWidth; }
"""


def tb_events(
    logdir: Path,
    runs: dict[str, int],
    tags: list[str],
    steps: int,
    every: int = 100,
    scale: float = 1.0,
) -> None:
    """Scalars as a training script writes them (TensorBoard's own event-file writer)."""
    import random

    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    for run, seed in runs.items():
        rng = random.Random(seed)
        writer = EventFileWriter(str(logdir / run))
        for step in range(0, steps * every, every):
            values = [
                summary_pb2.Summary.Value(tag=tag, simple_value=scale * rng.uniform(0.05, 0.99))
                for tag in tags
            ]
            writer.add_event(
                event_pb2.Event(
                    wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=values)
                )
            )
        writer.close()


TB_TABLE_JS = r"""
(() => {
  const out = [];
  for (const card of document.querySelectorAll('scalar-card')) {
    const title = card.querySelector('.heading');
    const heads = [...card.querySelectorAll('tb-data-table-header-cell')].map(h => h.innerText.trim());
    for (const row of card.querySelectorAll('tb-data-table-content-row')) {
      const cells = [...row.querySelectorAll('tb-data-table-content-cell')];
      if (cells.length < heads.length - 1) continue;
      const offset = heads.length - cells.length;
      const at = name => cells[heads.indexOf(name) - offset];
      const value = at('Value'), step = at('Step'), run = at('Run');
      if (!value) continue;
      const box = textBox(value);
      if (!visible(box)) continue;
      out.push({title: title ? title.innerText.replace(/\s+/g, '') : null, text: value.innerText.trim(),
                step: step ? step.innerText.trim() : null, run: run ? run.innerText.trim() : null, box});
    }
  }
  return out;
})()
"""


def tensorboard_screens(tmp: Path, browser: Browser) -> Iterator[tuple[object, list[Target]]]:
    """Time Series cards with their data table: the Value column, named by the card's title."""
    logdir = tmp / "tb"
    tb_events(
        logdir / "dev",
        {"resnet18-lr3e-4": 1, "vit-small-lr1e-4": 2},
        ["train/loss", "val/accuracy"],
        10,
    )
    tb_events(
        logdir / "dev2",
        {"bert-base-wd0.01": 3, "bert-large-wd0.1": 4},
        ["eval/f1", "eval/rouge_l"],
        12,
    )
    tb_events(
        logdir / "held",
        {"llama-7b-lora-r8": 5, "llama-7b-lora-r16": 6, "mistral-7b-lora-r8": 7},
        ["optim/grad_norm", "eval/perplexity"],
        15,
        every=250,
        scale=20.0,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(PY),
            "-m",
            "tensorboard.main",
            "--logdir_spec",
            f"dev:{logdir / 'dev'},dev2:{logdir / 'dev2'},held:{logdir / 'held'}",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        for split, tags in (
            ("dev", ["train/loss", "val/accuracy", "eval/f1", "eval/rouge_l"]),
            ("held", ["optim/grad_norm", "eval/perplexity"]),
        ):
            for tag in tags:
                browser.goto(
                    f"http://127.0.0.1:{port}/?tagFilter={tag}#timeseries",
                    "scalar-card tb-data-table-content-row",
                )
                time.sleep(2)
                page = browser.page
                fullsize = page.query_selector(
                    "scalar-card button[aria-label='Toggle full size mode']"
                )
                if fullsize:
                    fullsize.click()
                    time.sleep(1.5)
                chart = page.query_selector("scalar-card line-chart, scalar-card .chart-container")
                for where in (None, 0.35, 0.6):  # the last step, then two steps clicked on
                    if where is not None and chart is not None:
                        box = chart.bounding_box()
                        page.mouse.click(
                            box["x"] + where * box["width"], box["y"] + box["height"] / 2
                        )
                        time.sleep(1.0)
                    yield (
                        page,
                        [
                            Target(
                                "tensorboard",
                                split,
                                c["pointer"],
                                c["title"] or tag,
                                c["text"],
                                int(c["step"].replace(",", "")) if c["step"] else None,
                            )
                            for c in browser.boxes(TB_TABLE_JS)
                            if c["title"] == tag
                        ],
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)


MLFLOW_TABLE_JS = """
(() => {
  const out = [];
  const view = document.querySelector('.ag-body-viewport, .ag-center-cols-viewport');
  for (const cell of document.querySelectorAll('[role=gridcell][col-id^="metrics."], [role=gridcell][col-id^="params."]')) {
    const box = textBox(cell);
    if (!visible(box)) continue;
    const row = cell.closest('[role=row]');
    const index = row.getAttribute('row-index');
    const nameCell = [...document.querySelectorAll(`[role=row][row-index="${index}"] [col-id="attributes.\\`Run Name\\`"]`)][0];
    const key = cell.getAttribute('col-id').replace(/^(metrics|params)\\.`?/, '').replace(/`$/, '');
    out.push({name: key, text: cell.innerText.trim(), run: nameCell ? nameCell.innerText.trim().split('\\n').pop() : null, box});
  }
  return out;
})()
"""


def mlflow_runs(uri: str, experiment: str, runs: list[str], metrics: list[str], seed: int) -> str:
    """Runs logged through MLflow's own client; returns the experiment id."""
    import random

    from mlflow import MlflowClient

    client = MlflowClient(uri)
    exp = client.create_experiment(experiment)
    rng = random.Random(seed)
    for name in runs:
        run = client.create_run(exp, run_name=name)
        client.log_param(run.info.run_id, "lr", rng.choice(["0.0003", "0.0001", "0.001"]))
        for step in range(3):
            for metric in metrics:
                value = round(rng.uniform(0.05, 0.98), 4)
                client.log_metric(run.info.run_id, metric, value, step=step)
        client.set_terminated(run.info.run_id)
    return exp


def mlflow_screens(tmp: Path, browser: Browser) -> Iterator[tuple[object, list[Target]]]:
    """MLflow's runs table (metric columns under a merged "Metrics" header, the run as row)."""
    folder = tmp / "mlflow"
    folder.mkdir()
    port = free_port()
    server = subprocess.Popen(
        [
            str(PY),
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder}/m.db",
            "--default-artifact-root",
            str(folder / "artifacts"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{uri}/health", 240)
        experiments = {
            "dev": mlflow_runs(
                uri,
                "cifar-sweep",
                ["resnet18-lr3e-4", "resnet34-lr1e-4", "vit-tiny-lr5e-4", "vit-small-lr1e-3"],
                ["val_acc", "val_loss"],
                1,
            ),
            "dev2": mlflow_runs(
                uri,
                "squad-finetune",
                ["bert-base-wd0.01", "bert-large-wd0.1", "roberta-base-wd0.0"],
                ["eval_f1", "exact_match", "eval_loss"],
                2,
            ),
            "held": mlflow_runs(
                uri,
                "imagenet-distill",
                ["deit-tiny-kd", "deit-small-kd", "convnext-t-kd", "effnet-b0-kd", "mobilevit-s"],
                ["top1_acc", "top5_acc", "kd_loss"],
                3,
            ),
        }
        first = True
        for key, exp in experiments.items():
            split = "held" if key == "held" else "dev"
            browser.goto(f"{uri}/#/experiments/{exp}/runs", "[role=gridcell]")
            if first:
                first = False
                with contextlib.suppress(Exception):  # already in model-training mode
                    browser.page.get_by_text("Model training", exact=True).first.click(timeout=5000)
                browser.goto(f"{uri}/#/experiments/{exp}/runs", "[role=gridcell]")
            time.sleep(2)
            page = browser.page
            with contextlib.suppress(Exception):  # the assistant panel takes a third of the width
                page.locator("button[aria-label*='lose']").first.click(timeout=3000)
            page.get_by_text("Columns", exact=True).first.click()
            time.sleep(1)
            menu = page.locator("[role=menu], [role=dialog], [role=listbox]").last
            for label in ("Metrics", "Parameters", "Dataset", "Source", "Models"):
                menu.get_by_text(re.compile(rf"^{label}")).first.click()
                time.sleep(0.3)
            page.keyboard.press("Escape")
            time.sleep(1.5)
            yield (
                browser.page,
                [
                    Target("mlflow", split, c["pointer"], c["name"], c["text"], qualifier=c["run"])
                    for c in browser.boxes(MLFLOW_TABLE_JS)
                ],
            )
        yield from mlflow_compare_screens(uri, browser)
    finally:
        server.terminate()
        server.wait(timeout=30)


MLFLOW_COMPARE_JS = """
(() => {
  const out = [];
  const tables = [...document.querySelectorAll('table')];
  const details = tables.find(t => t.innerText.includes('Run Name:'));
  if (!details) return out;
  const label = row => (row.querySelector('th') || {innerText: ''}).innerText.trim();
  const nameRow = [...details.querySelectorAll('tr')].find(r => label(r) === 'Run Name:');
  const runs = [...nameRow.querySelectorAll('td')].map(td => td.innerText.trim());
  const number = /^-?\\d+(\\.\\d+)?(e-?\\d+)?$/;
  for (const table of tables) {  // parameters: a row per key, a column per run
    if (table === details) continue;
    for (const row of table.querySelectorAll('tbody tr')) {
      const cells = [...row.querySelectorAll('td')];
      if (cells.length !== runs.length) continue;
      cells.forEach((cell, i) => out.push({name: label(row), text: cell.innerText.trim(),
                                           run: runs[i], box: textBox(cell), cell}));
    }
  }
  // metrics: two virtualised grids side by side, the keys' and the values' (cells placed by style)
  for (const keys of document.querySelectorAll('[role=grid]')) {
    const links = [...keys.querySelectorAll('a[title="Plot chart"]')];
    if (!links.length) continue;
    const byTop = new Map(links.map(a => [a.parentElement.style.top, a.innerText.trim()]));
    const grids = [...document.querySelectorAll('[role=grid]')];
    const values = grids[grids.indexOf(keys) + 1];
    for (const cell of values.querySelectorAll('[role=rowgroup] > div')) {
      const column = Math.round(parseFloat(cell.style.left) / parseFloat(cell.style.width));
      out.push({name: byTop.get(cell.style.top), text: cell.innerText.trim(), run: runs[column],
                box: textBox(cell), cell});
    }
  }
  // in the viewport and not clipped by a scrolled table: the text's middle shows the cell itself
  return out.filter(c => number.test(c.text) && visible(c.box) && c.cell.contains(
    document.elementFromPoint(c.box[0] + c.box[2] / 2, c.box[1] + c.box[3] / 2))).map(
    ({cell, ...c}) => c);
})()
"""

# The compare page's runs: their own experiments, new names; keys with numeric and text values.
MLFLOW_COMPARE = {
    "dev": (
        "cifar100-ablation",
        ["resnet50-bs256", "convnext-t-bs128", "deit-s-bs512"],
        {
            "lr": ["0.001", "0.0005", "0.002"],
            "optimizer": ["sgd", "adamw"],
            "epochs": ["90", "300"],
        },
        {"val_acc": (0.55, 0.86), "val_loss": (0.4, 1.9), "top5_acc": (0.8, 0.97)},
    ),
    "held": (
        "wmt16-en-de",
        ["transformer-base-ls0.1", "transformer-big-ls0.1", "transformer-big-ls0.2", "mbart-ft"],
        {"warmup_steps": ["4000", "8000"], "label_smoothing": ["0.1", "0.2"], "dropout": ["0.3"]},
        {"bleu": (24.0, 31.0), "chrf": (50.0, 60.0), "valid_ppl": (3.5, 6.5)},
    ),
}


def mlflow_compare_screens(uri: str, browser: Browser) -> Iterator[tuple[object, list[Target]]]:
    """MLflow's "compare runs" page: a row per parameter or metric key, a column per run (the
    run's name is in the Run details table above); values as the page rounds them. Two views
    of each comparison, as one reads it: the plots folded away (run details and parameters),
    then the parameters folded too (run details and metrics)."""
    import json
    import random
    import urllib.parse

    from mlflow import MlflowClient

    client = MlflowClient(uri)
    for seed, (split, (experiment, runs, params, metrics)) in enumerate(MLFLOW_COMPARE.items()):
        rng = random.Random(100 + seed)
        exp = client.create_experiment(experiment)
        ids = []
        for name in runs:
            run_id = client.create_run(exp, run_name=name).info.run_id
            for key, choices in params.items():
                client.log_param(run_id, key, rng.choice(choices))
            for step in range(3):
                for key, (low, high) in metrics.items():
                    client.log_metric(run_id, key, round(rng.uniform(low, high), 4), step=step)
            client.set_terminated(run_id)
            ids.append(run_id)
        query = urllib.parse.urlencode({"runs": json.dumps(ids), "experiments": json.dumps([exp])})
        browser.page.goto("about:blank")  # a new hash alone does not load the other runs
        browser.goto(f"{uri}/#/compare-runs?{query}", "table")
        time.sleep(3)
        page = browser.page
        with contextlib.suppress(Exception):  # the assistant panel takes a third of the width
            page.locator("button[aria-label*='lose']").first.click(timeout=3000)
        for fold in ("Visualizations", "Parameters"):
            with contextlib.suppress(Exception):  # a section the page remembers folded stays so
                page.locator("[role=button][aria-expanded=true]", has_text=fold).first.click(
                    timeout=3000
                )
            if fold == "Parameters":
                page.get_by_text("Run details", exact=True).first.evaluate(
                    "e => e.scrollIntoView({block: 'start'})"
                )
            time.sleep(1.5)
            yield (
                page,
                [
                    Target(
                        "mlflow-compare",
                        split,
                        c["pointer"],
                        c["name"],
                        c["text"],
                        qualifier=c["run"],
                    )
                    for c in browser.boxes(MLFLOW_COMPARE_JS)
                ],
            )


RANGE_BOX_JS = """
function rangeBox(el, start, end) {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node, at = 0;
  const range = document.createRange();
  let started = false;
  while ((node = walker.nextNode())) {
    const len = node.textContent.length;
    if (!started && start < at + len) { range.setStart(node, start - at); started = true; }
    if (started && end <= at + len) { range.setEnd(node, end - at); break; }
    at += len;
  }
  const r = range.getBoundingClientRect();
  return [r.left, r.top, r.width, r.height];
}
"""

NOTEBOOKS = {
    "dev": [
        "import pandas as pd\n"
        "df = pd.DataFrame({'val_acc': [0.9412, 0.9287, 0.9105], 'val_loss': [0.2013, 0.2391, 0.2718],"
        " 'epochs': [30, 30, 20]}, index=['vit-tiny-lr5e-4', 'resnet18-lr3e-4', 'resnet34-lr1e-4'])\n"
        "df",
        "from sklearn.metrics import classification_report\n"
        "y = [0]*40 + [1]*35 + [2]*25\n"
        "p = [0]*37 + [1]*3 + [1]*31 + [2]*4 + [2]*22 + [0]*3\n"
        "print(classification_report(y, p, digits=4))",
        "print({'eval_loss': 0.4123, 'eval_accuracy': 0.8867, 'eval_f1': 0.8712, 'eval_runtime': 12.34,"
        " 'eval_samples_per_second': 405.2, 'epoch': 3.0})",
    ],
    "dev2": [
        "import pandas as pd\n"
        "pd.DataFrame({'model': ['bert-base', 'bert-large', 'roberta-base', 'deberta-v3'],"
        " 'exact_match': [80.81, 84.12, 83.05, 86.47], 'f1': [88.52, 90.91, 90.37, 92.84],"
        " 'train_hours': [2.1, 6.4, 2.3, 3.9]})",
        "from sklearn.metrics import classification_report\n"
        "y = ['cat']*30 + ['dog']*30 + ['bird']*20\n"
        "p = ['cat']*27 + ['dog']*3 + ['dog']*26 + ['bird']*4 + ['bird']*17 + ['cat']*3\n"
        "print(classification_report(y, p))",
        "print({'eval_loss': 0.3317, 'eval_rouge1': 0.4472, 'eval_rougeL': 0.4127, 'eval_gen_len': 61.8,"
        " 'epoch': 5.0})",
    ],
    "held": [
        "import pandas as pd\n"
        "pd.DataFrame({'bleu': [27.41, 28.93, 26.07, 29.35], 'chrf': [55.2, 57.8, 54.1, 58.6],"
        " 'ter': [61.3, 59.02, 63.77, 57.9], 'delta_bleu': [-0.42, 1.1, -1.76, 1.52],"
        " 'params_m': [74, 213, 74, 418]},"
        " index=['transformer-base', 'transformer-big', 'conformer-base', 'mbart-large'])",
        "import numpy as np, pandas as pd\n"
        "rng = np.random.default_rng(5)\n"
        "pd.DataFrame({'val_bleu': rng.normal(27, 1.2, 8), 'val_loss': rng.normal(1.9, 0.1, 8)})"
        ".describe()",
        "from sklearn.metrics import classification_report\n"
        "y = [0]*25 + [1]*20 + [2]*30 + [3]*15\n"
        "p = [0]*22 + [3]*3 + [1]*17 + [2]*3 + [2]*26 + [1]*4 + [3]*13 + [0]*2\n"
        "print(classification_report(y, p, digits=3,"
        " target_names=['negative', 'neutral', 'positive', 'mixed']))",
        "print({'train_runtime': 842.113, 'train_samples_per_second': 37.95,"
        " 'train_steps_per_second': 1.187, 'train_loss': 0.5321, 'epoch': 3.0})",
    ],
}

# The outputs of the notebook shown (JupyterLab keeps the other open notebooks' tabs, hidden).
OUTPUTS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
# Numeric cells only (a like is a value); the row is named by its index label, or by its first
# text cell when the index is only a position (0, 1, 2: a person says "bert-base", not "row 0").
JUPYTER_TABLES_JS = r"""
(() => {
  const out = [];
  const number = /^-?\d+(\.\d+)?(e-?\d+)?%?$/;
  for (const table of document.querySelectorAll('.jp-RenderedHTMLCommon table')) {
    const heads = [...table.querySelectorAll('thead tr:last-child th')].map(h => h.innerText.trim());
    for (const row of table.querySelectorAll('tbody tr')) {
      const label = row.querySelector('th');
      const cells = [...row.querySelectorAll('td')];
      const words = cells.map(c => c.innerText.trim()).filter(t => t && !number.test(t));
      let name = label ? label.innerText.trim() : null;
      if ((name === null || /^\d+$/.test(name)) && words.length) name = words[0];
      cells.forEach((cell, i) => {
        const head = heads[heads.length - cells.length + i];
        const text = cell.innerText.trim();
        if (number.test(text)) out.push({name: head, text, row: name, box: textBox(cell)});
      });
    }
  }
  return out.filter(c => visible(c.box));
})()
"""


def printed_targets(text: str) -> list[tuple[int, int, str, str, str | None]]:
    """``(start, end, name, digits, qualifier)`` for the numbers of a printed report or dict.

    A Python dict's keys name its values; a classification report's numbers sit right-aligned
    under right-aligned headers (their last characters line up), the class in front."""
    out = []
    if text.strip().startswith("{"):
        for m in re.finditer(r"'(\w+)': (-?\d+\.\d+|\d+)", text):
            out.append((m.start(2), m.end(2), m.group(1), m.group(2), None))
        return out
    lines = text.split("\n")
    at = 0
    header: dict[int, str] = {}
    for line in lines:
        words = list(re.finditer(r"\S+", line))
        if words and not any(re.fullmatch(r"[\d.]+", w.group()) for w in words):
            header = {w.end(): w.group() for w in words}
        elif words:
            label = " ".join(w.group() for w in words if not re.fullmatch(r"[\d.]+", w.group()))
            for w in words:
                if re.fullmatch(r"\d+\.\d+|\d+", w.group()) and w.end() in header:
                    out.append((at + w.start(), at + w.end(), header[w.end()], w.group(), label))
        at += len(line) + 1
    return out


def jupyter_screens(tmp: Path, browser: Browser) -> Iterator[tuple[object, list[Target]]]:
    """JupyterLab notebooks with saved outputs: a DataFrame, a classification report, a
    Trainer-style metrics dict (executed with nbclient first, as a user would have run them)."""
    import nbformat
    from nbclient import NotebookClient

    folder = tmp / "notebooks"
    folder.mkdir()
    for name, cells in NOTEBOOKS.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        nbformat.write(nb, folder / f"{name}.ipynb")
    settings = tmp / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Every cell rendered (no windowing), so any output can be scrolled to.
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = free_port()
    server = subprocess.Popen(
        [
            str(PY.parent / "jupyter-lab"),
            "--no-browser",
            f"--port={port}",
            "--ServerApp.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={folder}",
            "--LabApp.news_url=None",
            "--allow-root",
        ],
        env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp / "lab-settings")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/lab", 240)
        for name in NOTEBOOKS:
            split = "held" if name == "held" else "dev"
            browser.goto(f"http://127.0.0.1:{port}/lab/tree/{name}.ipynb", OUTPUTS)
            time.sleep(3)
            browser.page.keyboard.press("Escape")  # a kernel dialog, if any
            browser.page.evaluate("document.querySelectorAll('.Toastify').forEach(e => e.remove())")
            outputs = browser.page.locator(OUTPUTS)
            for i in range(outputs.count()):
                browser.page.evaluate(
                    f"document.querySelectorAll('{OUTPUTS}')[{i}]"
                    ".scrollIntoView({block: 'center'})"
                )
                time.sleep(1)
                yield browser.page, jupyter_output_targets(browser, split, i)
    finally:
        server.terminate()
        server.wait(timeout=30)


def jupyter_output_targets(browser: Browser, split: str, i: int) -> list[Target]:
    """The numbers of output ``i``: an HTML table's cells, or a printed text's numbers."""
    output = f"document.querySelectorAll('{OUTPUTS}')[{i}]"
    targets = [
        Target("jupyterlab", split, c["pointer"], c["name"], c["text"], qualifier=c["row"])
        for c in browser.boxes(
            JUPYTER_TABLES_JS.replace(
                "document.querySelectorAll('.jp-RenderedHTMLCommon table')",
                f"{output}.querySelectorAll('table')",
            )
        )
    ]
    text = browser.page.evaluate(
        f"(() => {{ const p = {output}.querySelector('pre'); return p ? p.innerText : ''; }})()"
    )
    for start, end, name, digits, qualifier in printed_targets(text):
        script = (
            RANGE_BOX_JS
            + f"return {{box: rangeBox({output}.querySelector('pre'), {start}, {end})}};"
        )
        found = browser.boxes(f"[(() => {{ {script} }})()].filter(c => visible(c.box))")
        if found:
            targets.append(
                Target("jupyterlab", split, found[0]["pointer"], name, digits, qualifier=qualifier)
            )
    return targets


# -- LibreOffice Calc -------------------------------------------------------------------------------

SHEETS = {
    "dev": "step,train_loss,val_loss,val_acc,lr\n"
    + "".join(
        f"{s},{1.2 / (1 + s / 400):.4f},{1.1 / (1 + s / 500) + 0.05:.4f},{0.6 + s / 4000:.4f},0.0003\n"
        for s in range(200, 1400, 200)
    ),
    "dev2": "model,dataset,exact_match,f1,latency_ms\n"
    "bert-base,squad-v2,73.42,76.85,18.4\n"
    "bert-large,squad-v2,79.17,82.26,51.9\n"
    "roberta-base,squad-v2,78.63,81.94,19.2\n"
    "deberta-v3-base,squad-v2,83.01,86.12,27.5\n"
    "distilbert,squad-v2,65.29,68.77,9.6\n",
    "held": "checkpoint,top1,top5,params_m,gpu_hours\n"
    "deit-tiny,72.21,91.13,5.7,41.5\n"
    "deit-small,79.86,95.02,22.1,88.3\n"
    "convnext-t,82.07,96.04,28.6,121.9\n"
    "effnet-b0,77.69,93.53,5.3,64.2\n"
    "mobilevit-s,78.31,94.12,5.6,70.8\n"
    "regnety-4g,81.14,95.61,20.6,103.7\n",
}


def _scan(line: object, start: int) -> list[int]:
    """Where a scanline through empty cells crosses grid lines (non-white pixels)."""
    import numpy as np

    arr = np.asarray(line)
    dark = np.where(arr[start:].min(axis=1) < 235)[0] + start
    return [int(v) for i, v in enumerate(dark) if i == 0 or v - dark[i - 1] > 1]


def calc_grid(rows: int, cols: int) -> list[list[tuple[int, int, int, int]]]:
    """Cell rectangles of the sheet on screen, from its grid lines (an empty row and column)."""
    import mss
    import numpy as np

    with mss.MSS() as grab:
        screen = np.asarray(grab.grab(grab.monitors[0]))[:, :, :3]
    h, w = screen.shape[:2]
    # Empty cells far right and far down; the row/column headers are grey, cells white.
    y_scan, x_scan = int(h * 0.85), int(w * 0.80)
    white_x = next(x for x in range(w) if screen[y_scan, x].min() >= 250)
    # Down the scan column: white (formula bar), grey (column letters), then the cells.
    grey = next(y for y in range(100, h) if screen[y, x_scan].min() < 250)
    grey_end = next(y for y in range(grey, h) if screen[y, x_scan].min() >= 250 and y - grey > 8)
    white_y = grey_end
    xs = [white_x - 1] + _scan(screen[y_scan, :, :], white_x)
    ys = [white_y - 1] + _scan(screen[:, x_scan, :], white_y)
    return [
        [(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]) for c in range(cols)]
        for r in range(rows)
    ]


def calc_screens(tmp: Path) -> Iterator[tuple[object, list[Target]]]:
    """A CSV opened in Calc: headers left-aligned over right-aligned numbers."""
    profile = tmp / "lo-profile"
    for name, text in SHEETS.items():
        split = "held" if name == "held" else "dev"
        path = tmp / f"{name}-results.csv"
        path.write_text(text)
        proc = subprocess.Popen(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--calc",
                "--norestore",
                "--nologo",
                "--infilter=CSV:44,34,76,1",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wid = wait_window("--name", f"{path.name} - LibreOffice Calc", timeout=180)
            time.sleep(4)
            xdo("windowactivate", "--sync", wid)
            xdo("key", "Escape")  # a first-start tip dialog, if any
            time.sleep(1)
            table = [line.split(",") for line in text.strip().split("\n")]
            grid = calc_grid(len(table), len(table[0]))
            targets = []
            for r, row in enumerate(table[1:], start=1):
                for c, cell in enumerate(row):
                    if not re.fullmatch(r"-?\d+(\.\d+)?", cell) or table[0][c] == "step":
                        continue
                    x, y, w, h = grid[r][c]
                    pointer = (
                        x + w - 4 - len(f"{float(cell):.10g}") * 7 // 2,
                        y + h // 2,
                    )  # numbers right-aligned
                    step = int(row[0]) if table[0][0] == "step" else None
                    qualifier = row[0] if table[0][0] != "step" else None
                    shown = f"{float(cell):.10g}"  # Calc's General format: no trailing zeros
                    targets.append(
                        Target("calc", split, pointer, table[0][c], shown, step, qualifier)
                    )
            yield proc, targets
        finally:
            proc.terminate()
            proc.wait(timeout=60)


# -- putting it together ---------------------------------------------------------------------------

SCREENS: dict[str, Callable[..., Iterator[tuple[object, list[Target]]]]] = {
    "xterm": terminal_screens,
    "recorded": recorded_screens,
    "tensorboard": tensorboard_screens,
    "mlflow": mlflow_screens,
    "jupyterlab": jupyter_screens,
    "calc": calc_screens,
}
WEB = {"tensorboard", "mlflow", "jupyterlab"}


def run_all(display: str, tools: list[str] | None = None, split: str | None = None) -> list[Result]:
    """Open each tool once, take its likes (of one split, if given), close it; results in order
    (those read from the accessibility bus last)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="runnotes-realtools-") as tmp, a11y_session():
        liker = Liker(Path(tmp) / "home", display)
        browser = None
        try:
            for tool, screens in SCREENS.items():
                if tools and tool not in tools:
                    continue
                args: tuple = (Path(tmp),)
                if tool in WEB:
                    browser = browser or Browser()
                    args += (browser,)
                for _, targets in screens(*args):
                    results += [liker.like(t) for t in targets if split in (None, t.split)]
            results += [r for r in liker.a11y_results if split in (None, r.target.split)]
        finally:
            liker.close()
            if browser is not None:
                browser.close()
    return results


def main() -> None:
    """``python tests/agent/realtools.py [--dev] [TOOL...]``: figures, and the dev misses
    (``--dev``: the dev split only, as while tuning)."""
    spec = __import__("importlib.util").util.spec_from_file_location("c", HERE / "conftest.py")
    conftest = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    server = conftest.XServer()
    os.environ["DISPLAY"] = server.display
    try:
        args = sys.argv[1:]
        split = "dev" if "--dev" in args else None
        tools = [a for a in args if a != "--dev"]
        results = run_all(server.display, tools or None, split)
    finally:
        server.close()
    for name, fig in figures(results).items():
        if fig.likes:
            print(f"{name}: {fig.line()}")
        if name == "dev":
            print("\n".join("  " + m for m in fig.misses))


if __name__ == "__main__":
    main()
