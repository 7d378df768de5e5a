"""The experiment page (its runs as a tree, its spoken summary) and the home page's card actions.

The tree is laid out by :mod:`runnotes.services.tree`; this module only turns rows and lanes
into SVG coordinates. Every form works without JavaScript (``static/app.js`` adds dragging and
keyboard moves on the home page, which post the same forms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from jinja2 import Environment
from markupsafe import Markup, escape

from runnotes.errors import RunnotesError
from runnotes.reports.drafts import list_drafts
from runnotes.services.charts import sparkline
from runnotes.services.experiments import goal_of
from runnotes.services.narrative import Part
from runnotes.services.overview import move_card
from runnotes.services.tree import RECENT, Node, Tree, build_tree
from runnotes.store.db import get_row
from runnotes.store.lineage import set_card_flags, set_card_order, set_link, unlink
from runnotes.store.models import Experiment, Project
from runnotes.web.api import require_run, store_of
from runnotes.web.drafts import draft_dict
from runnotes.web.pages import Csrf, _back, _check_csrf, _render

router = APIRouter(include_in_schema=False)
ROW, LANE, X0, Y0 = 60, 20, 14, 22
SPARK_W, SPARK_H = 96, 22
COLORS = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")


def told(parts: Sequence[Part]) -> Markup:
    """A narrative sentence or chip: escaped, its names as code."""
    return Markup("").join(
        Markup("<code>%s</code>") % text if name else escape(text) for text, name in parts
    )


def add_filters(env: Environment) -> None:
    env.filters["told"] = told


@dataclass
class Drawn:
    node: Node
    x: float
    y: float
    color: str
    path: str | None  # the edge from the run drawn above it
    spark: str  # polyline points


def draw(tree: Tree) -> list[Drawn]:
    by_id = {n.run.id: n for n in tree.nodes}
    drawn = []
    for n in tree.nodes:
        x, y = X0 + n.lane * LANE, Y0 + n.row * ROW
        path = None
        above = by_id.get(n.above)  # type: ignore[arg-type]
        if above is not None:
            px, py = X0 + above.lane * LANE, Y0 + above.row * ROW
            if px == x:
                path = f"M{px},{py} L{x},{y}"
            else:
                bend = py + ROW / 2
                path = f"M{px},{py} C{px},{bend} {x},{py} {x},{bend} L{x},{y}"
        spark = sparkline(n.spark, SPARK_W, SPARK_H, pad=1)
        drawn.append(Drawn(n, x, y, COLORS[n.lane % len(COLORS)], path, spark))
    return drawn


def _experiment(request: Request, exp_id: int) -> tuple[str, str]:
    store = store_of(request)
    with store.read() as session:
        exp = get_row(session, Experiment, exp_id)
        return get_row(session, Project, exp.project_id).name, exp.name


@router.get("/experiments/{exp_id}")
def experiment_page(
    request: Request, exp_id: int, where: str = "", collapse: str = "auto"
) -> Response:
    """The experiment's runs as a tree, with its spoken summary and script."""
    store = store_of(request)
    project, name = _experiment(request, exp_id)
    if collapse not in ("auto", "yes", "no"):
        raise RunnotesError(f"collapse is auto, yes or no, not {collapse[:20]!r}")
    chosen = None if collapse == "auto" else collapse == "yes"
    recent = RECENT if collapse == "auto" and not where.strip() else None
    tree = build_tree(store, exp_id, where=where.strip() or None, collapse=chosen, recent=recent)
    listen = [
        draft_dict(d)
        for d in list_drafts(store)
        if d.kind == "listen" and d.project == project and d.experiment == name
    ]
    return _render(
        request,
        "tree.html",
        exp_id=exp_id,
        project=project,
        experiment=name,
        goal=goal_of(store, exp_id),
        tree=tree,
        drawn=draw(tree),
        width=X0 * 2 + max(tree.lanes - 1, 0) * LANE,
        height=max(len(tree.nodes), 1) * ROW,
        row=ROW,
        spark=(SPARK_W, SPARK_H),
        where=where,
        collapse=collapse,
        listen=listen,
    )


# -- the home page's cards ---------------------------------------------------------------------


@router.post("/overview/order")
def card_order(request: Request, csrf: Csrf, order: Annotated[str, Form()]) -> Response:
    """Store the cards' order (the ids, comma-separated, as dragged)."""
    _check_csrf(request, csrf)
    try:
        ids = [int(part) for part in order.split(",") if part.strip()]
    except ValueError:
        raise RunnotesError("the order is experiment ids, comma-separated") from None
    set_card_order(store_of(request), ids)
    return _back("/")


@router.post("/overview/{exp_id}/{action}")
def card_action(request: Request, exp_id: int, action: str, csrf: Csrf) -> Response:
    """up, down, pin, unpin, archive, restore."""
    _check_csrf(request, csrf)
    store = store_of(request)
    _experiment(request, exp_id)  # a clear 404 for an unknown id
    if action in ("up", "down"):
        move_card(store, exp_id, -1 if action == "up" else 1)
    elif action in ("pin", "unpin"):
        set_card_flags(store, exp_id, pinned=action == "pin")
    elif action in ("archive", "restore"):
        set_card_flags(store, exp_id, archived=action == "archive")
    else:
        raise RunnotesError(f"unknown card action {action[:20]!r}")
    return _back(f"/#exp-{exp_id}")


# -- lineage, by hand --------------------------------------------------------------------------


@router.post("/runs/{run_id}/link")
def link_run(
    request: Request,
    run_id: int,
    csrf: Csrf,
    parent: Annotated[str, Form()] = "",
    how: Annotated[str, Form()] = "fork",
    step: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "link",
) -> Response:
    """Set the run's link by hand (or take it away): inference never replaces it."""
    _check_csrf(request, csrf)
    store = store_of(request)
    require_run(store, run_id)
    if action == "unlink":
        unlink(store, run_id)
    else:
        if not parent.strip():
            raise RunnotesError("name the run this one came from (id or name)")
        if step.strip() and not step.strip().isdigit():
            raise RunnotesError(f"the step is a whole number, not {step[:20]!r}")
        number = int(step) if step.strip() else None
        set_link(store, run_id, parent.strip(), how, step=number)
    return _back(f"/runs/{run_id}")
