"""End to end: Xvfb + openbox, a real Tk window, `runnotes agent` as a subprocess, xdotool keys.

One agent serves the whole module (loading OCR and Python takes seconds); each test starts its
own run with `runnotes run start`, so its captures are easy to find.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from agent.agent_helpers import AgentProcess
from conftest import run_cli
from runnotes.config import load_settings
from runnotes.store import Capture, open_store

pytestmark = pytest.mark.slow
LINES = [
    "epoch 11  train_loss: 0.2410  val_acc: 0.9287  lr=3e-4",
    "epoch 12  train_loss: 0.2314  val_acc: 0.9321  lr=3e-4",
    "epoch 13  train_loss: 0.2288  val_acc: 0.9302  lr=1e-4",
]


@pytest.fixture(scope="module")
def agent_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agent") / "home"


@pytest.fixture(scope="module")
def tmux_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tmux server of the tests' own (its socket under this folder), killed at the end."""
    path = tmp_path_factory.mktemp("tmux")
    yield path
    subprocess.run(["tmux", "kill-server"], env={**os.environ, "TMUX_TMPDIR": str(path)})


@pytest.fixture(scope="module")
def agent(xdisplay: str, agent_home: Path, tmux_dir: Path) -> Iterator[AgentProcess]:
    proc = AgentProcess(agent_home, xdisplay, TMUX_TMPDIR=str(tmux_dir))
    yield proc
    proc.stop()


@pytest.fixture
def run_id(
    agent_home: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> int:
    monkeypatch.setenv("RUNNOTES_HOME", str(agent_home))
    run_cli("run", "start", request.node.name)
    return int(json.loads(run_cli("run", "current", "--json").stdout)["run_id"])


def captures(home: Path, run_id: int) -> list[Capture]:
    store = open_store(load_settings(home))
    try:
        with store.read() as session:
            return list(
                session.exec(
                    select(Capture).where(Capture.run_id == run_id).order_by(Capture.id)
                ).all()
            )
    finally:
        store.close()


def xdo(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=30)


def drag_select(window, line: int, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    """Press on the left half of character ``first``, drag in steps past ``last``, release."""
    x0, y = window.point_at(line, first)
    x1, _ = window.point_at(line, last)
    xdo("mousemove", str(x0 - window.char_width // 4), str(y))
    time.sleep(0.2)
    xdo("mousedown", "1")
    for x in (x0 + (x1 - x0) // 3, x0 + 2 * (x1 - x0) // 3, x1 + window.char_width // 2 - 1):
        time.sleep(0.05)
        xdo("mousemove", str(x), str(y))
    time.sleep(0.1)
    xdo("mouseup", "1")


def test_like_reads_the_value_under_the_pointer(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("train.py - epoch log", LINES)
    xdo("mousemove", *map(str, window.point_at(1, LINES[1].index("val_acc"))))
    xdo("key", "ctrl+alt+l")
    line = agent.expect("liked")[0]
    assert "val_acc=0.9321" in line and f"→ run {run_id}" in line and "Trainlog: train.py" in line
    rows = captures(agent_home, run_id)
    value = next(c for c in rows if c.name == "val_acc")
    assert (value.value, value.text, value.kind) == (0.9321, "0.9321", "metric")
    assert value.source == "hotkey" and value.review == "approved" and value.liked
    assert value.step == 12 and value.via == "ocr"
    # Only the pointed value is a like; the rest of the line is its context.
    assert [c.name for c in rows if c.kind in ("metric", "param")] == ["val_acc"]
    assert value.extra["context"]["train_loss"] == "0.2314"
    shot = next(c for c in rows if c.kind == "screenshot")
    assert shot.extra["window"]["title"] == "train.py - epoch log"
    assert shot.extra["window"]["class"] == "Trainlog"
    assert shot.origin == "Trainlog: train.py - epoch log"
    media = open_store(load_settings(agent_home)).media
    assert media.path(shot.media_sha).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    full = media.path(shot.extra["full_sha"])
    assert full.stat().st_size > media.path(shot.media_sha).stat().st_size
    assert value.media_sha == shot.media_sha
    assert "0.9321" in shot.extra["ocr_text"]


def test_a_dragged_selection_wins_over_ocr(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("notes.txt", ["best so far: val_acc: 0.8867", "", "latest: val_acc: 0.9999"])
    drag_select(window, 0, len("best so far: "), len("best so far: val_acc: 0.8867") - 1)
    xdo("mousemove", *map(str, window.point_at(2, 20)))  # the pointer rests on the other value
    xdo("key", "ctrl+alt+l")
    assert "val_acc=0.8867" in agent.expect("liked")[0]
    (value,) = [c for c in captures(agent_home, run_id) if c.name == "val_acc"]
    assert value.value == 0.8867 and value.via == "selection"


def test_a_wrong_chord_does_nothing(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("train.py", LINES)
    xdo("mousemove", *map(str, window.point_at(1, 30)))
    for chord in ("ctrl+alt+k", "ctrl+l", "alt+l", "ctrl+shift+l", "l"):
        xdo("key", chord)
    assert not [ln for ln in agent.drain(2.0) if "liked" in ln]
    assert captures(agent_home, run_id) == []


def test_twenty_rapid_presses_give_twenty_likes(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("train.py", LINES)
    xdo("mousemove", *map(str, window.point_at(1, LINES[1].index("0.9321"))))
    xdo("key", "--delay", "10", "--repeat", "20", "--repeat-delay", "80", "ctrl+alt+l")  # ≈ 2 s
    agent.expect("liked val_acc=0.9321|liked .*val_acc=0.9321", count=20, timeout=180)
    rows = captures(agent_home, run_id)
    assert len([c for c in rows if c.kind == "screenshot"]) == 20
    assert [c.value for c in rows if c.name == "val_acc"] == [0.9321] * 20


def test_private_windows_are_never_screenshotted(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("Vault - KeePassXC", ["lr=3e-4 batch_size=64"], wm_class="KeePassXC")
    drag_select(window, 0, 0, len("lr=3e-4") - 1)
    xdo("key", "ctrl+alt+l")
    line = agent.expect("liked")[0]
    assert "lr=3e-4" in line and "no screenshot" in line
    rows = captures(agent_home, run_id)
    assert [c.kind for c in rows] == ["param"] and rows[0].media_sha is None


def test_the_pause_chord_stops_and_resumes_capture(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("train.py", LINES)
    xdo("mousemove", *map(str, window.point_at(1, LINES[1].index("0.9321"))))
    xdo("key", "ctrl+alt+p")
    agent.expect("paused: nothing is captured")
    xdo("key", "ctrl+alt+l")
    agent.expect("like ignored")
    xdo("key", "ctrl+alt+p")
    agent.expect("resumed")
    assert captures(agent_home, run_id) == []


def test_region_mode_likes_a_dragged_rectangle(agent, agent_home, run_id, tk_window) -> None:
    window = tk_window("train.py", LINES)
    xdo("key", "ctrl+alt+r")
    subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--class", "runnotes-region"],
        check=True,
        timeout=30,
        capture_output=True,
    )
    time.sleep(0.5)
    x0, y0 = window.point_at(2, LINES[2].index("0.9302"))  # around the bare number only
    x1, y1 = window.point_at(2, LINES[2].index("0.9302") + 5)
    y0, y1 = y0 - window.line_height, y1 + window.line_height // 2
    xdo("mousemove", str(x0 - 4), str(y0), "mousedown", "1")
    xdo("mousemove", str(x1), str(y1))
    xdo("mousemove", str(x1 + 6), str(y1), "mouseup", "1")
    assert "val_acc=0.9302" in agent.expect("liked")[0]  # named from just outside the rectangle
    shot = next(c for c in captures(agent_home, run_id) if c.kind == "screenshot")
    assert shot.extra["region"][2] == x1 + 6 - (x0 - 4)


def test_stopping_the_agent_stores_every_queued_like(xdisplay, tmp_path, tk_window) -> None:
    """Ten presses, then SIGTERM at once: the agent drains its queue, stores all, exits 0."""
    window = tk_window("train.py", LINES)
    proc = AgentProcess(tmp_path / "home", xdisplay)
    xdo("mousemove", *map(str, window.point_at(1, LINES[1].index("0.2314"))))
    xdo("key", "--delay", "10", "--repeat", "10", "--repeat-delay", "30", "ctrl+alt+l")
    proc.proc.terminate()
    assert proc.proc.wait(timeout=120) == 0
    assert not [line for line in proc.seen + proc.drain(0.5) if "Traceback" in line]
    store = open_store(load_settings(tmp_path / "home"))
    try:
        with store.read() as session:
            liked = session.exec(select(Capture).where(Capture.name == "train_loss")).all()
    finally:
        store.close()
    assert [c.text for c in liked] == ["0.2314"] * 10


def test_push_to_talk_records_a_voice_note(agent, agent_home, run_id, tk_window) -> None:
    tk_window("train.py", LINES)
    xdo("keydown", "ctrl+alt+v")
    agent.expect("recording", timeout=90)
    time.sleep(3)
    xdo("keyup", "ctrl+alt+v")
    agent.expect(r"voice note \d+ → run", timeout=120)
    (voice,) = [c for c in captures(agent_home, run_id) if c.kind == "voice"]
    assert voice.media_sha and voice.status in ("ok", "failed")


def test_no_display_exits_with_one_line(home: Path) -> None:
    done = run_cli("agent", check=False, env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("runnotes: error: no display")


def test_start_status_stop_the_daemon(xdisplay: str, home: Path) -> None:
    assert run_cli("agent", "status", check=False).returncode == 1
    started = run_cli("agent", "--no-ocr", "start", timeout=120)
    assert "agent started" in started.stdout and (home / "agent.pid").exists()
    assert run_cli("agent", "start", check=False).returncode == 1  # only one agent at a time
    status = run_cli("agent", "status")
    assert "running" in status.stdout and "ready" in status.stdout
    assert "agent stopped" in run_cli("agent", "stop", timeout=120).stdout
    assert not (home / "agent.pid").exists()
    assert run_cli("agent", "status", check=False).returncode == 1


def like_at_cell(
    agent: AgentProcess, window: str, size: tuple[int, int], col: int, row: int
) -> str:
    """Point at a character cell of a terminal window ``size`` = (columns, rows) big, its grid
    centred in the window as xterm and kitty draw it, press the like chord: the feedback."""
    info = subprocess.run(["xwininfo", "-id", window], capture_output=True, text=True).stdout
    g = dict(ln.strip().split(": ", 1) for ln in info.splitlines() if ": " in ln)
    left, top = int(g["Absolute upper-left X"]), int(g["Absolute upper-left Y"])
    width, height = int(g["Width"]), int(g["Height"])
    cell_w, cell_h = width // size[0], height // size[1]
    pad_x, pad_y = (width - size[0] * cell_w) // 2, (height - size[1] * cell_h) // 2
    x = left + pad_x + col * cell_w + cell_w // 2
    y = top + pad_y + row * cell_h + cell_h // 2
    xdo("mousemove", str(x), str(y))
    xdo("key", "ctrl+alt+l")
    return agent.expect("liked")[0]


def test_a_like_in_tmux_takes_its_digits_from_capture_pane(
    agent, agent_home, run_id, tmux_dir, xdisplay
) -> None:
    """A small terminal font (OCR read ``acc`` for ``val_acc`` here, docs/desktops.md): the
    like's name and digits come from the pane's text, exactly."""
    log = tmux_dir / "train.log"
    log.write_text("\n".join(LINES) + "\n")
    env = {**os.environ, "TMUX_TMPDIR": str(tmux_dir), "DISPLAY": xdisplay}
    cols, rows = 80, 20
    xterm = subprocess.Popen(
        ["xterm", "-fa", "DejaVu Sans Mono", "-fs", "6", "-geometry", f"{cols}x{rows}+40+40"]
        + ["-T", "tmux-train", "-e", "tmux", "new-session", "-s", "e2e", f"cat {log}; sleep 600"],
        env=env,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "tmux-train"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split()[0]
        xdo("windowactivate", "--sync", found)
        deadline = time.monotonic() + 10
        while (
            "val_acc"
            not in subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", "e2e"], env=env, capture_output=True, text=True
            ).stdout
        ):
            assert time.monotonic() < deadline, "the log never showed in tmux"
            time.sleep(0.2)
        liked = like_at_cell(agent, found, (cols, rows), LINES[1].index("0.9321") + 2, 1)
        assert "val_acc=0.9321" in liked
    finally:
        xterm.terminate()
        xterm.wait(timeout=10)
    (value,) = [c for c in captures(agent_home, run_id) if c.kind == "metric"]
    assert (value.name, value.text, value.step, value.review) == (
        "val_acc",
        "0.9321",
        12,
        "approved",
    )
    assert value.via == "terminal"
    assert value.extra["context"]["train_loss"] == "0.2314"


def test_a_like_in_kitty_takes_its_digits_from_get_text(
    agent, agent_home, run_id, tmp_path, xdisplay
) -> None:
    """kitty with remote control on: the like's name and digits come from ``kitty @ get-text``
    (its socket found in the shell's ``KITTY_LISTEN_ON``), not from the pixels."""
    if shutil.which("kitty") is None:
        pytest.skip("no kitty: run scripts/setup")
    log = tmp_path / "train.log"
    log.write_text("\n".join(LINES) + "\n")
    socket = tmp_path / "kitty.sock"
    kitty = subprocess.Popen(
        ["kitty", "-o", "allow_remote_control=yes", "--listen-on", f"unix:{socket}"]
        + ["-o", "font_size=6", "--title", "kitty-train", "sh", "-c", f"cat {log}; sleep 600"],
        env={**os.environ, "DISPLAY": xdisplay},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "kitty-train"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()[0]
        xdo("windowactivate", "--sync", found)
        ask = ["kitty", "@", "--to", f"unix:{socket}"]
        deadline = time.monotonic() + 20
        shown = lambda: subprocess.run([*ask, "get-text"], capture_output=True, text=True).stdout  # noqa: E731
        while "val_acc" not in shown():
            assert time.monotonic() < deadline, "the log never showed in kitty"
            time.sleep(0.2)
        listing = json.loads(subprocess.run([*ask, "ls"], capture_output=True, text=True).stdout)
        grid = listing[0]["tabs"][0]["windows"][0]
        size = (grid["columns"], grid["lines"])
        liked = like_at_cell(agent, found, size, LINES[2].index("0.2288") + 2, 2)
        assert "train_loss=0.2288" in liked
    finally:
        kitty.terminate()
        kitty.wait(timeout=10)
    (value,) = [c for c in captures(agent_home, run_id) if c.kind == "metric"]
    assert (value.name, value.text, value.step, value.review) == (
        "train_loss",
        "0.2288",
        13,
        "approved",
    )
    assert value.via == "terminal"


def test_agent_doctor_on_x11(xdisplay: str, home: Path) -> None:
    out = run_cli("agent", "doctor", env={"DISPLAY": xdisplay, "WAYLAND_DISPLAY": ""}).stdout
    assert out.startswith("desktop: x11")
    for name in ("chords", "push-to-talk", "selection", "region", "pointer", "active window"):
        assert re.search(rf"^  ok  {name} ", out, re.M), out


def test_agent_doctor_without_a_display(home: Path) -> None:
    done = run_cli("agent", "doctor", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert done.stdout.startswith("desktop: none (no display")
    assert re.search(r"^  no  chords +no display", done.stdout, re.M)
    assert "Traceback" not in done.stderr
