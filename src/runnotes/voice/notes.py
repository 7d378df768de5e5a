"""Voice notes in the store: audio first, then the transcript, then what it says.

The audio is committed before anything can go wrong with it, so a bad file, a missing model or a
killed recorder loses nothing: the note stays with ``status = "failed"`` (or ``"pending"``)
and a one-line ``extra.error``, and :func:`retry` runs it again. Extracted values are stored
``pending`` with a pointer back (``parent_id``, ``extra.segment``) and a ``role``, for review.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from runnotes import events
from runnotes.config import Settings
from runnotes.errors import RunnotesError
from runnotes.store.captures import drop_pending_derived
from runnotes.store.db import Store
from runnotes.store.models import Capture, Kind, MediaFile, Review, Source
from runnotes.store.runs import NewCapture, insert_captures
from runnotes.voice import audio
from runnotes.voice.extract import Mention, extract
from runnotes.voice.models import resolve_model
from runnotes.voice.transcribe import (
    FILE,
    ChunkPolicy,
    Segment,
    Transcriber,
    vocabulary_prompt,
)
from runnotes.voice.typed import UNSURE_VALUE, known_names

Progress = Callable[[float], None]


def start_note(
    store: Store,
    run_id: int,
    origin: str,
    *,
    media_sha: str | None = None,
    partial: str | None = None,
) -> int:
    """The voice capture, committed before any transcription (status ``pending``)."""
    extra: dict[str, Any] = {"segments": []}
    if partial:
        extra["partial"] = partial
    row = NewCapture(
        kind=Kind.voice,
        source=Source.voice,
        text="",
        origin=origin,
        review=Review.pending,  # a transcript is machine output: a person reviews it
        media_sha=media_sha,
        status="pending",
        extra=extra,
    )
    with store.write() as session:
        (capture,) = insert_captures(session, run_id, [row])
        return capture.id  # type: ignore[return-value]


def make_transcriber(
    store: Store,
    run_id: int,
    policy: ChunkPolicy,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> Transcriber:
    """A transcriber for this run: its model, device and vocabulary prompt come from settings."""
    settings = settings or store.settings
    section = settings.voice
    with store.read() as session:
        known, tags = known_names(session, run_id)
    prompt = vocabulary_prompt(sorted(known), tags) if section.prompt else None
    return Transcriber(
        resolve_model(settings),
        prompt=prompt,
        policy=policy,
        device=section.device,
        threads=section.threads,
        on_progress=on_progress,
    )


def _mention_capture(m: Mention, voice_id: int, segments: list[Segment]) -> NewCapture:
    """A pending capture that shows the reviewer what was heard, and how sure Whisper was."""
    extra: dict[str, Any] = {"segment": m.segment}
    if m.role in ("metric", "param"):  # a note's text is its sentence already
        extra["heard"] = m.sentence
    confidence = segments[m.segment].confidence
    if m.unit:
        extra["unit"] = m.unit
    if m.unsure:  # a broken number: flagged like a sentence Whisper was unsure of
        extra["unsure"] = m.unsure
        confidence = min(confidence if confidence is not None else 1.0, UNSURE_VALUE)
    if m.run is not None:
        extra["run"] = m.run
    return NewCapture(
        kind=m.kind,
        source=Source.voice,
        name=m.name,
        value=m.value,
        text=m.text,
        review=Review.pending,
        role=m.role,
        confidence=None if confidence is None else round(confidence, 2),
        parent_id=voice_id,
        extra=extra,
    )


def finish_note(store: Store, capture_id: int, transcriber: Transcriber) -> list[int]:
    """Store the transcript and its mentions in one transaction; returns the mentions' ids.

    A transcript with no speech at all is a failure (the note keeps its audio for a retry).
    """
    segments = transcriber.finish()
    if not segments:
        dropped = " (Whisper's guesses from silence were dropped)" if transcriber.flags else ""
        mark_failed(store, capture_id, f"no speech found in the audio{dropped}")
        return []
    with store.write() as session:
        voice = _voice(session, capture_id)
        known, _ = known_names(session, voice.run_id)
        mentions = extract([s.text for s in segments], known)
        drop_pending_derived(session, capture_id)
        voice.text = " ".join(s.text for s in segments)
        kept = {k: v for k, v in (voice.extra or {}).items() if k not in ("error", "partial")}
        voice.status = "ok"
        voice.extra = {
            **kept,
            "model": transcriber.model.name,
            "segments": [s.as_dict() for s in segments],
            "flags": sorted(transcriber.flags),
        }
        session.add(voice)
        found = [_mention_capture(m, capture_id, segments) for m in mentions]
        rows = insert_captures(session, voice.run_id, found)
        ids = [r.id for r in rows if r.id is not None]
        events.queue(session, events.CapturesAdded(voice.run_id, "voice"))
    return ids


def mark_failed(store: Store, capture_id: int, error: str) -> None:
    with store.write() as session:
        voice = _voice(session, capture_id)
        voice.status = "failed"
        voice.extra = {**(voice.extra or {}), "error": error}
        session.add(voice)


def _voice(session: Session, capture_id: int) -> Capture:
    voice = session.get(Capture, capture_id)
    if voice is None or voice.kind != Kind.voice:
        raise RunnotesError(f"no voice note with id {capture_id}")
    return voice


def add_voice_file(
    store: Store,
    run_id: int,
    path: str | Path,
    *,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> int:
    """Store an existing recording on a run, then transcribe it; returns the voice capture id.

    Whatever goes wrong after the audio is stored ends as ``status = "failed"`` with the
    reason in ``extra.error``; check ``status`` (or call :func:`note_status`).
    """
    path = Path(path)
    if not path.is_file():
        raise RunnotesError(f"no such file: {path}")
    mime = audio.sniff_mime(path)
    with store.write() as session:
        sha = audio.store_file(session, store, path, mime)
    capture_id = start_note(store, run_id, str(path.resolve()), media_sha=sha)
    return transcribe_stored(store, capture_id, settings=settings, on_progress=on_progress)


def transcribe_stored(
    store: Store,
    capture_id: int,
    *,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> int:
    """Transcribe (again) the audio a voice note already has in the media store."""
    with store.read() as session:
        voice = _voice(session, capture_id)
        run_id, sha = voice.run_id, voice.media_sha
        media = session.get(MediaFile, sha) if sha else None
    try:
        if media is None or sha is None:
            raise RunnotesError("it has no audio")
        file = store.media.path(sha)
        if media.size == 0:
            raise RunnotesError("the file is empty (0 bytes)")
        transcriber = make_transcriber(store, run_id, FILE, settings, on_progress)
        for block in audio.read_blocks(file, block_seconds=1.0, name=media.original_name):
            transcriber.feed(block)
        finish_note(store, capture_id, transcriber)
    except RunnotesError as exc:
        mark_failed(store, capture_id, str(exc))
    return capture_id


def note_status(store: Store, capture_id: int) -> tuple[str, str | None]:
    """(status, error) of a voice note: ok, failed or pending."""
    with store.read() as session:
        voice = _voice(session, capture_id)
    return voice.status or "pending", (voice.extra or {}).get("error")


def keep_partial(store: Store, capture_id: int) -> None:
    """Move a recording cut short (crash, SIGKILL) from ``media/partial`` into the media store."""
    with store.write() as session:
        voice = _voice(session, capture_id)
        name = (voice.extra or {}).get("partial")
        if not name:
            return
        path = audio.partial_path(store, name)
        if path.exists():
            audio.repair_wav(path)
            voice.media_sha = audio.store_file(session, store, path, "audio/wav", "recording.wav")
        voice.extra = {k: v for k, v in (voice.extra or {}).items() if k != "partial"}
        session.add(voice)
    path.unlink(missing_ok=True)


def retry(
    store: Store,
    capture_id: int,
    *,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> int:
    """Run a failed, interrupted or pending voice note again from its stored audio."""
    keep_partial(store, capture_id)
    return transcribe_stored(store, capture_id, settings=settings, on_progress=on_progress)
