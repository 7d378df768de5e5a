"""``runnotes listen EXPERIMENT|RUN``: the spoken summary, written beside the README draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from runnotes.shell import store_of


def listen(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="Experiment name, or a run's name or id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A .wav file (default: beside the README draft)."),
    ] = None,
    project: Annotated[str | None, typer.Option("--project", "-p", help="Project name.")] = None,
    include_pending: Annotated[
        bool, typer.Option("--include-pending", help="Add captures not reviewed yet.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Speak it again even if the script is unchanged.")
    ] = False,
) -> None:
    """A spoken summary (two minutes at most) of an experiment or a run, as a WAV file with its
    script beside it; the voice is Piper (the speech extra) or espeak-ng ([listen] engine)."""
    from runnotes.reports.drafts import DraftSettings, path_part
    from runnotes.reports.listen import find_subject, write_listen

    store = store_of(ctx)
    subject = find_subject(store, what, project)
    if output is None:
        folder = DraftSettings.of(store).project_dir(subject.project) / path_part(
            subject.experiment
        )
        name = f"listen-{path_part(subject.run_name)}.wav" if subject.run_name else "listen.wav"
        output = folder / name
    done = write_listen(store, subject, output, include_pending=include_pending, force=force)
    if done.spoken is None:
        typer.echo(f"unchanged: {done.audio} (script {done.script_path})")
    else:
        typer.echo(
            f"wrote {done.audio} ({done.spoken.seconds:.0f} s, {done.spoken.engine}, "
            f"{done.script.words} words; script {done.script_path})"
        )
