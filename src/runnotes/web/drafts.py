"""The drafts runnotes keeps current (README per experiment, progress per week), on the page.

A download link names a draft by a hash of the path recorded in the Draft table, never by a
path: the file served is always one runnotes wrote (or the ``.draft`` version beside it), so a
request cannot reach any other file.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from runnotes.errors import RunnotesError
from runnotes.reports.drafts import DraftInfo, list_drafts
from runnotes.store.db import Store
from runnotes.web.api import store_of

router = APIRouter()


def draft_key(info: DraftInfo) -> str:
    """A stable id for a draft: the sha256 of its recorded path."""
    return hashlib.sha256(str(info.path).encode()).hexdigest()


def find_draft(store: Store, key: str) -> DraftInfo:
    for info in list_drafts(store):
        if draft_key(info) == key:
            return info
    raise RunnotesError(f"no draft {key!r}: see the drafts page for the list")


def draft_dict(info: DraftInfo) -> dict[str, Any]:
    key = draft_key(info)
    return {
        "key": key,
        "path": str(info.path),
        "kind": info.kind,
        "project": info.project,
        "experiment": info.experiment,
        "refreshed_at": info.refreshed_at,
        "trigger": info.trigger,
        "edited": info.edited,
        "error": info.error,
        "download": f"/drafts/{key}",
        "download_new": f"/drafts/{key}?version=new" if info.edited else None,
        "script": _script(info),
    }


def _script(info: DraftInfo) -> str | None:
    """A spoken summary's script (``listen.txt`` beside ``listen.wav``), shown beside the player."""
    if info.kind != "listen":
        return None
    try:
        return info.written.with_suffix(".txt").read_text(encoding="utf-8")
    except OSError:
        return None


@router.get("/api/drafts", tags=["api"])
def drafts_api(request: Request) -> list[dict[str, Any]]:
    """Every draft runnotes keeps: path, experiment, last refresh, trigger, hand-edited, error."""
    return [draft_dict(d) for d in list_drafts(store_of(request))]


@router.get("/drafts", include_in_schema=False)
def drafts_page(request: Request) -> Response:
    drafts = [draft_dict(d) for d in list_drafts(store_of(request))]
    return request.app.state.templates.TemplateResponse(request, "drafts.html", {"drafts": drafts})


@router.get("/drafts/{key}", include_in_schema=False)
def download(request: Request, key: str, version: str = "current") -> Response:
    """The draft as written (or, for a hand-edited one, ``version=new``: runnotes' new version
    beside it)."""
    info = find_draft(store_of(request), key)
    if version not in ("current", "new"):
        raise RunnotesError(f"version is current or new, not {version!r}")
    path = info.written if version == "new" else info.path
    if not path.is_file():
        return Response(
            f"{path.name} is not there any more: refresh the drafts",
            status_code=404,
            media_type="text/plain",
        )
    return FileResponse(
        path,
        filename=path.name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
