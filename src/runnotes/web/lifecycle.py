"""Archive, delete and restore runs: the run page's buttons and ``POST /api/runs/{id}/<action>``.

Both call :func:`runnotes.store.lifecycle.change_runs`, as ``runnotes runs archive`` does, and
queue a drafts refresh (a deleted run leaves the reports).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from runnotes.store.lifecycle import ACTIONS, change_runs
from runnotes.web.api import store_of
from runnotes.web.pages import _back, _check_csrf

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)


def _endpoint(action: str) -> Callable[[Request, int], dict[str, Any]]:
    def change(request: Request, run_id: int) -> dict[str, Any]:
        store = store_of(request)
        (done,) = change_runs(store, [run_id], action)
        return {"id": done.id, "name": done.name, "action": action}

    change.__name__ = f"{action}_run"
    change.__doc__ = {
        "archive": "Take a run out of the lists (it stays in reports); restorable.",
        "delete": "Delete a run softly: out of lists and reports, every capture kept; restorable.",
        "restore": "Bring an archived or deleted run back.",
    }[action]
    return change


for _action in ACTIONS:
    api.post(f"/runs/{{run_id}}/{_action}")(_endpoint(_action))


@pages.post("/runs/{run_id}/lifecycle")
def change_from_page(
    request: Request,
    run_id: int,
    csrf: Annotated[str, Form()],
    action: Annotated[str, Form()],
) -> Response:
    _check_csrf(request, csrf)
    store = store_of(request)
    (done,) = change_runs(store, [run_id], action)
    return _back(f"/runs/{done.id}")
