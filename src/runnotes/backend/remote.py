"""Team mode: runs on a shared server, reached over HTTP (``RUNNOTES_SERVER``).

:class:`RemoteBackend` is the :class:`~runnotes.backend.Backend` over the server's JSON API, whose
routes call the server's :class:`~runnotes.backend.local.LocalBackend`: a write or a read through
it does what it does on the machine that holds the store. Every call returns only after the
server answered, and the server answers only after it committed: "acknowledged" still means
"stored". Git and environment context are collected by the caller, on the machine that runs the
training, not on the server.

Requests that are safe to repeat are retried when the connection drops or the server answers 5xx
(a server worker killed, a restart): reads, and writes the server treats idempotently (the end of a
run, a media upload keyed by its hash). Captures and metric batches carry an ``Idempotency-Key``:
the server stores a batch once however often it arrives and answers a repeat as it answered the
first (:mod:`runnotes.store.ingest`). A metric batch's key is the hash of its content (run, and
every value with its step and the time it was logged), so the SDK's own retry of a batch that
failed, at its next flush, is recognised too; a captures call gets a fresh key, kept across its
retries. A batch that still failed stays in the SDK's buffer and is sent again, unchanged.
A server that cannot be reached at all is one error line, ``cannot reach the runnotes server at
URL``. NaN and ±inf are sent as strings (see :mod:`runnotes.jsonsafe`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

import httpx

from runnotes import jsonsafe
from runnotes.backend import PERSON, Ended, RunList, RunRef, Started, no_local_store
from runnotes.capture.dataset import Fingerprint
from runnotes.config import Settings
from runnotes.errors import Conflict, NotFound, RunnotesError
from runnotes.store.db import Store
from runnotes.store.models import Capture
from runnotes.store.models import Run as RunRow
from runnotes.store.queries import RunDetail, RunFilter, RunSummary
from runnotes.store.runs import Active, MetricValues, NewCapture, RunContext

TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 10.0
RETRIES = 3  # attempts after the first, for requests that are safe to repeat
RETRY_DELAY_S = 0.5  # doubled after each attempt
PAGE = 500  # captures read a page at a time (the API's largest page)
log = logging.getLogger(__name__)


class Client:
    """A thin JSON client for the runnotes server; every failure is one RunnotesError line."""

    def __init__(
        self, url: str, token: str | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )

    def get(self, path: str, params: Any = None) -> Any:
        """GET (retried like any request that is safe to repeat) and return the JSON answer."""
        return self._send("GET", path, idempotent=True, params=params)

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        idempotent: bool = False,
        key: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """POST and return the JSON answer. ``idempotent`` requests, and those with a ``key``
        (sent as ``Idempotency-Key``), are retried on a dropped connection or a 5xx; others only
        when the request never reached the server."""
        headers = kwargs.pop("headers", {})
        if json is not None:
            kwargs["content"] = jsonsafe.dumps(json)
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
            idempotent = True
        kwargs["headers"] = headers
        return self._send("POST", path, idempotent=idempotent, **kwargs)

    def _send(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> Any:
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt == RETRIES or not (idempotent or unsent):
                    raise RunnotesError(
                        f"cannot reach the runnotes server at {self.url}: {exc}"
                    ) from exc
                log.info("runnotes: %s on %s failed (%s); retrying", path, self.url, exc)
                continue
            if attempt == RETRIES or not (idempotent and response.status_code >= 500):
                break
            log.warning("runnotes: %s answered %s; retrying", path, response.status_code)
        return self._answer(path, response)

    def _answer(self, path: str, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text.strip()[:200]
            error = {404: NotFound, 409: Conflict}.get(response.status_code, RunnotesError)
            raise error(f"server {self.url} refused {path} ({response.status_code}): {detail}")
        return response.json()


def _active(raw: dict[str, Any] | None) -> Active | None:
    return Active(int(raw["run_id"]), str(raw["by"])) if raw else None


def _known(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    """The keys of an answer that ``cls`` (a dataclass or a table model) has as fields."""
    names = {f.name for f in fields(cls)} if hasattr(cls, "__dataclass_fields__") else None
    names = names or set(cls.model_fields)  # type: ignore[attr-defined]
    return {k: v for k, v in raw.items() if k in names}


class RemoteBackend:
    """Runs on a shared server: the :class:`~runnotes.backend.Backend` over HTTP."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def write_metrics(
        self, run_id: int, rows: Sequence[MetricValues], *, key: str | None = None
    ) -> None:
        content = jsonsafe.dumps(
            {
                "source": rows[0][2] if rows else "sdk",  # MetricValues' fields, by position
                "rows": [(r[3], r[4], r[5], r[6]) for r in rows],  # name, value, step, time
            }
        )
        self.client.post(
            f"/api/runs/{run_id}/metrics",
            content=content,
            headers={"Content-Type": "application/json"},
            key=key or hashlib.sha256(b"%d:%s" % (run_id, content)).hexdigest(),
        )

    def add_captures(
        self, run_id: int, captures: Sequence[NewCapture], *, key: str | None = None
    ) -> list[int]:
        # the server's store announces the change after its commit
        answer = self.client.post(
            f"/api/runs/{run_id}/captures",
            {"captures": [asdict(c) for c in captures]},
            key=key or uuid.uuid4().hex,
        )
        return list(answer["ids"])

    def put_media(self, data: bytes, mime: str, suffix: str, name: str | None) -> str:
        answer = self.client.post(
            "/api/media",
            files={"file": (name or f"file{suffix}", data)},
            data={"mime": mime},
            idempotent=True,  # stored by content hash: a second upload changes nothing
        )
        return str(answer["sha256"])

    def dataset_change(self, run_id: int, name: str, fp: Fingerprint) -> str | None:
        answer = self.client.post(
            f"/api/runs/{run_id}/dataset-change", {"fingerprint": fp.as_dict()}, idempotent=True
        )
        return answer.get("message")

    def set_goal(self, run_id: int, text: str) -> None:
        self.client.post(f"/api/runs/{run_id}/goal", {"text": text}, idempotent=True)

    def finish(
        self, run_id: int, status: str, exit_code: int | None, *, charts: bool = True
    ) -> None:
        # the server draws the charts at the end as it always does (charts: a local concern)
        self.client.post(
            f"/api/runs/{run_id}/end", {"status": status, "exit_code": exit_code}, idempotent=True
        )

    def start_run(
        self,
        name: str | None,
        *,
        experiment: str | None,
        project: str | None,
        tags: Sequence[str],
        context: RunContext | None,
        active_by: str | None,
    ) -> Started:
        answer = self.client.post(
            "/api/runs",
            {
                "name": name,
                "experiment": experiment,
                "project": project,
                "tags": list(tags),
                "context": asdict(context) if context is not None else None,
                # on a shared server only a person's run becomes the active one
                "active_by": active_by if active_by in PERSON else None,
            },
        )
        return Started(answer["id"], answer["name"], _active(answer.get("nested_in")))

    def run_ref(self, ref: str | int | None) -> RunRef:
        answer = self.client.post("/api/runs/target", {"ref": None if ref is None else str(ref)})
        return RunRef(answer["id"], answer["name"])

    def active(self) -> Active | None:
        return _active(self.client.get("/api/active").get("active"))

    def record_command(
        self, run_id: int, context: RunContext | None, exit_code: int | None
    ) -> None:
        self.client.post(
            f"/api/runs/{run_id}/command",
            {"context": asdict(context) if context else None, "exit_code": exit_code},
            idempotent=True,
        )

    def add_tags(self, run_id: int, tags: Sequence[str]) -> None:
        if tags:
            self.client.post(f"/api/runs/{run_id}/tags", {"tags": list(tags)}, idempotent=True)

    def check_like(self, run_id: int | None, name: str, value: str) -> None:
        self.client.post(
            "/api/likes/check", {"run_id": run_id, "name": name, "value": value}, idempotent=True
        )

    def end_run(self, ref: str | int | None, status: str | None) -> Ended:
        answer = self.client.post(
            "/api/runs/end", {"ref": None if ref is None else str(ref), "status": status}
        )
        run = RunRow(**_known(RunRow, answer["run"]))
        return Ended(run, answer["was_active"], _active(answer.get("now_active")))

    def list_runs(self, filters: RunFilter, limit: int) -> RunList:
        params = {
            "experiment": filters.experiment,
            "project": filters.project,
            "tag": list(filters.tags),
            "where": filters.where,
            "q": filters.search,
            "show": filters.show,
            "limit": limit,
        }
        answer = self.client.get("/api/runs", {k: v for k, v in params.items() if v is not None})
        found = [RunSummary(**_known(RunSummary, r)) for r in answer["runs"]]
        return RunList(found, answer.get("why_empty") or "")

    def run_detail(self, ref: str | int) -> RunDetail:
        answer = self.client.get(f"/api/runs/{ref}")
        summary = RunSummary(**_known(RunSummary, answer))
        run = RunRow(**_known(RunRow, {**answer["context"], "id": summary.id}))
        captures: list[Capture] = []
        offset: int | None = 0
        while offset is not None:
            page = self.client.get(
                f"/api/runs/{summary.id}/captures", {"limit": PAGE, "offset": offset}
            )
            captures += [Capture(**_known(Capture, c)) for c in page["items"]]
            offset = page["next_offset"]
        return RunDetail(summary, run, captures)

    def local_store(self) -> Store:
        raise no_local_store(self.client.url)

    def environment(self) -> dict[str, str]:
        token = {"RUNNOTES_TOKEN": self.client.token} if self.client.token else {}
        return {"RUNNOTES_SERVER": self.client.url, **token}


_backends: dict[tuple[str, str | None], RemoteBackend] = {}
_lock = threading.Lock()


def remote_backend(settings: Settings) -> RemoteBackend:
    """The backend for the configured server, one per server and token in a process."""
    if not settings.server_url:
        raise RunnotesError("no server configured: set RUNNOTES_SERVER=http://host:port")
    key = (settings.server_url, settings.token)
    with _lock:
        if key not in _backends:
            _backends[key] = RemoteBackend(Client(settings.server_url, settings.token))
        return _backends[key]
