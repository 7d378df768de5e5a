"""Voice fixtures: real speech synthesised (flite / espeak-ng + sox) once per test session."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SENTENCES = json.loads((Path(__file__).parent / "sentences.json").read_text())


def synthesize(text: str, out: Path, *, speed: int = 160) -> Path:
    """``espeak-ng`` → 16 kHz mono 16-bit WAV, the format a microphone block stream has."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.fail("espeak-ng and sox are needed (scripts/setup installs them)")
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    raw.unlink()
    return out


def flite(text: str, out: Path, voice: str = "awb") -> Path:
    """Debian's ``flite`` (a recorded male voice): tiny.en hears it about as well as a person."""
    if shutil.which("flite") is None or shutil.which("sox") is None:
        pytest.fail("flite and sox are needed (scripts/setup installs them)")
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    raw.unlink()
    return out


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture sentence as a WAV (``00.wav``, ``01.wav``…), made once per test session."""
    folder = tmp_path_factory.mktemp("speech")
    for index, case in enumerate(SENTENCES):
        flite(case["text"], folder / f"{index:02d}.wav")
    return folder
