"""A fixed store for report tests: two projects, three experiments, five runs, every capture kind.

Times, run context and media are fixed (no clock, no git, no host), so the README of this store is
the same bytes on every machine: that is what the golden-file test compares.

- vision/resnet: "pilot" in the week before, then "baseline", "lower-lr" (best val_acc, a voice
  note with extracted rationale and next step, a liked screenshot) and "more-dropout" (best
  loss, a blocker, a rejected value and note, pending captures).
- nlp/tokenizer: "bpe-32k" with perplexity (lower is better).
- vision/empty: one run with nothing approved.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from runnotes.store import Store
from runnotes.store.runs import (
    NewCapture,
    RunContext,
    add_captures,
    add_metric_rows,
    create_run,
    register_media,
)

T0 = 1714986000.0  # Monday 2024-05-06 09:00 UTC
DAY = 86400.0
WEEK = 7 * DAY


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reports show local time: pin it so the golden file is the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def png_bytes(color: tuple[int, int, int], text_rows: int = 3) -> bytes:
    image = Image.new("RGB", (160, 80), color)
    for row in range(text_rows):  # a few dark bars, like lines of text in a terminal
        for x in range(10, 130):
            for y in range(12 + 20 * row, 16 + 20 * row):
                image.putpixel((x, y), (20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Sample:
    store: Store
    runs: dict[str, int]
    screenshot_sha: str
    voice_id: int
    t0: float = T0  # the Monday the sample week starts (09:00 UTC)


def _run(
    store: Store,
    name: str,
    experiment: str,
    project: str,
    started: float,
    packages_json: bool = True,
) -> int:
    ctx = RunContext(
        command=f"python train.py --run {name}",
        cwd="/work/vision",
        host="lab-1",
        python_version="3.11.2",
        packages={"numpy": "2.4.6", "torch": "2.5.1", "rich": "13.9"} if packages_json else {},
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_branch="main",
        git_dirty=False,
    )
    row = create_run(
        store, name, experiment=experiment, project=project, context=ctx, started_at=started
    )
    _finish(store, row.id, started + 1800)  # type: ignore[arg-type]
    return row.id  # type: ignore[return-value]


def _finish(store: Store, run_id: int, ended: float) -> None:
    from runnotes.store.models import Run

    with store.write() as session:
        run = session.get(Run, run_id)
        run.status, run.ended_at, run.exit_code = "ok", ended, 0  # type: ignore[union-attr]
        session.add(run)


def _series(store: Store, run_id: int, start: float, curves: dict[str, list[float]]) -> None:
    rows = [
        (run_id, "metric", "sdk", name, value, step, start + step, "approved", None)
        for name, values in curves.items()
        for step, value in enumerate(values)
    ]
    add_metric_rows(store, rows)


def _c(kind: str, ts: float, **fields) -> NewCapture:  # type: ignore[no-untyped-def]
    fields.setdefault("review", "approved")
    fields.setdefault("source", "sdk")
    return NewCapture(kind=kind, timestamp=ts, **fields)


def _params(ts: float, **values: float) -> list[NewCapture]:
    return [_c("param", ts, name=k, value=float(v), text=f"{v:g}") for k, v in values.items()]


def _liked(ts: float, **values: float) -> list[NewCapture]:
    return [_c("metric", ts, name=k, value=v, text=str(v), liked=True) for k, v in values.items()]


def build_sample(store: Store) -> Sample:
    runs: dict[str, int] = {}
    exp, proj = "resnet", "vision"

    t = T0 - WEEK
    runs["pilot"] = _run(store, "pilot", exp, proj, t)
    add_captures(
        store,
        runs["pilot"],
        [
            *_params(t + 1, lr=0.001, batch_size=64, dropout=0.1),
            *_liked(t + 1700, val_acc=0.9),
            _c(
                "note",
                t + 1800,
                source="voice",
                text="CIFAR-10 validation accuracy above 93 % with a ResNet-18",
                role="goal",
            ),
        ],
    )

    t = T0
    runs["baseline"] = r = _run(store, "baseline", exp, proj, t)
    add_captures(
        store,
        r,
        [
            *_params(t + 1, lr=0.001, batch_size=64, dropout=0.1),
            _c(
                "dataset",
                t + 2,
                name="train.csv",
                value=50000,
                text="train.csv: 50000 rows",
                origin="/data/cifar/train.csv",
                extra={
                    "path": "/data/cifar/train.csv",
                    "format": "csv",
                    "rows": 50000,
                    "columns": 3,
                    "column_names": ["id", "image", "label"],
                    "size": 1234567,
                    "sha256": "ab" * 32,
                },
            ),
            _c(
                "note",
                t + 100,
                text="Baseline with the default Adam settings because the paper used them.",
            ),
            *_liked(t + 1700, val_acc=0.912, loss=0.31),
        ],
    )
    _series(
        store,
        r,
        t,
        {
            "val_acc": [0.5, 0.7, 0.8, 0.85, 0.88, 0.9, 0.905, 0.91, 0.911, 0.912],
            "loss": [1.2, 0.9, 0.7, 0.55, 0.45, 0.4, 0.36, 0.33, 0.32, 0.31],
        },
    )

    t = T0 + 3600
    runs["lower-lr"] = r = _run(store, "lower-lr", exp, proj, t)
    with store.write() as session:
        shot = register_media(
            session, store, png_bytes((240, 240, 230)), "image/png", ".png", "region.png"
        )
    add_captures(
        store,
        r,
        [
            *_params(t + 1, lr=0.0003, batch_size=64, dropout=0.1),
            *_liked(t + 1700, val_acc=0.9321, loss=0.24),
            _c(
                "screenshot",
                t + 1710,
                source="hotkey",
                media_sha=shot,
                origin="TensorBoard: Scalars - val_acc",
                extra={
                    "region": [10, 10, 160, 80],
                    "ocr_text": "val_acc 0.9321",
                    "window": {"title": "Scalars - val_acc", "class": "TensorBoard", "pid": 1},
                },
            ),
        ],
    )
    _series(
        store,
        r,
        t,
        {
            "val_acc": [0.55, 0.75, 0.84, 0.88, 0.9, 0.915, 0.922, 0.928, 0.931, 0.9321],
            "loss": [1.1, 0.8, 0.6, 0.45, 0.38, 0.32, 0.29, 0.26, 0.25, 0.24],
        },
    )
    transcript = (
        "I lowered the learning rate because the loss diverged at epoch three. "
        "Next I'll try cosine decay."
    )
    (voice_id,) = add_captures(
        store,
        r,
        [
            _c(
                "voice",
                t + 1720,
                source="voice",
                text=transcript,
                origin="microphone",
                status="ok",
                extra={
                    "segments": [
                        {"start": 0.0, "end": 3.1, "text": transcript[:68]},
                        {"start": 3.1, "end": 4.9, "text": transcript[69:]},
                    ],
                    "model": "tiny.en",
                    "flags": [],
                },
            )
        ],
    )
    add_captures(
        store,
        r,
        [
            _c(
                "note",
                t + 1720.5,
                source="voice",
                text="lowered the learning rate because the loss diverged at epoch three",
                role="rationale",
                parent_id=voice_id,
                extra={"segment": 0},
            ),
            _c(
                "note",
                t + 1720.6,
                source="voice",
                text="try cosine decay",
                role="next_step",
                parent_id=voice_id,
                extra={"segment": 1},
            ),
            _c(
                "note",
                t + 1720.7,
                source="voice",
                text="epoch three",
                review="pending",
                role="run_ref",
                parent_id=voice_id,
                extra={"segment": 0},
            ),
        ],
    )

    t = T0 + 2 * 3600
    runs["more-dropout"] = r = _run(store, "more-dropout", exp, proj, t)
    add_captures(
        store,
        r,
        [
            *_params(t + 1, lr=0.0003, batch_size=64, dropout=0.3),
            *_liked(t + 1700, val_acc=0.925, loss=0.22),
            _c(
                "metric",
                t + 1701,
                name="val_acc",
                value=0.99,
                text="0.99",
                review="rejected",
                liked=True,
            ),
            _c("note", t + 1710, text="REJECTED-NOTE should never appear", review="rejected"),
            _c("note", t + 1711, text="Blocked by the GPU quota on the shared cluster."),
            _c("note", t + 1712, text="PENDING-NOTE maybe mixup helps", review="pending"),
        ],
    )
    _series(store, r, t, {"val_acc": [0.5, 0.7, 0.82, 0.87, 0.9, 0.91, 0.918, 0.921, 0.924, 0.925]})

    t = T0 + 3 * 3600
    runs["bpe-32k"] = r = _run(store, "bpe-32k", "tokenizer", "nlp", t)
    add_captures(
        store,
        r,
        [
            *_params(t + 1, vocab=32000),
            *_liked(t + 1700, perplexity=18.2),
            _c("note", t + 1710, text="Let's try a 48k vocabulary next."),
        ],
    )

    runs["idle"] = r = _run(store, "idle", "empty", "vision", T0 + 4 * 3600)
    add_captures(store, r, [_c("note", T0 + 4 * 3600 + 5, text="unreviewed", review="pending")])
    return Sample(store=store, runs=runs, screenshot_sha=shot, voice_id=voice_id)


@pytest.fixture
def sample(store: Store, utc: None) -> Sample:
    return build_sample(store)


def render_pages(docx: Path, folder: Path) -> list[Path]:
    """The .docx as LibreOffice lays it out: PDF, then one PNG per page (pdftoppm)."""
    for tool in ("libreoffice", "pdftoppm"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is needed (scripts/setup installs it)")
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{folder / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = folder / f"{docx.stem}.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(folder / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return sorted(folder.glob("page-*.png"))
