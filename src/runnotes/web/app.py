"""Building the FastAPI application: pages, the JSON API, static assets, the guard, errors.

A user mistake (:class:`RunnotesError`: a malformed filter) becomes a 400 with the one-line
message, something missing (:class:`NotFound`: an unknown run) a 404, a contradiction of what is
stored for good (:class:`Conflict`: ending an ended run) a 409 — JSON for the API, the page
layout for a browser — never a stack trace. Anything else is answered as a JSON 500 by the guard,
with the connection kept open (see :mod:`runnotes.web.security`). JSON answers spell NaN and ±inf
as strings (:mod:`runnotes.jsonsafe`): stored values may be either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from runnotes import jsonsafe
from runnotes.errors import Conflict, NotFound, RunnotesError
from runnotes.store.db import POOL_CONNECTIONS, Store
from runnotes.web import api, docs, drafts, experiments, extension, lifecycle, pages, treeview
from runnotes.web.security import Guard, GuardMiddleware

HERE = Path(__file__).parent


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


class SafeJSONResponse(JSONResponse):
    """JSON that never fails on a stored NaN or ±inf (Starlette's refuses to encode them)."""

    def render(self, content: Any) -> bytes:
        return jsonsafe.dumps(content)


@asynccontextmanager
async def _as_many_threads_as_connections(_app: FastAPI) -> AsyncIterator[None]:
    """Routes are sync functions run on a thread pool (40 threads by default): with more
    threads than store connections, a burst of clients made requests time out on the
    connection pool (500s at 64 clients). One thread per connection makes them queue instead."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = POOL_CONNECTIONS
    yield


def create_app(store: Store, guard: Guard | None = None) -> FastAPI:
    guard = guard or Guard()
    app = FastAPI(
        lifespan=_as_many_threads_as_connections,
        title="runnotes",
        default_response_class=SafeJSONResponse,
        summary="Experiment notes: runs, captures, review, reports.",
        docs_url=None,  # served offline by runnotes.web.docs
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.state.guard = guard
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
    templates.env.globals["csrf"] = guard.csrf_token()
    templates.env.globals["auth"] = guard.token is not None
    pages.add_filters(templates.env)
    treeview.add_filters(templates.env)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    docs.mount_assets(app)
    app.include_router(docs.router)
    app.include_router(api.router)
    app.include_router(extension.router)
    app.include_router(lifecycle.api)
    app.include_router(lifecycle.pages)
    app.include_router(pages.router)
    app.include_router(drafts.router)
    app.include_router(experiments.router)
    app.add_middleware(GuardMiddleware, guard=guard)

    @app.exception_handler(RunnotesError)
    async def user_error(request: Request, exc: RunnotesError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
        if _wants_html(request):
            return templates.TemplateResponse(
                request, "error.html", {"message": str(exc)}, status_code=status
            )
        return SafeJSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"invalid {where}: {first.get('msg', 'bad request')}"
        if _wants_html(request):
            return HTMLResponse(
                templates.get_template("error.html").render(request=request, message=message),
                status_code=422,
            )
        # Only the parts that are always JSON: ``input`` can be raw bytes (a text/plain body).
        errors = [{k: e.get(k) for k in ("loc", "msg", "type")} for e in exc.errors()]
        return SafeJSONResponse({"detail": message, "errors": errors}, status_code=422)

    return app
