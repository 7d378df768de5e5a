"""One spoken note set through the recorder in the four voices: precision, recall, WER, misses.

For tuning the transcription side (numbers, vocabulary prompt, decoding) on a development set:
each note goes through :func:`voice.audiosets.through_recorder` as in the tests, and the segments
Whisper gave are kept in ``--keep`` (JSON), so that a change to what follows transcription
(``numbers.py``, ``saying.py``) can be scored again in seconds with ``--rescore``, without
transcribing anything. A change to the prompt or the decoding needs a full run.

Run: PYTHONPATH=$PWD/src nice -n 5 .venv/bin/python -m benchmarks.heard outside2_audio
     [--voices flite-slt,...] [--keep /tmp/heard] [--rescore]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _kept(store, run_id: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """The segments of every note of ``run_id``, in order, and the names the run knows."""
    from sqlmodel import select

    from runnotes.store.models import Capture, Kind
    from runnotes.voice.typed import known_names

    with store.read() as session:
        notes = session.exec(
            select(Capture)
            .where(Capture.run_id == run_id, Capture.kind == Kind.voice)
            .order_by(Capture.id)  # type: ignore[arg-type]
        ).all()
        known, _ = known_names(session, run_id)
    return {
        "known": known,
        "notes": [[s["text"] for s in (n.extra or {}).get("segments", [])] for n in notes],
    }


def rescore(cases: list, kept: dict):  # type: ignore[no-untyped-def, type-arg]
    """Extraction again on the kept segments: the score and WER today's code gives them."""
    from runnotes.voice.extract import extract
    from voice.notesets import Score, items
    from voice.scoring import word_error_rate

    score, errors, words = Score(), 0, 0
    for case, segments in zip(cases, kept["notes"], strict=True):
        heard = " ".join(segments)
        score.add(case, items(extract(segments, kept["known"])), heard=heard)
        e, n = word_error_rate(case.text, heard)
        errors, words = errors + e, words + n
    return score, errors / max(words, 1)


def main() -> None:
    from runnotes.voice.transcribe import DECODING
    from voice.audiosets import PEOPLE_LIKE
    from voice.notesets import Score, load

    parser = argparse.ArgumentParser(prog="benchmarks.heard")
    parser.add_argument("set", help="a note set under tests/voice/notes, e.g. outside2_audio")
    parser.add_argument("--voices", default=",".join(PEOPLE_LIKE))
    parser.add_argument("--keep", default=str(Path(tempfile.gettempdir()) / "heard"))
    parser.add_argument("--rescore", action="store_true", help="score kept segments again")
    parser.add_argument("--decode", default="{}", help='JSON, e.g. {"beam_size": 5}')
    args = parser.parse_args()
    DECODING.update(json.loads(args.decode))
    cases, keep = load(args.set), Path(args.keep)
    keep.mkdir(parents=True, exist_ok=True)
    pooled, began = Score(), time.perf_counter()
    for voice in args.voices.split(","):
        path = keep / f"{args.set}-{voice}.json"
        if args.rescore:
            score, wer = rescore(cases, json.loads(path.read_text()))
        else:
            score, wer = _heard(cases, voice, path)
        pooled.merge(score)
        print(f"{args.set} {voice}: {score}, WER {wer:.3f}", flush=True)
    seconds, load = time.perf_counter() - began, os.getloadavg()[0]
    print(f"{args.set}, pooled: {pooled}; {seconds:.0f} s, load {load:.1f}")
    print("\n".join(pooled.misses))


def _heard(cases: list, voice: str, path: Path):  # type: ignore[no-untyped-def, type-arg]
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from voice.audiosets import spoken, through_recorder

    with tempfile.TemporaryDirectory() as home:
        os.environ["RUNNOTES_HOME"] = home
        # Scored here is what notes offer; a draft refresh queued by them would only find the
        # temporary store closed (as in the tests, drafts wait for a manual refresh).
        os.environ["RUNNOTES_DRAFTS_AUTO"] = "false"
        store = open_store(load_settings())
        heard = through_recorder(store, cases, spoken(cases, voice))
        path.write_text(json.dumps(_kept(store, run_id=1)))
        store.close()
    return heard.score, heard.wer


if __name__ == "__main__":
    main()
