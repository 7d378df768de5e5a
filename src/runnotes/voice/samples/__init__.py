"""Audio shipped with runnotes: a spoken note for the demo and for trying ``runnotes voice add``."""

from __future__ import annotations

from pathlib import Path


def demo_note_path() -> Path:
    """A 13 s espeak-ng note (16 kHz mono 16-bit): a rationale, a metric, a param, a next step."""
    return Path(__file__).with_name("demo_note.wav")
