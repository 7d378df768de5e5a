"""The experiment page (its runs as a tree, its spoken summary) and the home page's card actions.

The tree is laid out by :mod:`runnotes.services.tree` and drawn by :mod:`runnotes.web.treeview`
(the notebook's ``%runnotes tree`` draws it the same way). Every form works without JavaScript
(``static/app.js`` adds dragging and keyboard moves on the home page, which post the same forms).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from runnotes.errors import RunnotesError
from runnotes.reports.drafts import list_drafts
from runnotes.services.experiments import goal_of
from runnotes.services.overview import move_card
from runnotes.services.tree import open_tree
from runnotes.store.db import get_row
from runnotes.store.lineage import set_card_flags, set_card_order, set_link, unlink
from runnotes.store.models import Experiment, Project
from runnotes.web.api import require_run, store_of
from runnotes.web.drafts import draft_dict
from runnotes.web.pages import Csrf, _back, _check_csrf, _render
from runnotes.web.treeview import tree_html

router = APIRouter(include_in_schema=False)


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
    tree = open_tree(store, exp_id, where, collapse)
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
        graph=tree_html(tree),
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
