"""``runnotes agent``: run the hotkey agent in the foreground, or as a daemon (start/stop/status).

The daemon is the foreground command in a new session with its output going to
``$RUNNOTES_HOME/agent.log``; whichever form runs writes ``$RUNNOTES_HOME/agent.pid``, so two
agents never fight over the same chords. Only typer is imported here: the agent's X11, OCR and
store modules load inside the commands, keeping ``runnotes --help`` instant.
"""

from __future__ import annotations

import faulthandler
import inspect
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runnotes.cli.options import CAPTURE
from runnotes.config import AGENT_CHORDS, AGENT_REGION, AGENT_VOICE_SOURCE
from runnotes.errors import RunnotesError
from runnotes.pidfile import agent_pid_file, running_pid

if TYPE_CHECKING:
    from runnotes.agent import Agent, AgentConfig
    from runnotes.config import Settings

START_TIMEOUT_S = 60
READY = "runnotes agent: ready"

app = typer.Typer()
agent_app = typer.Typer(help="The background agent: a chord likes what is on screen.")
app.add_typer(agent_app, name="agent", rich_help_panel=CAPTURE)


def _chord(name: str, what: str) -> Any:
    return Annotated[
        str | None,
        typer.Option(
            f"--{name}",
            help=f"Chord that {what} ([agent] {name} in config.toml).",
            show_default=AGENT_CHORDS[name],
        ),
    ]


LikeOpt = _chord("like", "likes the value under the pointer")
RegionOpt = _chord("region", "likes a rectangle you drag")
VoiceOpt = _chord("voice", "records a voice note while held down")
NoteOpt = _chord("note", "opens a box for a quick note")
PauseOpt = _chord("pause", "pauses and resumes capture")
SizeOpt = Annotated[
    str | None,
    typer.Option(
        help="Region around the pointer, WxH.", show_default="{}x{}".format(*AGENT_REGION)
    ),
]
OcrOpt = Annotated[
    bool | None,
    typer.Option("--ocr/--no-ocr", help="OCR if nothing is selected.", show_default="--ocr"),
]
VoiceSourceOpt = Annotated[
    str | None, typer.Option(help="mic, or wav:/path.wav.", show_default=AGENT_VOICE_SOURCE)
]


def _files(ctx: typer.Context) -> tuple[Path, Path]:
    home = ctx.find_root().obj.home
    return agent_pid_file(home), home / "agent.log"


def _say(line: str) -> None:
    sys.stdout.write(f"{datetime.now():%H:%M:%S} {line}\n")
    sys.stdout.flush()


def _options(ctx: typer.Context, **options: Any) -> None:
    """Keep the flags given (before or after ``start``) in ``ctx.meta``: the agent's settings,
    and the same flags again for the daemon that ``start`` launches."""
    flags: dict[str, Any] = ctx.meta.setdefault("agent_flags", {})
    args: list[str] = ctx.meta.setdefault("agent_args", [])
    size = options.pop("region_size")
    if size is not None:
        width, sep, height = size.lower().partition("x")
        if not (sep and width.isdigit() and height.isdigit()):
            raise RunnotesError(f"--region-size must look like 640x240, not {size!r}")
        flags.update(region_width=int(width), region_height=int(height))
        args += ["--region-size", size]
    for name, value in options.items():
        if value is None:
            continue
        flags[name] = value
        flag = f"--{name.replace('_', '-')}"
        args += [flag if value else f"--no-{name}"] if isinstance(value, bool) else [flag, value]


@agent_app.callback(invoke_without_command=True)
def agent(
    ctx: typer.Context,
    like: LikeOpt = None,  # type: ignore[valid-type]
    region: RegionOpt = None,  # type: ignore[valid-type]
    voice: VoiceOpt = None,  # type: ignore[valid-type]
    note: NoteOpt = None,  # type: ignore[valid-type]
    pause: PauseOpt = None,  # type: ignore[valid-type]
    region_size: SizeOpt = None,
    ocr: OcrOpt = None,
    voice_source: VoiceSourceOpt = None,
) -> None:
    """Run the agent in the foreground (Ctrl+C stops it); `start` runs it in the background."""
    _options(ctx, **{k: v for k, v in locals().items() if k != "ctx"})
    if ctx.invoked_subcommand is None:
        _foreground(ctx, ctx.meta["agent_flags"])


SIGNAL_LATENCY_S = 0.2  # at most this long between a signal and its handler (see _foreground)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _foreground(ctx: typer.Context, flags: dict[str, object]) -> None:
    from runnotes.agent import AgentConfig, check_environment
    from runnotes.reports import drafts

    settings = ctx.find_root().obj
    config = AgentConfig.from_section(settings.section("agent"), **flags)
    desktop = config.open_desktop()
    warnings = check_environment(desktop)
    pid_file, _ = _files(ctx)
    other = running_pid(pid_file)
    if other is not None and other != os.getpid():
        raise RunnotesError(f"an agent is already running (pid {other}): stop it first")
    agent = _agent(settings, config, desktop)
    for line in warnings:
        _say(f"warning: {line}")
    agent.start()
    with os.fdopen(os.open(pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as pid:
        pid.write(str(os.getpid()))  # the store folder exists: the settings checked it
    # other processes now hand draft refreshes to us (a team server refreshes its own)
    drafts_stop = drafts.serve_requests(agent.store) if agent.store else threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGUSR1, lambda *_: agent.toggle_voice())  # `runnotes talk --toggle`
    # `kill -USR2 <pid>` prints every thread's stack: what a stuck agent is waiting for
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    _say(
        f"{READY} ({desktop.name}): like {config.like} · region {config.region} · "
        f"note {config.note} · "
        f"voice {config.voice} (hold) · pause {config.pause}"
        f"{'' if agent.ocr else ' · OCR off'}"
    )
    try:
        while True:
            # Short naps, not one long sleep: Python runs a signal's handler on this thread, and
            # a signal the kernel gives another thread (the agent has several, some of them C
            # threads) does not wake this one. `talk --toggle`'s SIGUSR1 had waited a whole
            # sleep (seen in CI: no recording for 90 s, then at once on the next signal).
            time.sleep(SIGNAL_LATENCY_S)
    except KeyboardInterrupt:
        _say("runnotes agent: stopping")
    finally:
        drafts_stop.set()
        agent.stop()
        if running_pid(pid_file) == os.getpid():
            pid_file.unlink(missing_ok=True)


def _agent_options(command: Any) -> Any:
    """Give ``command`` the options of ``runnotes agent`` (typer reads them from the signature)."""
    command.__signature__ = inspect.signature(agent, eval_str=True)
    return command


@agent_app.command()
@_agent_options
def start(ctx: typer.Context, **options: Any) -> None:
    """Run the agent in the background (log and pid file in the store folder); the options are
    those of `runnotes agent`, before or after `start`."""
    _options(ctx, **options)
    pid_file, log_file = _files(ctx)
    pid = running_pid(pid_file)
    if pid is not None:
        raise RunnotesError(f"the agent is already running (pid {pid}); log: {log_file}")
    from runnotes.store.folders import private_dir, private_file

    private_dir(log_file.parent, "store folder")
    offset = log_file.stat().st_size if log_file.exists() else 0
    with os.fdopen(private_file(log_file, "agent log"), "ab") as log:
        command = [sys.executable, "-m", "runnotes", "agent", *ctx.meta["agent_args"]]
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        lines = log_file.read_bytes()[offset:].decode("utf-8", "replace").splitlines()
        if any(READY in line for line in lines):
            typer.echo(f"agent started (pid {child.pid}); log: {log_file}")
            return
        if child.poll() is not None:
            reason = next((ln for ln in reversed(lines) if ln.strip()), "no output")
            reason = reason.removeprefix("runnotes: error: ")
            raise RunnotesError(f"the agent did not start: {reason}")
        time.sleep(0.1)
    child.terminate()
    raise RunnotesError(f"the agent did not get ready in {START_TIMEOUT_S} s; see {log_file}")


@agent_app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the background agent (it finishes storing what it already captured)."""
    pid_file, _ = _files(ctx)
    pid = running_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        typer.echo("the agent is not running")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 70
    while running_pid(pid_file) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if running_pid(pid_file) == pid:
        raise RunnotesError(f"the agent (pid {pid}) did not stop; kill it with `kill -9 {pid}`")
    pid_file.unlink(missing_ok=True)
    typer.echo(f"agent stopped (pid {pid})")


@agent_app.command()
def status(ctx: typer.Context) -> None:
    """Say whether the background agent runs; exit code 1 when it does not."""
    pid_file, log_file = _files(ctx)
    pid = running_pid(pid_file)
    if pid is None:
        typer.echo("the agent is not running")
        raise typer.Exit(1)
    tail = log_file.read_text(errors="replace").splitlines()[-1:] if log_file.exists() else []
    typer.echo(f"the agent is running (pid {pid}); log: {log_file}")
    for line in tail:
        typer.echo(f"  last: {line}")


@agent_app.command()
def doctor(ctx: typer.Context) -> None:
    """Say which of the agent's capabilities this desktop gives, and what to do for the rest."""
    from runnotes.capture.desktop import no_desktop_capabilities, open_desktop, session_kind

    config = _config(ctx)
    kind = session_kind(os.environ)
    try:
        desktop = open_desktop(
            clipboard_seconds=config.clipboard_seconds, region_picker=config.region_picker
        )
    except RunnotesError as exc:
        typer.echo(f"desktop: none ({exc})")
        capabilities = no_desktop_capabilities()
    else:
        typer.echo(f"desktop: {desktop.name} ({_session_line(kind)})")
        try:
            capabilities = desktop.capabilities()
        finally:
            desktop.close()
    width = max(len(cap.name) for cap in capabilities)
    for cap in capabilities:
        mark = "ok " if cap.works else "no "
        line = f"  {mark} {cap.name:<{width}}  {cap.how}"
        typer.echo(line + (f"\n      → {cap.fix}" if cap.fix and not cap.works else ""))


def _session_line(kind: str) -> str:
    names = ("XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "WAYLAND_DISPLAY", "DISPLAY")
    return ", ".join(f"{n}={os.environ[n]}" for n in names if os.environ.get(n)) or kind


def _config(ctx: typer.Context) -> AgentConfig:
    from runnotes.agent import AgentConfig

    return AgentConfig.from_section(ctx.find_root().obj.section("agent"))


@agent_app.command()
def install(ctx: typer.Context) -> None:
    """Install the agent's .desktop file (its app id for the Wayland shortcut portal)."""
    from runnotes.capture.portal import APP_ID

    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    target = data / "applications" / f"{APP_ID}.desktop"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=runnotes agent\n"
        "Comment=Like values on screen and keep voice notes on the active run\n"
        f"Exec={sys.executable} -m runnotes agent\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        "Categories=Development;\n"
    )
    typer.echo(f"installed {target} (app id {APP_ID})")
    typer.echo(
        "desktops without the GlobalShortcuts portal (sway, GNOME < 48): bind keys to\n"
        "  runnotes like --selection   runnotes like --region   runnotes talk --toggle\n"
        "(sway: bindsym ctrl+alt+l exec runnotes like --selection)"
    )


def _agent(settings: Settings, config: AgentConfig, desktop: Any) -> Agent:
    """The agent, storing where runs live (:func:`runnotes.backend.open_backend`): on a team
    server's client it has no local store (voice notes need one)."""
    from runnotes.agent import Agent
    from runnotes.backend import open_backend

    backend = open_backend(settings)
    store = None if settings.server_url else backend.local_store()
    return Agent(store, config, _say, desktop, backend=backend)


def like_from_desktop(ctx: typer.Context, region: bool) -> None:
    """``runnotes like --selection`` / ``--region``: one like through the agent's own path."""

    settings = ctx.find_root().obj
    config = _config(ctx)
    if not region:
        config.ocr = False  # the selection is exact text: no OCR model to load
    desktop = config.open_desktop()
    agent = _agent(settings, config, desktop)
    try:
        if not agent.like_once(region=region):
            raise RunnotesError("the like could not be stored (see the line above)")
    finally:
        desktop.close()


@app.command(rich_help_panel=CAPTURE)
def talk(
    ctx: typer.Context,
    toggle: Annotated[
        bool, typer.Option("--toggle", help="Start recording, or stop the recording running.")
    ] = False,
) -> None:
    """Push-to-talk from a desktop keybinding: the running agent starts or stops a voice note."""
    if not toggle:
        raise RunnotesError("say --toggle (hold-to-talk needs a chord the agent listens to)")
    pid_file, _ = _files(ctx)
    pid = running_pid(pid_file)
    if pid is None:
        raise RunnotesError("the agent is not running: start it with `runnotes agent start`")
    os.kill(pid, signal.SIGUSR1)
    typer.echo(f"voice note toggled (agent pid {pid})")
