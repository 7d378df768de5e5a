"""Team mode: with ``RUNNOTES_SERVER`` set, the SDK writes to a shared server over HTTP.

:class:`RemoteBackend` is the :class:`~runnotes.sdk.backend.RunBackend` of the SDK's
:class:`runnotes.sdk.Run` pointed at the server's JSON API, so buffering, step counters, likes and
notes behave exactly as they do locally. Every call returns only after the server answered, and
the server answers only after it committed: "acknowledged" still means "stored". Git and
environment context are collected here, on the machine that runs the training, not on the server.

Requests that are safe to repeat are retried when the connection drops or the server answers 5xx
(a server worker killed, a restart): reads, and writes the server treats idempotently (the end of a
run, a media upload keyed by its hash). Captures and metric batches carry an ``Idempotency-Key``:
the server stores a batch once however often it arrives and answers a repeat as it answered the
first (:mod:`runnotes.store.ingest`). A metric batch's key is the hash of its content (run, and
every value with its step and the time it was logged), so the SDK's own retry of a batch that
failed, at its next flush, is recognised too; a captures call gets a fresh key, kept across its
retries. NaN and ±inf are sent as strings (see :mod:`runnotes.jsonsafe`).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import httpx

from runnotes import jsonsafe
from runnotes.capture import context as run_context
from runnotes.capture.dataset import Fingerprint
from runnotes.config import Settings
from runnotes.errors import Conflict, RunnotesError
from runnotes.sdk import Run
from runnotes.sdk.backend import no_local_store
from runnotes.store.db import Store
from runnotes.store.runs import MetricRow, NewCapture

TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 10.0
RETRIES = 3  # attempts after the first, for requests that are safe to repeat
RETRY_DELAY_S = 0.5  # doubled after each attempt
log = logging.getLogger(__name__)


class Client:
    """A thin JSON client for the runnotes server; every failure is one RunnotesError line."""

    def __init__(
        self, url: str, token: str | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
            transport=transport,
        )

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
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))
            try:
                response = self.http.post(path, **kwargs)
            except httpx.HTTPError as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt == RETRIES or not (idempotent or unsent):
                    raise RunnotesError(
                        f"cannot reach the runnotes server at {self.url}: {exc}"
                    ) from exc
                log.warning("runnotes: %s on %s failed (%s); retrying", path, self.url, exc)
                continue
            if attempt == RETRIES or not (idempotent and response.status_code >= 500):
                break
            log.warning("runnotes: %s answered %s; retrying", path, response.status_code)
        return self._answer(path, response)

    def _answer(self, path: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text.strip()[:200]
            error = Conflict if response.status_code == 409 else RunnotesError
            raise error(f"server {self.url} refused {path} ({response.status_code}): {detail}")
        return response.json()  # type: ignore[no-any-return]


class RemoteBackend:
    """A run on a shared server: the :class:`~runnotes.sdk.backend.RunBackend` over HTTP."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def write_metrics(self, run_id: int, rows: Sequence[MetricRow]) -> None:
        content = jsonsafe.dumps(
            {
                "source": rows[0].source if rows else "sdk",
                "rows": [(r.name, r.value, r.step, r.timestamp) for r in rows],
            }
        )
        self.client.post(
            f"/api/runs/{run_id}/metrics",
            content=content,
            headers={"Content-Type": "application/json"},
            key=hashlib.sha256(b"%d:%s" % (run_id, content)).hexdigest(),
        )

    def add_captures(self, run_id: int, captures: Sequence[NewCapture]) -> list[int]:
        # the server's store announces the change after its commit
        answer = self.client.post(
            f"/api/runs/{run_id}/captures",
            {"captures": [asdict(c) for c in captures]},
            key=uuid.uuid4().hex,
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

    def finish(self, run_id: int, status: str, exit_code: int | None) -> None:
        self.client.post(
            f"/api/runs/{run_id}/end", {"status": status, "exit_code": exit_code}, idempotent=True
        )

    def local_store(self) -> Store:
        raise no_local_store()


_clients: dict[tuple[str, str | None], Client] = {}


def client_for(settings: Settings) -> Client:
    if not settings.server_url:
        raise RunnotesError("no server configured: set RUNNOTES_SERVER=http://host:port")
    key = (settings.server_url, settings.token)
    if key not in _clients:
        _clients[key] = Client(settings.server_url, settings.token)
    return _clients[key]


def start_remote_run(
    settings: Settings,
    name: str | None,
    *,
    experiment: str | None,
    project: str | None,
    tags: Sequence[str],
    command: list[str] | str | None,
    source: str,
) -> Run:
    client = client_for(settings)
    ctx = run_context.collect(command)
    answer = client.post(
        "/api/runs",
        {
            "name": name,
            "experiment": experiment,
            "project": project,
            "tags": list(tags),
            "context": asdict(ctx),
        },
    )
    return Run(RemoteBackend(client), answer["id"], answer["name"], source=source, owns_run=True)


def current_remote_run(settings: Settings) -> Run:
    """The server's active (or today's) run, for captures made outside ``start_run``."""
    client = client_for(settings)
    answer = client.post("/api/runs/target")
    return Run(RemoteBackend(client), answer["id"], answer["name"])
