"""Web fixtures: a seeded store, a TestClient over it, and real `runnotes serve` processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runnotes.store import Store
from web.seed import Seeded, Server, free_port, seed, wait_up


@pytest.fixture
def auto_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts refresh by themselves (off in tests: see ``tests/conftest.py``), after a 0.1 s
    quiet period."""
    monkeypatch.setenv("RUNNOTES_DRAFTS_AUTO", "true")
    monkeypatch.setenv("RUNNOTES_DRAFTS_DEBOUNCE", "0.1")


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)


@pytest.fixture
def client(store: Store):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from runnotes.web.app import create_app

    with TestClient(create_app(store)) as test_client:
        yield test_client


@pytest.fixture
def serve() -> Iterator:  # type: ignore[type-arg]
    """Start real `runnotes serve` processes (with this test's environment); stopped at the end."""
    started: list[Server] = []

    def start(
        *args: str, env: dict[str, str] | None = None, token: str | None = None, log_dir: Path
    ) -> Server:
        port = free_port()
        log = log_dir / f"serve-{port}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "runnotes", "serve", "--port", str(port), *args],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        server = Server(url=url, process=process, log=log)
        started.append(server)
        wait_up(url, process, log, {"Authorization": f"Bearer {token}"} if token else {})
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
