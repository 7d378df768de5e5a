"""The JSON API under ``/api``: everything the pages do, plus ingestion for team mode.

Team mode (``RUNNOTES_SERVER``) sends the SDK's writes here: ``POST /api/runs`` starts a run,
``/captures``, ``/metrics`` and ``/api/media`` add to it, ``/end`` ends it. Each write is committed
before the response is sent, so a 200 means the capture is stored. What the store cannot keep is
refused with a one-line 4xx before anything is written: steps beyond 64 bits, times outside years
1970–9999, NUL characters (PostgreSQL text cannot hold them), names over 1000 characters. NaN and
±inf values arrive as strings (see :mod:`runnotes.jsonsafe`) and are stored as values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from runnotes import jsonsafe
from runnotes.backend.local import LocalBackend, backend_of
from runnotes.capture.dataset import Fingerprint
from runnotes.errors import NotFound, RunnotesError
from runnotes.services.charts import MAX_POINTS as CHART_POINTS
from runnotes.services.charts import point_times
from runnotes.services.experiments import MAX_GOAL, set_run_goal
from runnotes.services.metrics import (
    best_values,
    column_bests,
    curves,
    metric_names_of,
    series,
)
from runnotes.services.overview import experiments_overview
from runnotes.store.db import Store, get_row
from runnotes.store.ingest import checked_key
from runnotes.store.models import Kind, Review, Run, Source
from runnotes.store.queries import RunFilter, compare_runs, run_overview, why_none_match
from runnotes.store.review import (
    count_pending,
    edit_capture,
    pending_captures,
    runs_page,
    set_review,
    set_reviews,
)
from runnotes.store.runs import (
    Id,
    Int32,
    Json,
    Name,
    NewCapture,
    RunContext,
    Step,
    Text,
    Timestamp,
    nonfinite_text,
)
from runnotes.store.series import metric_values
from runnotes.store.timeline import timeline_counts, timeline_page
from runnotes.web.params import After, Offset, RowIdQuery
from runnotes.web.security import normalise_mime


class RawJSONRoute(APIRoute):
    """A route whose answer is sent as returned, not re-validated against its return type.

    Re-validation would turn a stored NaN or ±inf into ``null``; the app's response class spells
    them as strings instead (see :mod:`runnotes.jsonsafe`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model"] = None
        super().__init__(path, endpoint, **kwargs)


# As many points as the pages draw, so the pages and the API share one cached downsample.
DEFAULT_SERIES_POINTS = CHART_POINTS
MAX_SERIES_POINTS = 10_000
router = APIRouter(prefix="/api", tags=["api"], route_class=RawJSONRoute)
KINDS = frozenset(k.value for k in Kind)
SOURCES = frozenset(s.value for s in Source)
REVIEWS = frozenset(r.value for r in Review)


def store_of(request: Request) -> Store:
    return request.app.state.store


def backend(request: Request) -> LocalBackend:
    """The served store's backend: the routes below store what a team's clients send exactly
    as those clients would store it locally (:mod:`runnotes.backend`)."""
    return backend_of(store_of(request))


def require_run(store: Store, run_id: int) -> Run:
    with store.read() as session:
        return get_row(session, Run, run_id)


def capture_dict(capture: Any) -> dict[str, Any]:
    return capture.model_dump()


# -- reading ----------------------------------------------------------------------------------


@router.get("/projects")
def projects(request: Request) -> list[dict[str, Any]]:
    """Every experiment with run count, last activity and best metric."""
    return [e.__dict__ for e in experiments_overview(store_of(request))]


@router.get("/runs")
def runs(
    request: Request,
    experiment: str | None = None,
    project: str | None = None,
    tag: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    where: str | None = None,
    q: str | None = None,
    sort: str = "id",
    desc: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    count: bool = False,
    show: str = "active",
) -> dict[str, Any]:
    """Runs filtered like ``runnotes runs list`` (``where`` uses the same syntax), sorted, paged;
    ``show`` is ``active`` (the default), ``archived``, ``deleted`` or ``all``.

    ``has_more`` says whether a next page exists; ``total`` is the exact number of matches only
    with ``count=1`` (it evaluates the filter on every run, so it is not free on a large store)."""
    filters = RunFilter(
        experiment=experiment, project=project, tags=tag, where=where, search=q, show=show
    )
    store = store_of(request)
    page = runs_page(
        store,
        filters,
        sort=sort,
        descending=desc,
        limit=limit,
        offset=offset,
        count=count,
    )
    return {
        "runs": [r.as_dict() for r in page.runs],
        "has_more": page.has_more,
        "next_offset": offset + limit if page.has_more else None,
        "total": page.total,
        "why_empty": why_none_match(store, filters) if not page.runs and not offset else None,
    }


Points = Annotated[int, Query(ge=4, le=MAX_SERIES_POINTS)]


def encoded(body: dict[str, Any]) -> Response:
    """JSON sent as is: FastAPI would first walk every point of a series in Python
    (``jsonable_encoder``, ~4× the cost of encoding a compare of five runs)."""
    return Response(jsonsafe.dumps(body), media_type="application/json")


@router.get("/runs/{ref}")
def run(request: Request, ref: str) -> dict[str, Any]:
    """The run's summary (latest and best values, params, tags, context) and links: its
    timeline entries by kind (``/captures``) and each metric's series (``/metrics/{name}``).
    The values themselves are paged or downsampled there, so a run of a million values answers
    as fast as a run of ten."""
    store = store_of(request)
    summary, row = run_overview(store, ref)
    base = f"/api/runs/{summary.id}"
    names = metric_names_of(store, summary.id)
    return {
        **summary.as_dict(),
        "best": best_values(store, [summary.id])[summary.id],
        "context": row.model_dump(exclude=set(Run.INTERNAL)),
        "captures": {
            kind: {"count": count, "url": f"{base}/captures?kind={kind}"}
            for kind, count in timeline_counts(store, summary.id).items()
        },
        "captures_url": f"{base}/captures",
        "series": {name: f"{base}/metrics/{quote(name)}" for name in names},
    }


@router.get("/runs/{ref}/captures")
def run_captures(
    request: Request,
    ref: str,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The run's timeline, oldest first, a page at a time: what people said, liked and
    captured (of one ``kind``, or all). Logged metric values are under ``/metrics/{name}``."""
    store = store_of(request)
    summary, _ = run_overview(store, ref)
    page = timeline_page(store, summary.id, kind, limit=limit, offset=offset)
    return {
        "items": [capture_dict(c) for c in page.captures],
        "has_more": page.has_more,
        "next_offset": offset + limit if page.has_more else None,
    }


@router.get("/runs/{ref}/times/{name:path}")
def run_metric_times(
    request: Request, ref: str, name: str, points: Points = DEFAULT_SERIES_POINTS
) -> Response:
    """When each point of ``/metrics/{name}?points=N`` was logged (Unix seconds, ``null`` for a
    point without a logged step), in the same order: a chart's wall-time axis, read on demand."""
    store = store_of(request)
    summary, _ = run_overview(store, ref)
    found = series(store, summary.id, name, max_points=points)
    if not found and name not in metric_names_of(store, summary.id):
        raise NotFound(f"no metric {name!r} in run {summary.id}")
    return encoded({"name": name, "times": point_times(store, summary.id, found, name)})


@router.get("/runs/{ref}/metrics/{name:path}")
def run_metric(
    request: Request,
    ref: str,
    name: str,
    points: Points = DEFAULT_SERIES_POINTS,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    after: After = 0,
) -> Response:
    """One metric's series, downsampled to at most ``points`` ``[step, value]`` points (each
    bucket of steps keeps its first, last, lowest and highest value); or, with ``limit``, every
    stored value in the order stored, ``limit`` at a time after capture id ``after``."""
    store = store_of(request)
    summary, _ = run_overview(store, ref)
    if limit is None:
        found = series(store, summary.id, name, max_points=points)
        if not found and name not in metric_names_of(store, summary.id):
            raise NotFound(f"no metric {name!r} in run {summary.id}")
        return encoded({"name": name, "points": found})
    values = metric_values(store, summary.id, name, after=after, limit=limit)
    last = values[-1]["id"] if len(values) == limit else None
    return encoded(
        {
            "name": name,
            "values": values,
            "next": f"/api/runs/{summary.id}/metrics/{quote(name)}?limit={limit}&after={last}"
            if last is not None
            else None,
        }
    )


@router.get("/compare")
def compare(
    request: Request, run: Annotated[list[str], Query()], points: Points = DEFAULT_SERIES_POINTS
) -> Response:
    """Params and metrics side by side, which ones differ, and the metric curves (each
    downsampled to at most ``points`` points, as on ``/metrics/{name}``)."""
    store = store_of(request)
    cmp = compare_runs(store, run)
    series = curves(store, [r.id for r in cmp.runs], max_points=points)
    return encoded(
        {
            "runs": [r.as_dict() for r in cmp.runs],
            "params": cmp.params,
            "metrics": cmp.metrics,
            "differs": sorted(
                k
                for k, v in {**cmp.params, **cmp.metrics}.items()
                if cmp.differs(v)  # type: ignore[arg-type]
            ),
            "best": column_bests(store.settings, cmp.metrics),
            "series": {
                name: {str(rid): pts for rid, pts in by_run.items()}
                for name, by_run in series.items()
            },
        }
    )


@router.get("/review")
def review_queue(
    request: Request,
    run_id: RowIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    store = store_of(request)
    items = pending_captures(store, run_id=run_id, limit=limit, offset=offset)
    return {
        "total": count_pending(store),
        "items": [
            {**capture_dict(i.capture), "run_name": i.run_name, "experiment": i.experiment}
            for i in items
        ],
    }


# -- reviewing --------------------------------------------------------------------------------


class ReviewIn(BaseModel):
    review: str


class BulkReviewIn(BaseModel):
    ids: list[Id] = Field(min_length=1)
    review: str


class EditIn(BaseModel):
    value: Text | float | None = None
    text: Text | None = None
    name: Name | None = None


class GoalIn(BaseModel):
    text: Annotated[Text, Field(max_length=MAX_GOAL)]


class TagsIn(BaseModel):
    tags: list[Name] = Field(min_length=1)


@router.post("/captures/{capture_id}/review")
def review(request: Request, capture_id: int, body: ReviewIn) -> dict[str, Any]:
    store = store_of(request)
    return capture_dict(set_review(store, capture_id, body.review))


@router.post("/review")
def review_many(request: Request, body: BulkReviewIn) -> dict[str, Any]:
    """Approve or reject many captures at once (all or nothing)."""
    store = store_of(request)
    runs = set_reviews(store, body.ids, body.review)
    return {"count": len(set(body.ids)), "runs": runs, "pending": count_pending(store)}


@router.post("/captures/{capture_id}")
def edit(request: Request, capture_id: int, body: EditIn) -> dict[str, Any]:
    """Fix a value, a name or a transcript (the original stays in ``extra.edited_from``)."""
    store = store_of(request)
    capture = edit_capture(store, capture_id, value=body.value, text=body.text, name=body.name)
    return capture_dict(capture)


@router.post("/runs/{run_id}/goal")
def goal(request: Request, run_id: int, body: GoalIn) -> dict[str, Any]:
    """Set the goal (description) of the run's experiment: the drafts open with it."""
    store = store_of(request)
    experiment = set_run_goal(store, run_id, body.text)
    return {"experiment": experiment, "goal": " ".join(body.text.split())}


@router.post("/runs/{run_id}/tags")
def tags(request: Request, run_id: int, body: TagsIn) -> dict[str, Any]:
    backend(request).add_tags(run_id, [t.strip() for t in body.tags if t.strip()])
    return {"ok": True}


# -- ingestion (team mode) ---------------------------------------------------------------------


class RunIn(BaseModel):
    name: Name | None = None
    experiment: Name | None = None
    project: Name | None = None
    tags: list[Name] = []
    context: Json | None = None
    active_by: Literal["cli", "jupyter"] | None = None  # a person's run: the active one


class CapturesIn(BaseModel):
    captures: list[NewCapture] = Field(min_length=1)


class MetricsIn(BaseModel):
    source: str = "sdk"
    rows: list[tuple[Name, float, Step | None, Timestamp]]  # (name, value, step, timestamp)


class EndIn(BaseModel):
    status: Name = "ok"  # ok, failed or killed (services.runs.finish_run checks)
    exit_code: Int32 | None = None


class DatasetIn(BaseModel):
    fingerprint: dict[str, Any]


class TargetIn(BaseModel):
    ref: Name | None = None  # a run id or name; none: the active run, else today's


class EndRefIn(BaseModel):
    ref: Name | None = None  # a run id or name; none: the active run
    status: Name | None = None


class CommandIn(BaseModel):
    context: Json | None = None
    exit_code: Int32 | None = None


class LikeCheckIn(BaseModel):
    run_id: Id | None = None
    name: Name
    value: Text


def _checked(c: NewCapture) -> NewCapture:
    for label, value, allowed in (
        ("kind", c.kind, KINDS),
        ("source", c.source, SOURCES),
        ("review", c.review, REVIEWS),
    ):
        if value not in allowed:
            raise RunnotesError(
                f"unknown {label} {value!r}: use one of {', '.join(sorted(allowed))}"
            )
    return c


def _media_known(store: Store, captures: list[NewCapture]) -> None:
    from runnotes.store.models import MediaFile

    with store.read() as session:
        for c in captures:
            if c.media_sha and session.get(MediaFile, c.media_sha) is None:
                raise RunnotesError(f"unknown media {c.media_sha!r}: upload it to /api/media first")


def _context(raw: dict[str, Any]) -> RunContext:
    """The run context a client sent, each key known and each value of its type."""
    known = [f.name for f in dataclasses.fields(RunContext)]
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise RunnotesError(f"unknown context key {unknown[0][:80]!r}: use {', '.join(known)}")
    try:
        return TypeAdapter(RunContext).validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RunnotesError(f"invalid context.{where}: {first['msg']}") from exc


@router.post("/runs")
def start(request: Request, body: RunIn) -> dict[str, Any]:
    """Create a run (with its git/env context, collected on the client)."""
    context = _context(body.context) if body.context is not None else None
    started = backend(request).start_run(
        body.name,
        experiment=body.experiment,
        project=body.project,
        tags=body.tags,
        context=context,
        active_by=body.active_by,
    )
    below = started.nested_in
    return {"id": started.id, "name": started.name, "nested_in": below and below.__dict__}


@router.post("/runs/target")
def target(request: Request, body: TargetIn | None = None) -> dict[str, Any]:
    """The run named, else the run captures go to when no run was started: the server's
    active or today's run."""
    ref = backend(request).run_ref(body.ref if body is not None else None)
    return {"id": ref.id, "name": ref.name}


@router.get("/active")
def active(request: Request) -> dict[str, Any]:
    """The server's active run and what started it (``null`` when none is)."""
    entry = backend(request).active()
    return {"active": entry and entry.__dict__}


@router.post("/runs/end")
def end_ref(request: Request, body: EndRefIn) -> dict[str, Any]:
    """End a run by id or name, else the active one (``runnotes run end`` in team mode)."""
    ended = backend(request).end_run(body.ref, body.status)
    return {
        "run": ended.run.model_dump(exclude=set(Run.INTERNAL)),
        "was_active": ended.was_active,
        "now_active": ended.now_active and ended.now_active.__dict__,
    }


@router.post("/likes/check")
def check_like(request: Request, body: LikeCheckIn) -> dict[str, Any]:
    """Refuse, before anything is stored, text for a name the runs log as a metric."""
    backend(request).check_like(body.run_id, body.name, body.value)
    return {"ok": True}


@router.post("/runs/{run_id}/command")
def command(request: Request, run_id: int, body: CommandIn) -> dict[str, Any]:
    """A command run inside this run (``watch`` joining it), and how it exited."""
    require_run(store_of(request), run_id)
    context = _context(body.context) if body.context is not None else None
    backend(request).record_command(run_id, context, body.exit_code)
    return {"ok": True}


# A client's key for one batch: the same key again is the same batch, answered, not stored twice.
IdempotencyKey = Annotated[str | None, Header(max_length=64)]


@router.post("/runs/{run_id}/captures")
def captures(
    request: Request, run_id: int, body: CapturesIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """Store captures; a request repeated with its ``Idempotency-Key`` gets the same ids."""
    store = store_of(request)
    key = checked_key(idempotency_key)
    require_run(store, run_id)
    new = [_checked(c) for c in body.captures]
    _media_known(store, new)
    return {"ids": backend(request).add_captures(run_id, new, key=key)}  # once committed


@router.post("/runs/{run_id}/metrics")
def metrics(
    request: Request, run_id: int, body: MetricsIn, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """A batch of metric values, stored through the same bulk path the local SDK uses (a
    request repeated with its ``Idempotency-Key`` is stored once)."""
    store = store_of(request)
    key = checked_key(idempotency_key)
    require_run(store, run_id)
    if body.source not in SOURCES:
        raise RunnotesError(f"unknown source {body.source!r}")
    backend(request).write_metrics(
        run_id,
        [
            (
                run_id,
                "metric",
                body.source,
                name,
                value,
                step,
                ts,
                "approved",
                nonfinite_text(value),
            )
            for name, value, step, ts in body.rows
        ],
        key=key,
    )
    return {"count": len(body.rows)}


@router.post("/runs/{run_id}/end")
def end(request: Request, run_id: int, body: EndIn) -> dict[str, Any]:
    backend(request).finish(run_id, body.status, body.exit_code)
    return {"id": run_id, "status": body.status}


@router.post("/runs/{run_id}/dataset-change")
def dataset_change(request: Request, run_id: int, body: DatasetIn) -> dict[str, Any]:
    """What changed since the experiment's previous run that used a file of the same name."""
    store = store_of(request)
    require_run(store, run_id)
    try:
        fp = Fingerprint(**body.fingerprint)
    except TypeError as exc:
        raise RunnotesError(f"not a dataset fingerprint: {exc}") from exc
    message = backend(request).dataset_change(run_id, Path(fp.path).name, fp)
    return {"message": message}


@router.post("/media")
async def media(
    request: Request,
    file: Annotated[UploadFile, File()],
    mime: Annotated[str, Form()] = "application/octet-stream",
) -> dict[str, Any]:
    """Upload a file (screenshot, audio, artifact); returns its sha256, the id captures use."""
    data = await file.read()
    name = file.filename or None
    suffix = "." + name.rsplit(".", 1)[1].lower()[:10] if name and "." in name else ""
    if not suffix.strip(".").isalnum():
        suffix = ""
    sha = backend(request).put_media(data, normalise_mime(mime), suffix, name)
    return {"sha256": sha, "size": len(data)}
