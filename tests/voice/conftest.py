"""Voice fixtures: real speech, synthesised once per test session by two offline voices.

``espeak-ng`` (formant synthesis, robotic) at a dictation pace, and Debian's ``flite`` with its
``awb`` voice (a recorded male voice, much closer to a person). Both go through ``sox`` to the
format a microphone block stream has: 16 kHz mono 16-bit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SENTENCES = json.loads((Path(__file__).parent / "sentences.json").read_text())
# A person dictating a note speaks slower than espeak-ng's default 175 words a minute, with a
# short gap between words ("-g" counts 10 ms units). Measured on the fixture set: recall 0.65 at
# 160 wpm without gaps, 0.77–0.84 at 110–120 wpm with 50 ms gaps.
VOICES = {
    "espeak-ng": ["espeak-ng", "-v", "en-us", "-s", "110", "-g", "5", "-w", "{out}", "{text}"],
    "flite": ["flite", "-voice", "awb", "-t", "{text}", "-o", "{out}"],
}


def synthesize(text: str, out: Path, voice: str = "espeak-ng") -> Path:
    """``text`` spoken by ``voice`` → 16 kHz mono 16-bit WAV at ``out``."""
    command = VOICES[voice]
    if shutil.which(command[0]) is None or shutil.which("sox") is None:
        pytest.fail(f"{command[0]} and sox are needed (scripts/setup installs them)")
    raw = out.with_suffix(".raw.wav")
    subprocess.run([a.format(out=raw, text=text) for a in command], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    raw.unlink()
    return out


@pytest.fixture(scope="session", params=list(VOICES))
def speech_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture sentence as a WAV (``00.wav``, ``01.wav``…) in one voice; the folder is
    named after the voice."""
    folder = tmp_path_factory.mktemp("speech") / request.param
    folder.mkdir()
    for index, case in enumerate(SENTENCES):
        synthesize(case["text"], folder / f"{index:02d}.wav", request.param)
    return folder
