"""The API docs (Swagger UI at ``/api/docs``) and the favicon, offline.

FastAPI's own docs page loads Swagger UI from a CDN and starts it with an inline script: blank
without a network, and blocked by a CSP that allows script from this server only. Here the
assets come from the ``fastapi-offline`` package (Swagger UI as released, with its licence) and
the page starts it from a file in ``static/``, so it works offline and under
``script-src 'self'``. ReDoc stays off: its standalone bundle starts a ``blob:`` worker, which
that policy forbids.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/api/docs/assets"
FAVICON = Path(__file__).parent / "static" / "favicon.ico"

router = APIRouter(include_in_schema=False)


def mount_assets(app: FastAPI) -> None:
    directory = Path(str(files("fastapi_offline") / "static"))
    app.mount(ASSETS, StaticFiles(directory=directory), name="api-docs-assets")


@router.get("/api/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, "api_docs.html", {"assets": ASSETS, "spec": request.app.openapi_url}
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/x-icon")
