"""The agent on Wayland, for real: headless sway (run as an unprivileged user: it refuses root),
``wl-copy``/``wl-paste`` for the primary selection, ``grim`` for pixels, and the real
xdg-desktop-portal frontend on a private session bus with a mock GlobalShortcuts backend
(``portal_backend.py``) standing in for a desktop that implements the portal.

sway's own bar draws a training line at the top of the screen: a Wayland client with no extra
package, so the region test has real pixels to read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection
from sqlmodel import select

from agent import realtools
from agent.agent_helpers import AgentProcess
from conftest import run_cli
from runnotes.capture.portal import BUS_NAME, register_app_id
from runnotes.config import load_settings
from runnotes.store import Capture, open_store

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
NOBODY = 65534
BAR_LINE = "epoch 12  val_acc: 0.9321"
FRONTEND = "/usr/libexec/xdg-desktop-portal"
BACKEND = "org.freedesktop.impl.portal.desktop.runnotestest"
SWAY_CONFIG = f"""output HEADLESS-1 resolution 1280x800
default_border none
bar {{
  position top
  font pango:DejaVu Sans Mono 20
  status_command while :; do echo "{BAR_LINE}"; sleep 600; done
}}
"""


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None and not Path(t).exists()]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}: run scripts/setup")


def _wait(check, what: str, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sway() -> Iterator[dict[str, str]]:
    """Headless sway with a bar; the variables a client of it needs (root may connect).
    Its folder is outside pytest's (root-only) tree, so that nobody can reach it."""
    _need("sway", "grim", "wl-copy", "wl-paste", "swaymsg")
    base = Path(tempfile.mkdtemp(prefix="runnotes-sway-"))
    runtime = base / "xdg"
    runtime.mkdir(mode=0o700)
    config = base / "config"
    config.write_text(SWAY_CONFIG)
    config.chmod(0o644)
    command = ["sway", "-c", str(config)]
    if os.geteuid() == 0:  # sway refuses root: run it as nobody
        _need("setpriv")
        os.chown(runtime, NOBODY, NOBODY)
        base.chmod(0o755)
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(runtime),
        "XDG_RUNTIME_DIR": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_RENDERER": "pixman",
        "WLR_LIBINPUT_NO_DEVICES": "1",
    }
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: list(runtime.glob("wayland-*[0-9]")), "sway's socket")
        _wait(lambda: list(runtime.glob("sway-ipc.*.sock")), "sway's IPC socket")
        session = {
            "XDG_RUNTIME_DIR": str(runtime),
            "WAYLAND_DISPLAY": next(runtime.glob("wayland-*[0-9]")).name,
            "SWAYSOCK": str(next(runtime.glob("sway-ipc.*.sock"))),
            "XDG_SESSION_TYPE": "wayland",
            "DISPLAY": "",
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={base}/no-bus",  # no portal: sway's case
        }
        env_all = {**os.environ, **session}
        _wait(  # the bar has drawn its line (some light pixels at the top right)
            lambda: (
                subprocess.run(
                    ["grim", "-g", "700,0 580x36", "-t", "ppm", "-"],
                    env=env_all,
                    capture_output=True,
                ).stdout.count(b"\xff")
                > 50
            ),
            "sway's bar",
        )
        yield session
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def _captures(home: Path) -> list[Capture]:
    store = open_store(load_settings(home))
    try:
        with store.read() as session:
            return list(session.exec(select(Capture).order_by(Capture.id)).all())
    finally:
        store.close()


def _select(sway: dict[str, str], text: str) -> None:
    """Make ``text`` the primary selection (wl-copy stays behind to serve it)."""
    subprocess.run(
        ["wl-copy", "--primary", text], env={**os.environ, **sway}, check=True, timeout=10
    )
    _wait(
        lambda: (
            subprocess.run(
                ["wl-paste", "--primary", "--no-newline"],
                env={**os.environ, **sway},
                capture_output=True,
                text=True,
            ).stdout
            == text
        ),
        "the primary selection",
    )


def test_a_selection_like_on_sway_stores_the_selected_value(sway, home) -> None:  # type: ignore[no-untyped-def]
    run_cli("run", "start", "sway-selection")
    _select(sway, "epoch 7  val_loss: 0.4418")
    done = run_cli("like", "--selection", env=sway)
    assert "liked val_loss=0.4418" in done.stdout, done.stdout + done.stderr
    (value,) = [c for c in _captures(home) if c.kind == "metric"]
    assert (value.name, value.text, value.step, value.review) == (
        "val_loss",
        "0.4418",
        7,
        "approved",
    )
    assert value.via == "selection" and value.liked and value.source == "hotkey"


def test_a_region_like_on_sway_reads_the_grim_grab(sway, home) -> None:  # type: ignore[no-untyped-def]
    """slurp is what a person draws with; here a fixed answer stands in for the drawing."""
    run_cli("run", "start", "sway-region")
    env = {**sway, "RUNNOTES_AGENT_REGION_PICKER": "echo 1000,0 280x36"}
    done = run_cli("like", "--region", env=env, timeout=180)
    assert "liked val_acc=0.9321" in done.stdout, done.stdout + done.stderr
    rows = _captures(home)
    (value,) = [c for c in rows if c.kind == "metric"]
    assert (value.name, value.text, value.review) == ("val_acc", "0.9321", "approved")
    assert value.via == "ocr"
    shot = next(c for c in rows if c.kind == "screenshot")
    assert shot.extra["region"] == [1000, 0, 280, 36]
    media = open_store(load_settings(home)).media
    assert media.path(shot.media_sha).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_agent_doctor_on_sway(sway, home) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("agent", "doctor", env=sway).stdout
    assert out.startswith("desktop: wayland")
    lines = {ln.split()[1]: ln for ln in out.splitlines() if ln.startswith("  ")}
    assert lines["chords"].startswith("  no ") and "runnotes like --selection" in out
    assert "runnotes talk --toggle" in out
    assert lines["selection"].startswith("  ok ") and lines["region"].startswith("  ok ")
    assert lines["pointer"].startswith("  no ")


# -- the GlobalShortcuts portal -----------------------------------------------------------------


class PortalBus:
    """A private session bus with the mock backend and the real portal frontend on it."""

    def __init__(self, base: Path) -> None:
        self.shot = base / "picked.png"  # what the user picks in the screenshot dialog
        self.daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.address = self.daemon.stdout.readline().strip()  # type: ignore[union-attr]
        env = {
            **os.environ,
            "DBUS_SESSION_BUS_ADDRESS": self.address,
            "RUNNOTES_TEST_SHOT": str(self.shot),
        }
        self.backend = subprocess.Popen(
            [sys.executable, str(HERE / "portal_backend.py"), BACKEND],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.log: list[dict] = [json.loads(self.backend.stdout.readline())]  # type: ignore[union-attr]
        threading.Thread(target=self._read, daemon=True).start()
        portals = base / "portals"
        portals.mkdir()
        (portals / "runnotestest.portal").write_text(
            f"[portal]\nDBusName={BACKEND}\n"
            "Interfaces=org.freedesktop.impl.portal.GlobalShortcuts;"
            # the 1.16 frontend offers Screenshot only with an Access backend beside it
            "org.freedesktop.impl.portal.Screenshot;org.freedesktop.impl.portal.Access;\n"
            "UseIn=runnotestest\n"
        )
        self.frontend = subprocess.Popen(
            [FRONTEND, "--replace"],
            env={
                **env,
                "XDG_DESKTOP_PORTAL_DIR": str(portals),
                "XDG_CURRENT_DESKTOP": "runnotestest",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _read(self) -> None:
        for line in self.backend.stdout:  # type: ignore[union-attr]
            self.log.append(json.loads(line))

    def key(self, method: str, shortcut: str) -> None:
        """``Press`` or ``Release`` a shortcut, as the desktop would."""
        with open_dbus_connection(bus=self.address) as conn:
            address = DBusAddress(
                "/org/freedesktop/portal/desktop", BACKEND, "org.runnotes.TestKeys"
            )
            conn.send_and_get_reply(new_method_call(address, method, "s", (shortcut,)), timeout=10)

    def close(self) -> None:
        for proc in (self.frontend, self.backend, self.daemon):
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalBus]:
    _need("dbus-daemon", FRONTEND)
    bus = PortalBus(tmp_path_factory.mktemp("portal"))
    yield bus
    bus.close()


def test_portal_chords_like_and_push_to_talk(sway, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The agent registers, binds its chords through the real frontend, and a like and a held
    push-to-talk (Activated … Deactivated) land on the active run."""
    home = tmp_path / "home"
    env = {
        **sway,
        "DBUS_SESSION_BUS_ADDRESS": portal.address,
        "RUNNOTES_HOME": str(home),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "RUNNOTES_AGENT_OCR": "false",
        "RUNNOTES_AGENT_A11Y": "false",
    }
    installed = run_cli("agent", "install", env=env).stdout
    assert (tmp_path / "data/applications/io.github.runnotes.Agent.desktop").exists(), installed
    assert "wayland" in run_cli("agent", "doctor", env=env).stdout.splitlines()[0]
    run_cli("run", "start", "portal", env=env)
    agent = AgentProcess(home, "", **env)
    try:
        assert "(wayland)" in agent.seen[-1]
        binds = {e["bind"]: e["trigger"] for e in portal.log if "bind" in e}
        assert binds["like"] == "CTRL+ALT+l" and binds["voice"] == "CTRL+ALT+v"
        _select(sway, "val_acc: 0.9321")
        portal.key("Press", "like")
        portal.key("Release", "like")
        assert "liked val_acc=0.9321" in agent.expect("liked")[0]
        portal.key("Press", "voice")
        agent.expect("recording", timeout=90)
        time.sleep(3)
        portal.key("Release", "voice")
        agent.expect(r"voice note \d+ → run", timeout=120)
    finally:
        agent.stop()
    rows = _captures(home)
    (value,) = [c for c in rows if c.kind == "metric"]
    (voice,) = [c for c in rows if c.kind == "voice"]
    assert (value.name, value.text, value.review, value.via) == (
        "val_acc",
        "0.9321",
        "approved",
        "selection",
    )
    assert value.run_id == voice.run_id and voice.media_sha


def test_talk_toggle_records_a_voice_note_without_the_portal(sway, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """sway has no shortcut portal: a keybinding runs `runnotes talk --toggle`, press to start
    and press again to stop."""
    home = tmp_path / "home"
    env = {**sway, "RUNNOTES_HOME": str(home), "RUNNOTES_AGENT_OCR": "false"}
    env["RUNNOTES_AGENT_A11Y"] = "false"
    run_cli("run", "start", "toggle", env=env)
    agent = AgentProcess(home, "", **env)
    try:
        assert "toggled" in run_cli("talk", "--toggle", env=env).stdout
        agent.expect("recording", timeout=90)
        time.sleep(3)
        run_cli("talk", "--toggle", env=env)
        agent.expect(r"voice note \d+ → run", timeout=120)
    finally:
        agent.stop()
    (voice,) = [c for c in _captures(home) if c.kind == "voice"]
    assert voice.media_sha


def test_the_real_frontend_1_16_has_no_registry_so_none_is_called(portal) -> None:  # type: ignore[no-untyped-def]
    with open_dbus_connection(bus=portal.address) as conn:
        assert register_app_id(conn) is False


@pytest.mark.parametrize("version", [1, 0])
def test_the_app_id_is_registered_only_where_the_registry_says_its_version(version: int) -> None:
    """A frontend ≥ 1.21 (mocked: Debian has 1.16) exposes the registry and its version: the
    agent registers the app id of its .desktop file; without it, no Register call is made."""
    _need("dbus-daemon")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    address = daemon.stdout.readline().strip()  # type: ignore[union-attr]
    frontend = subprocess.Popen(
        [sys.executable, str(HERE / "portal_backend.py"), BUS_NAME, "--registry", str(version)],
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": address},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(frontend.stdout.readline()) == {"ready": BUS_NAME}  # type: ignore[union-attr]
        with open_dbus_connection(bus=address) as conn:
            assert register_app_id(conn) is bool(version)
    finally:
        frontend.terminate()
        out = frontend.communicate(timeout=10)[0]
        daemon.terminate()
        daemon.wait(timeout=10)
    calls = [json.loads(line) for line in out.splitlines()]
    registered = [c["register"] for c in calls if "register" in c]
    assert registered == (["io.github.runnotes.Agent"] if version else [])


def test_a_region_like_through_the_screenshot_portal(sway, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """GNOME and KDE have no grim: the region chord asks the Screenshot portal (interactive),
    which hands back only the picture the user picked; its value is read and stored."""
    subprocess.run(  # the user "picks" the bar's training line in the desktop's dialog
        ["grim", "-g", "1000,0 280x36", str(portal.shot)],
        env={**os.environ, **sway},
        check=True,
        timeout=30,
    )
    home = tmp_path / "home"
    env = {k: v for k, v in sway.items() if k != "SWAYSOCK"}  # not wlroots: GNOME's case
    env.update(
        {
            "DBUS_SESSION_BUS_ADDRESS": portal.address,
            "XDG_CURRENT_DESKTOP": "runnotestest",
            "RUNNOTES_HOME": str(home),
            "RUNNOTES_AGENT_A11Y": "false",
        }
    )
    doctor = run_cli("agent", "doctor", env=env).stdout
    assert "Screenshot portal" in doctor, doctor
    run_cli("run", "start", "portal-region", env=env)
    done = run_cli("like", "--region", env=env, timeout=180)
    assert "liked val_acc=0.9321" in done.stdout, done.stdout + done.stderr
    asked = [e["screenshot"] for e in portal.log if "screenshot" in e]
    assert asked and asked[-1]["interactive"] is True
    rows = _captures(home)
    (value,) = [c for c in rows if c.kind == "metric"]
    assert (value.name, value.text, value.review, value.via) == (
        "val_acc",
        "0.9321",
        "approved",
        "ocr",
    )
    shot = next(c for c in rows if c.kind == "screenshot")
    assert shot.extra["region"] == [0, 0, 280, 36]


def _on_a11y_bus(address: str) -> bool:
    """Whether an application has registered on the accessibility bus of this session bus."""
    with open_dbus_connection(bus=address) as session:
        bus = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus")
        a11y = session.send_and_get_reply(new_method_call(bus, "GetAddress"), timeout=5).body[0]
    with open_dbus_connection(bus=a11y) as conn:
        path, name = "/org/a11y/atspi/accessible/root", "org.a11y.atspi.Registry"
        root = DBusAddress(path, name, "org.a11y.atspi.Accessible")
        apps = conn.send_and_get_reply(new_method_call(root, "GetChildren"), timeout=5)
        return bool(apps.body[0])


def test_a_selection_like_falls_back_to_the_at_spi_selection(sway, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A GTK 3 entry on sway with its text selected: GTK sets no primary selection without a
    real input event (none in headless sway), as on GNOME where ``wl-paste`` cannot read it; the
    like takes the selection GTK publishes over AT-SPI."""
    _need("/usr/bin/python3", "/usr/libexec/at-spi-bus-launcher")
    probe = subprocess.run(
        ["/usr/bin/python3", "-c", "import gi; gi.require_version('Gtk', '3.0')"]
    )
    if probe.returncode != 0:
        pytest.skip("no GTK 3 for Python (python3-gi, gir1.2-gtk-3.0): run scripts/setup")
    home = tmp_path / "home"
    subprocess.run(  # an earlier test's selection is still served: none now
        ["wl-copy", "--primary", "--clear"], env={**os.environ, **sway}, check=True, timeout=10
    )
    with realtools.a11y_session():
        env = {
            **sway,
            "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
            "RUNNOTES_HOME": str(home),
            "RUNNOTES_AGENT_OCR": "false",
        }
        gtk = subprocess.Popen(
            ["/usr/bin/python3", str(HERE / "gtkentry.py"), "epoch 9  val_acc: 0.9412", "0", "-1"],
            env={**os.environ, **env, "GDK_BACKEND": "wayland"},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert gtk.stdout.readline().strip() == "selected"  # type: ignore[union-attr]
            _wait(lambda: _on_a11y_bus(env["DBUS_SESSION_BUS_ADDRESS"]), "GTK on the AT-SPI bus")
            primary = subprocess.run(
                ["wl-paste", "--primary", "--no-newline"],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
            )
            assert primary.stdout == ""  # no primary selection: GTK set none
            run_cli("run", "start", "a11y-selection", env=env)
            done = run_cli("like", "--selection", env=env)
        finally:
            gtk.terminate()
            gtk.wait(timeout=10)
    assert "liked val_acc=0.9412" in done.stdout, done.stdout + done.stderr
    (value,) = [c for c in _captures(home) if c.kind == "metric"]
    assert (value.name, value.text, value.step, value.review, value.via) == (
        "val_acc",
        "0.9412",
        9,
        "approved",
        "a11y",
    )
