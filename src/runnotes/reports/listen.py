"""``runnotes listen``: an experiment's (or one run's) spoken summary, as a WAV beside its script.

The script (:mod:`runnotes.reports.listen_script`) is written to ``listen.txt`` and spoken into
``listen.wav`` beside the README draft. Speaking takes seconds (espeak-ng) to a minute (Piper),
so the audio is made again only when the script changed: the drafts refresh calls
:func:`write_listen` on every event, and most events change nothing a listener would hear.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from runnotes.errors import RunnotesError
from runnotes.reports import data as reportdata
from runnotes.reports.listen_script import Script, build_script
from runnotes.reports.speech import Spoken, choose_voice, synthesize
from runnotes.reports.writers import _datasets_for
from runnotes.store.db import Store
from runnotes.store.experiments import find_experiment
from runnotes.store.experiments import project_name as project_of
from runnotes.store.models import Experiment
from runnotes.store.queries import resolve_run

log = logging.getLogger(__name__)


@dataclass
class Listened:
    audio: Path
    script_path: Path
    script: Script
    spoken: Spoken | None  # None: the script had not changed, the audio was kept


@dataclass(frozen=True)
class Subject:
    """What to summarise: an experiment, or one run of it (``run_id``)."""

    experiment_id: int
    experiment: str
    project: str
    run_id: int | None = None
    run_name: str | None = None
    started_at: float | None = None


def find_subject(store: Store, ref: str, project: str | None = None) -> Subject:
    """An experiment by name, else a run by name or id (``runnotes listen EXPERIMENT|RUN``)."""
    with store.read() as session:
        try:
            experiment_id, project_name = find_experiment(session, ref, project)
            return Subject(experiment_id, ref, project_name)
        except RunnotesError as not_experiment:
            try:
                run = resolve_run(session, ref)
            except RunnotesError:
                raise RunnotesError(
                    f"{not_experiment} and no run {ref!r}: name an experiment or a run"
                ) from None
            exp = session.get(Experiment, run.experiment_id)
            proj = project_of(session, run.experiment_id)
            return Subject(
                run.experiment_id,
                exp.name,  # type: ignore[union-attr]
                proj,
                run.id,
                run.name,
                run.started_at,
            )


def script_for(store: Store, subject: Subject, include_pending: bool = False) -> Script:
    """The spoken script: the whole experiment, or (a run) the runs started at that instant."""
    rules = reportdata.rules_for(store, include_pending)
    if subject.run_id is None:
        data = reportdata.load_experiment(store, subject.experiment_id, rules)
    else:
        start = subject.started_at or 0.0
        data = reportdata.load_experiment(
            store, subject.experiment_id, rules, since=start, until=start + 1e-6
        )
        data.runs = [r for r in data.runs if r.id == subject.run_id]
    headline = data.headline_run
    return build_script(
        data, _datasets_for(data, headline) if headline else [], run=subject.run_name
    )


def write_listen(
    store: Store,
    subject: Subject,
    out: Path,
    *,
    include_pending: bool = False,
    force: bool = False,
    background: bool = False,
) -> Listened:
    """Write the script beside ``out`` (``.txt``) and speak it into ``out`` (a .wav) unless the
    same script was spoken there before (``force`` speaks it anyway; ``background``: at low
    priority, for drafts)."""
    out = Path(out)
    if out.suffix.lower() != ".wav":
        raise RunnotesError(f"cannot write {out}: the spoken summary is a .wav file")
    voice = choose_voice(store.settings)  # a missing engine is an error before any work
    script = script_for(store, subject, include_pending)
    script_path = out.with_suffix(".txt")
    same = script_path.is_file() and script_path.read_text(encoding="utf-8") == script.text
    if same and out.is_file() and not force:
        return Listened(out, script_path, script, None)
    out.parent.mkdir(parents=True, exist_ok=True)
    spoken = synthesize(script.text, out, voice, background=background)
    tmp = script_path.with_name(f".{script_path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(script.text)  # user-only from the start, as the audio
    os.replace(tmp, script_path)  # after the audio: a failed synthesis is tried again next time
    log.info(
        "spoke %s with %s: %.1f s of audio in %.1f s",
        out,
        spoken.engine,
        spoken.seconds,
        spoken.took,
    )
    return Listened(out, script_path, script, spoken)
