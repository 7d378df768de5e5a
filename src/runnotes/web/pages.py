"""The HTML pages: overview, runs table, run, compare, review queue, report, media, login.

Pages are rendered on the server from the same library calls as the API; forms work without
JavaScript (``static/app.js`` only adds conveniences). Every POST form carries the CSRF token and
answers with a redirect back to a local page (``next`` may not point off-site).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.background import BackgroundTask

from runnotes.errors import RunnotesError
from runnotes.formatting import duration, fmt_value, when
from runnotes.services.charts import chart_specs
from runnotes.services.columns import default_columns, parse_columns
from runnotes.services.experiments import goal_of, set_run_goal
from runnotes.services.metrics import best_values, column_bests
from runnotes.services.overview import experiments_overview
from runnotes.store.models import Kind, MediaFile
from runnotes.store.queries import RunFilter, compare_runs, run_overview
from runnotes.store.review import (
    count_pending,
    edit_capture,
    pending_captures,
    runs_page,
    set_review,
    set_reviews,
    unsure,
)
from runnotes.store.runs import add_tags
from runnotes.store.timeline import timeline_counts, timeline_page
from runnotes.web.api import require_run, store_of
from runnotes.web.params import Page
from runnotes.web.security import COOKIE, client_of, media_disposition

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Csrf = Annotated[str, Form()]
Next = Annotated[str, Form()]


# -- template helpers -------------------------------------------------------------------------


def _clock(seconds: float | None) -> str:
    seconds = seconds or 0.0
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def add_filters(env: Environment) -> None:
    env.filters.update(when=when, duration=duration, num=fmt_value, clock=_clock)
    env.tests["unsure"] = unsure


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def _check_csrf(request: Request, token: str) -> None:
    if not request.app.state.guard.csrf_ok(token):
        raise RunnotesError("the form is stale or came from another site: reload the page")


def _back(next_url: str, fallback: str = "/") -> RedirectResponse:
    """Redirect to a local path only: ``next`` comes from the request."""
    safe = next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url
    return RedirectResponse(next_url if safe else fallback, status_code=303)


# -- pages --------------------------------------------------------------------------------------


@router.get("/")
def overview(request: Request) -> Response:
    store = store_of(request)
    return _render(
        request,
        "overview.html",
        experiments=experiments_overview(store),
        pending=count_pending(store),
    )


@router.get("/runs")
def runs(
    request: Request,
    experiment: str | None = None,
    project: str | None = None,
    tag: str | None = None,
    where: str | None = None,
    q: str | None = None,
    sort: str = "id",
    desc: bool = True,
    page: Page = 1,
    show: str = "active",
    columns: str | None = None,
) -> Response:
    """The runs table; ``columns`` (``params.lr,metrics.val_acc``) picks its value columns."""
    store = store_of(request)
    chosen = parse_columns(columns)
    tags = [t.strip() for t in (tag or "").split(",") if t.strip()]
    filters = RunFilter(
        experiment=experiment or None,
        project=project or None,
        tags=tags,
        where=where or None,
        search=q or None,
        show=show,
    )
    # The exact count is cheap only without a filter; filtered pages just know if more follow.
    found = runs_page(
        store,
        filters,
        sort=sort,
        descending=desc,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        count=not (tags or where or q),
    )
    state = {
        "experiment": experiment or "",
        "project": project or "",
        "tag": tag or "",
        "where": where or "",
        "q": q or "",
        "sort": sort,
        "desc": "true" if desc else "false",
        "show": show,
        "columns": columns or "",
    }

    def link(**changes: Any) -> str:
        return "/runs?" + urlencode({k: v for k, v in {**state, **changes}.items() if v})

    return _render(
        request,
        "runs.html",
        found=found,
        runs=found.runs,
        page=page,
        state=state,
        link=link,
        columns=chosen or default_columns(found.runs),
    )


@router.get("/runs/{ref}")
def run(
    request: Request,
    ref: str,
    kind: str | None = None,
    page: Page = 1,
) -> Response:
    """The run: context, params, a downsampled chart per metric, and its timeline (what a person
    said, liked or captured; logged values are in the charts), by kind, a page at a time."""
    store = store_of(request)
    summary, row = run_overview(store, ref)
    specs = {spec.metric: spec for spec in chart_specs(store, {summary.id: summary.name})}
    timeline = timeline_page(
        store, summary.id, kind or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    here = f"/runs/{summary.id}"

    def link(**changes: Any) -> str:
        state = {"kind": kind or "", "page": page if page > 1 else "", **changes}
        query = urlencode({k: v for k, v in state.items() if v})
        return f"{here}?{query}" if query else here

    return _render(
        request,
        "run.html",
        s=summary,
        r=row,
        specs=specs,
        best=best_values(store, [summary.id])[summary.id],
        goal=goal_of(store, row.experiment_id),
        timeline=timeline,
        counts=timeline_counts(store, summary.id),
        kind=kind or "",
        page=page,
        datasets=timeline_page(store, summary.id, Kind.dataset, limit=PAGE_SIZE).captures,
        link=link,
        next=link(),
    )


@router.get("/compare")
def compare(request: Request, run: Annotated[list[str], Query()] = []) -> Response:  # noqa: B006
    if len(run) < 2:
        return _render(
            request,
            "error.html",
            status=400,
            message="pick at least two runs on the runs page to compare them",
        )
    store = store_of(request)
    cmp = compare_runs(store, run)
    specs = chart_specs(store, {r.id: f"{r.id}: {r.name}" for r in cmp.runs})
    best = column_bests(store.settings, cmp.metrics)
    return _render(request, "compare.html", cmp=cmp, specs=specs, best=best)


@router.get("/review")
def review(request: Request, page: Page = 1) -> Response:
    store = store_of(request)
    items = pending_captures(store, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return _render(
        request,
        "review.html",
        items=items,
        total=count_pending(store),
        page=page,
        page_size=PAGE_SIZE,
        next=f"/review?page={page}",
    )


# -- review actions ------------------------------------------------------------------------------

BULK_ACTIONS = {
    "approve-selected": ("approved", "ids"),
    "reject-selected": ("rejected", "ids"),
    "approve-page": ("approved", "page_ids"),
    "reject-page": ("rejected", "page_ids"),
}


@router.post("/review/bulk")
async def review_bulk(request: Request) -> Response:
    """The queue's bulk buttons: approve or reject the ticked captures, or the whole page."""
    form = await request.form()
    _check_csrf(request, str(form.get("csrf", "")))
    action = str(form.get("do", ""))
    if action not in BULK_ACTIONS:
        raise RunnotesError(f"unknown review action {action!r}")
    review, field = BULK_ACTIONS[action]
    try:
        ids = [int(str(v)) for v in form.getlist(field)]
    except ValueError:
        raise RunnotesError("capture ids are numbers") from None
    if not ids:
        raise RunnotesError("tick the captures to review first")
    store = store_of(request)
    set_reviews(store, ids, review)
    return _back(str(form.get("next", "/review")), "/review")


@router.post("/captures/{capture_id}/review")
def review_capture(
    request: Request,
    capture_id: int,
    csrf: Csrf,
    review: Annotated[str, Form()],
    next: Next = "/review",
) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    set_review(store, capture_id, review)
    return _back(next)


@router.post("/captures/{capture_id}/edit")
def edit(
    request: Request,
    capture_id: int,
    csrf: Csrf,
    next: Next = "/review",
    value: Annotated[str | None, Form()] = None,
    text: Annotated[str | None, Form()] = None,
) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    edit_capture(store, capture_id, value=value, text=text)
    return _back(next)


@router.post("/runs/{run_id}/tags")
def tag_run(request: Request, run_id: int, csrf: Csrf, tags: Annotated[str, Form()]) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    require_run(store, run_id)
    add_tags(store, run_id, [t.strip() for t in tags.split(",") if t.strip()])
    return _back(f"/runs/{run_id}")


@router.post("/runs/{run_id}/goal")
def goal_run(request: Request, run_id: int, csrf: Csrf, text: Annotated[str, Form()]) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    set_run_goal(store, run_id, text)
    return _back(f"/runs/{run_id}")


@router.post("/runs/{run_id}/notes")
def note_run(request: Request, run_id: int, csrf: Csrf, text: Annotated[str, Form()]) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    require_run(store, run_id)
    if not text.strip():
        raise RunnotesError("the note is empty")
    from runnotes.voice.typed import add_typed_note

    add_typed_note(store, run_id, text.strip(), "web")  # its values wait for review
    return _back(f"/runs/{run_id}")


# -- reports ---------------------------------------------------------------------------------


@router.get("/report")
def report_form(request: Request) -> Response:
    from runnotes.reports.readers import readers

    store = store_of(request)
    return _render(
        request, "report.html", experiments=experiments_overview(store), readers=readers(store)
    )


def _day(text: str | None, end: bool = False) -> float | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RunnotesError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return datetime.combine(day, dtime.max if end else dtime.min).timestamp()


@router.post("/report")
def report(
    request: Request,
    csrf: Csrf,
    kind: Annotated[str, Form()],
    experiment: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    fmt: Annotated[str, Form()] = "md",
    include_pending: Annotated[bool, Form()] = False,
    figures: Annotated[bool, Form()] = False,
    reader: Annotated[str, Form()] = "",
) -> Response:
    """Write the README draft or the progress report into a temporary folder and send it:
    the report alone, or (``figures``) a zip with the figures its links point at."""
    from runnotes import reports

    _check_csrf(request, csrf)
    store = store_of(request)
    project, _, exp = experiment.rpartition("/")
    folder = Path(tempfile.mkdtemp(prefix="runnotes-report-"))
    try:
        if kind == "readme":
            if not exp:
                raise RunnotesError("pick an experiment for the README")
            result = reports.write_readme(
                store,
                exp,
                folder / "README.md",
                project=project or None,
                include_pending=include_pending,
            )
        elif kind == "progress":
            if fmt not in ("md", "docx"):
                raise RunnotesError(f"a progress report is md or docx, not {fmt!r}")
            result = reports.write_progress(
                store,
                folder / f"progress.{fmt}",
                since=_day(since),
                until=_day(until, end=True),
                project=project or None,
                include_pending=include_pending,
            )
        elif kind == "reader":
            from runnotes.reports.readers import write_report

            if not exp or fmt not in ("md", "docx"):
                raise RunnotesError("pick an experiment, and md or docx, for a reader's report")
            result = write_report(
                store,
                exp,
                reader,
                folder / f"{reader or 'report'}.{fmt}",
                project=project or None,
                include_pending=include_pending,
            ).result
        else:
            raise RunnotesError(f"unknown report {kind!r}: readme, progress or reader")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    main = Path(result.paths[0])
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    if figures and len(result.paths) > 1:
        archive = shutil.make_archive(
            str(folder.parent / f"{folder.name}-{main.stem}"), "zip", root_dir=folder
        )
        return FileResponse(
            archive,
            filename=f"{main.stem}.zip",
            background=BackgroundTask(_remove, folder, Path(archive)),
        )
    return FileResponse(main, filename=main.name, background=cleanup)


def _remove(folder: Path, archive: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    archive.unlink(missing_ok=True)


# -- media, login -----------------------------------------------------------------------------


@router.get("/media/{sha}")
def media(request: Request, sha: str) -> Response:
    """A stored file by content hash; the path is built from the validated digest only."""
    store = store_of(request)
    path = store.media.path(sha)  # RunnotesError (400) unless ``sha`` is a bare hex digest
    with store.read() as session:
        row = session.get(MediaFile, sha)
    if row is None or not path.is_file():
        return Response("no such media", status_code=404, media_type="text/plain")
    media_type, inline = media_disposition(row.mime)
    return FileResponse(
        path,
        media_type=media_type,
        filename=row.original_name or path.name,
        content_disposition_type="inline" if inline else "attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )


@router.get("/login")
def login_form(request: Request) -> Response:
    return _render(request, "login.html")


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    """Log in with the token; wrong ones from one address slow it down (security.Throttle)."""
    checked = request.app.state.guard.check_token(client_of(request.scope), token.strip())
    if checked is not True:
        wait = math.ceil(checked) if checked else 0
        headers = {"Retry-After": str(wait)} if wait else None
        response = _render(
            request, "login.html", status=429 if wait else 401, failed=True, wait=wait
        )
        response.headers.update(headers or {})
        return response
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
    return response
