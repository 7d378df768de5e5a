"""The browser extension's API (``/api/extension/…``), served by ``runnotes serve``.

The guard (:mod:`runnotes.web.security`) has already checked the pairing token and the origin.
A like is committed before it is answered; it lands on the active run (else today's run) like
the agent's, goes through the same review rules (:mod:`runnotes.capture.browser`) and its write
publishes the same event (``CapturesAdded`` of a like), so drafts show it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from runnotes import events
from runnotes.backend.local import backend_of
from runnotes.capture.browser import BrowserLike, to_capture
from runnotes.errors import NotFound, RunnotesError
from runnotes.store.captures import browser_state, derived
from runnotes.store.db import Store
from runnotes.store.models import Capture, Kind, Review, Run, Source
from runnotes.store.runs import (
    NewCapture,
    active_run_id,
    create_run,
    push_active,
)

router = APIRouter(prefix="/api/extension", tags=["extension"])
LAST_LIKES = 8
RUNS_SHOWN = 20
AUDIO_SUFFIX = {
    "audio/webm": ".webm",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
}


def _store(request: Request) -> Store:
    return request.app.state.store


def _run_json(run: Run) -> dict[str, Any]:
    return {"id": run.id, "name": run.name}


def _like_json(c: Capture) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "qualifier": (c.extra or {}).get("qualifier"),
        "text": c.text,
        "value": c.value,
        "step": c.step,
        "review": c.review,
        "tool": c.tool,
        "exact_from": c.exact_from,
        "run_id": c.run_id,
    }


@router.post("/likes")
async def like(request: Request) -> dict[str, Any]:
    """Store what the extension read under the pointer; answered once committed."""
    body = await request.json()
    if not isinstance(body, dict):
        raise RunnotesError("a like is a JSON object")
    capture = to_capture(BrowserLike.from_json(body), time.time())
    store = _store(request)
    backend = backend_of(store)  # stored as any shell's like is (runnotes.backend)
    run_id = backend.run_ref(None).id
    [capture_id] = backend.add_captures(run_id, [capture])  # publishes CapturesAdded ("like")
    with store.read() as session:
        row = session.get(Capture, capture_id)
        return {**_like_json(row), "run": _run_json(session.get(Run, run_id))}  # type: ignore[arg-type]


@router.get("/state")
def state(request: Request) -> dict[str, Any]:
    """The popup's view: the active run, runs to switch to, the last likes made from a browser."""
    store = _store(request)
    active = active_run_id(store)
    with store.read() as session:
        runs, likes = browser_state(session, RUNS_SHOWN, LAST_LIKES)
        active_run = session.get(Run, active) if active is not None else None
        return {
            "active": _run_json(active_run) if active_run else None,
            "runs": [_run_json(r) for r in runs],
            "likes": [_like_json(c) for c in likes],
        }


@router.post("/likes/{capture_id}/undo")
def undo(request: Request, capture_id: int) -> dict[str, Any]:
    """Take back a browser like (only those: nothing else can be deleted through here)."""
    store = _store(request)
    with store.write() as session:
        row = session.get(Capture, capture_id)
        if row is None or row.via != "browser" or not row.liked:
            raise NotFound(f"no browser like {capture_id}")
        session.delete(row)
        events.queue(session, events.ReviewChanged(row.run_id))
    return {"undone": capture_id}


@router.post("/notes")
async def note(request: Request) -> dict[str, Any]:
    body = await request.json()
    text = str(body.get("text", "") if isinstance(body, dict) else "").strip()
    if not text:
        raise RunnotesError("an empty note")
    backend = backend_of(_store(request))
    run_id = backend.run_ref(None).id
    capture = NewCapture(
        kind=Kind.note,
        source=Source.browser,
        text=text[:10_000],
        review=Review.approved,
        via="browser",
    )
    [capture_id] = backend.add_captures(run_id, [capture])
    return {"id": capture_id, "run_id": run_id}


@router.post("/runs/active")
async def activate(request: Request) -> dict[str, Any]:
    body = await request.json()
    run_id = body.get("run_id") if isinstance(body, dict) else None
    store = _store(request)
    with store.read() as session:
        run = session.get(Run, run_id) if isinstance(run_id, int) else None
        if run is None or run.status != "running":
            raise NotFound(f"no running run {run_id}")
    push_active(store, run.id, "extension")  # type: ignore[arg-type]
    return _run_json(run)


@router.post("/runs")
async def start(request: Request) -> dict[str, Any]:
    body = await request.json()
    name = (body.get("name") if isinstance(body, dict) else None) or None
    store = _store(request)
    run = create_run(store, name, experiment="browser")
    push_active(store, run.id, "extension")  # type: ignore[arg-type]
    return _run_json(run)


@router.post("/voice")
async def voice(request: Request) -> dict[str, Any]:
    """A push-to-talk recording from the popup: stored, then transcribed and extracted onto the
    active run as ``runnotes voice add`` does (the audio is kept even if transcription fails)."""
    from starlette.concurrency import run_in_threadpool

    from runnotes.voice.audio import store_file
    from runnotes.voice.notes import start_note, transcribe_stored

    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if mime not in AUDIO_SUFFIX:
        raise RunnotesError(f"not a recording: {mime or 'no content type'}")
    data = await request.body()
    if not data:
        raise RunnotesError("an empty recording")
    store = _store(request)
    run_id = backend_of(store).run_ref(None).id
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"browser-voice{AUDIO_SUFFIX[mime]}"
        path.write_bytes(data)
        with store.write() as session:
            sha = store_file(session, store, path, mime)
        capture_id = start_note(store, run_id, "browser", media_sha=sha)
        await run_in_threadpool(transcribe_stored, store, capture_id)
    with store.read() as session:
        note_row = session.get(Capture, capture_id)
        values = derived(session, capture_id)
        return {
            "id": capture_id,
            "run_id": run_id,
            "status": note_row.status if note_row else None,
            "text": note_row.text if note_row else "",
            "values": sum(1 for v in values if v.kind in (Kind.metric, Kind.param)),
        }
