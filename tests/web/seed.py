"""Helpers for the web tests: a seeded store (written through the SDK), media, server process."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from runnotes.sdk import start_run
from runnotes.store import Store
from runnotes.store.models import Kind, Review
from runnotes.store.runs import NewCapture, register_media

# Debian's Chromium under Playwright (its own browser download fails here); see FIELD-NOTES.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
XSS = "<script>alert('pwned')</script> lr too high"
SEGMENTS = [
    {"start": 0.0, "end": 0.6, "text": "validation accuracy"},
    {"start": 0.6, "end": 1.0, "text": "went up to 91%"},
]


def wav_bytes(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A short 440 Hz tone: enough for an <audio> element to load and play."""
    import math
    import struct

    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def png_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 80), "white")
    ImageDraw.Draw(image).text((10, 30), "val_acc 0.9321", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Seeded:
    baseline: int
    tuned: int
    other: int
    voice: int
    pending_metric: int
    screenshot: int
    xss_note: int


def seed(store: Store) -> Seeded:
    """Three runs in two experiments, written through the SDK, plus hotkey/voice captures."""
    with start_run(
        "baseline", experiment="resnet", project="vision", tags=["sweep"], store=store
    ) as run:
        run.log_params({"lr": 0.01, "batch_size": 64, "optimizer": "sgd"})
        for step in range(20):
            run.log_metrics({"val_acc": 0.5 + step * 0.02, "loss": 1.0 / (step + 1)}, step=step)
        run.note(XSS)
        baseline = run.id
    with start_run(
        "tuned", experiment="resnet", project="vision", tags=["sweep", "best"], store=store
    ) as run:
        run.log_params({"lr": 0.003, "batch_size": 64, "optimizer": "adam"})
        for step in range(20):
            run.log_metrics({"val_acc": 0.6 + step * 0.02, "loss": 0.8 / (step + 1)}, step=step)
        run.note("lowered the learning rate because the loss diverged at epoch 3")
        tuned = run.id
        with store.write() as session:
            wav = register_media(session, store, wav_bytes(), "audio/wav", ".wav", "note.wav")
            png = register_media(session, store, png_bytes(), "image/png", ".png", None)
        ids = run.capture(
            NewCapture(
                kind=Kind.voice,
                source="voice",
                media_sha=wav,
                origin="microphone",
                text="validation accuracy went up to ninety one percent",
                review=Review.pending,
                status="ok",
                extra={"segments": SEGMENTS, "model": "tiny.en"},
            ),
            NewCapture(
                kind=Kind.metric,
                source="voice",
                name="val_acc",
                value=0.91,
                text="91%",
                review=Review.pending,
                role="metric",
                confidence=0.42,
                extra={
                    "heard": "validation accuracy went up to <b>91%</b>",
                },
            ),
            NewCapture(
                kind=Kind.screenshot,
                source="hotkey",
                media_sha=png,
                text="val_acc 0.9321",
                origin="XTerm: train.py",
                review=Review.pending,
                extra={"region": [0, 0, 200, 80], "ocr_text": "val_acc 0.9321"},
            ),
        )
    with start_run("other-baseline", experiment="bert", project="nlp", store=store) as run:
        run.log_params({"lr": 0.0001})
        run.log_metric("f1", 0.7)
        other = run.id
    voice, metric, shot = ids
    with store.read() as session:
        from sqlmodel import select

        from runnotes.store.models import Capture

        note_id = session.exec(select(Capture.id).where(Capture.text == XSS)).one()
    return Seeded(
        baseline=baseline,
        tuned=tuned,
        other=other,
        voice=voice,
        pending_metric=metric,
        screenshot=shot,
        xss_note=note_id,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def wait_up(url: str, process: subprocess.Popen[bytes], log: Path, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"runnotes serve exited {process.returncode}: {log.read_text()}")
        try:
            httpx.get(url + "/api/projects", headers=headers, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"runnotes serve did not come up: {log.read_text()}")


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app under a real uvicorn server in a thread, for the length of the block; its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def serving(home: Path, **env: str) -> Iterator[str]:
    """``runnotes serve`` over ``home`` as a real process on a free port (``env``: more of its
    environment); its URL while it runs."""
    port = free_port()
    log = home.parent / "serve.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNNOTES_")}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "runnotes", "serve", "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**clean, "RUNNOTES_HOME": str(home), **env},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, process, log, {})
        yield url
    finally:
        process.terminate()
        process.wait(10)
