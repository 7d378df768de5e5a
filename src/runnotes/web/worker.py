"""One process of ``runnotes serve``: the app built from what the serve command decided.

``runnotes serve --workers N`` runs N such processes under uvicorn's supervisor, which starts
each by import string (:func:`app`, from the spec in ``RUNNOTES_SERVE_SPEC``) and starts a new
one when a worker dies. Nothing a request relies on lives in one process: the data, the keys of
acknowledged batches (:mod:`runnotes.store.ingest`) and the login throttle's counts
(:mod:`runnotes.store.logins`) are in the database; the CSRF secret is the same in every worker
(derived from the token when there is one, so servers sharing a token and a database share it
too); what a worker keeps for itself (chart buckets, the extension's pairing file, trusted
clients) is a cache checked against the database or the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass

from fastapi import FastAPI

from runnotes.config import Settings, load_settings
from runnotes.reports.drafts import render_elsewhere
from runnotes.store.db import Store, open_store
from runnotes.web.app import create_app
from runnotes.web.pairing import FILE as PAIRING_FILE
from runnotes.web.pairing import Pairing
from runnotes.web.security import LOOPBACK_NAMES, Guard, Throttle, is_loopback

ENV = "RUNNOTES_SERVE_SPEC"


@dataclass(frozen=True)
class ServeSpec:
    """What every worker of one ``serve`` needs to answer alike (JSON in :data:`ENV`)."""

    home: str
    db_url: str
    host: str
    token: str | None
    secret: str  # hex: signs the pages' CSRF tokens

    @classmethod
    def make(cls, settings: Settings, host: str, token: str | None) -> ServeSpec:
        secret = (
            hmac.new(token.encode(), b"runnotes-csrf-secret", hashlib.sha256).hexdigest()
            if token
            else secrets.token_hex(32)
        )
        return cls(str(settings.home), settings.db_url, host, token, secret)

    def export(self) -> None:
        """Hand the spec to the worker processes (they inherit the environment; only this user
        and root can read a process's environment, unlike its command line)."""
        os.environ[ENV] = json.dumps(asdict(self))


def build(spec: ServeSpec, store: Store | None = None) -> FastAPI:
    """The app for ``spec``, over ``store`` or the store the spec names (opened here). Its
    draft refreshes render in the detached drainer, off the request workers."""
    settings = store.settings if store is not None else load_settings(spec.home, spec.db_url)
    store = store or open_store(settings)
    render_elsewhere(store)
    limits = settings.web
    guard = Guard(
        token=spec.token or None,
        allowed_hosts=LOOPBACK_NAMES | {spec.host} if is_loopback(spec.host) else None,
        max_body=limits.max_body_mb * 2**20,
        max_upload=limits.max_upload_mb * 2**20,
        pairing=Pairing(settings.home / PAIRING_FILE),
        secret=bytes.fromhex(spec.secret),
        throttle=Throttle(store=store),
    )
    return create_app(store, guard)


def app() -> FastAPI:
    """uvicorn's app factory in each worker process."""
    return build(ServeSpec(**json.loads(os.environ[ENV])))
