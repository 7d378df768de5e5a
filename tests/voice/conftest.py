"""Voice fixtures: the audio note set, synthesised once per test session by offline voices.

espeak-ng (formant synthesis, robotic) at a dictation pace; Debian's flite with its ``awb`` and
``rms`` voices (diphone voices cut from recordings of people); festival's HTS voice ``cmu_us_slt``
(statistical parametric, the closest to a person). Each goes through ``sox`` to what a microphone
block stream has: 16 kHz mono 16-bit. Two synthesis processes at a time (the CI machine has two
cores), into the session's tmp folder.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# A person dictating speaks slower than espeak-ng's default 175 words a minute, with short gaps
# between words ("-g" counts 10 ms units): recall 0.65 at 160 wpm, 0.77–0.84 at 110–120 wpm.
VOICES = {
    "espeak-ng": ["espeak-ng", "-v", "en-us", "-s", "110", "-g", "5", "-w", "{out}", "{text}"],
    "flite-awb": ["flite", "-voice", "awb", "-t", "{text}", "-o", "{out}"],
    "flite-slt": ["flite", "-voice", "slt", "-t", "{text}", "-o", "{out}"],
    "flite-rms": ["flite", "-voice", "rms", "-t", "{text}", "-o", "{out}"],
    "festival-slt-hts": [
        "text2wave",
        "-eval",
        "(voice_cmu_us_slt_arctic_hts)",
        "-o",
        "{out}",
        "{textfile}",
    ],
}


def synthesize(text: str, out: Path, voice: str = "espeak-ng") -> Path:
    """``text`` spoken by ``voice`` → 16 kHz mono 16-bit WAV at ``out``."""
    command = VOICES[voice]
    if shutil.which(command[0]) is None or shutil.which("sox") is None:
        pytest.fail(f"{command[0]} and sox are needed (scripts/setup installs them)")
    raw, textfile = out.with_suffix(".raw.wav"), out.with_suffix(".txt")
    textfile.write_text(text)
    argv = [a.format(out=raw, text=text, textfile=textfile) for a in command]
    subprocess.run(argv, check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    raw.unlink()
    textfile.unlink()
    return out


def synthesize_all(texts: list[str], folder: Path, voice: str) -> list[Path]:
    """Every text as ``NN.wav`` in ``folder``, two synthesisers at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:02d}.wav" for i in range(len(texts))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(lambda job: synthesize(job[0], job[1], voice), zip(texts, paths, strict=True))
        )
    return paths
