"""Voice notes in the store: bad input keeps the audio, retry re-runs it, SIGKILL keeps the WAV."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli
from runnotes.store import Store
from runnotes.store.models import Capture, MediaFile
from runnotes.store.runs import create_run
from runnotes.voice.audio import duration
from runnotes.voice.notes import add_voice_file, note_status, retry
from runnotes.voice.samples import demo_note_path
from runnotes.voice.transcribe import FILE


def _sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True)


def _stored_audio(store: Store, capture_id: int) -> Path:
    with store.read() as session:
        voice = session.get(Capture, capture_id)
        assert voice is not None and voice.media_sha and session.get(MediaFile, voice.media_sha)
        return store.media.path(voice.media_sha)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("empty.wav", lambda p: p.write_bytes(b""), "empty"),
        ("corrupt.wav", lambda p: p.write_bytes(os.urandom(4096)), "cannot decode corrupt.wav"),
        ("notes.txt", lambda p: p.write_text("not audio"), "cannot decode notes.txt"),
        (  # AIFF bytes named .wav: the format is read from the bytes, not the name
            "aiff-inside.wav",
            lambda p: _sox("-n", "-r", "16000", "-c", "1", "-t", "aiff", str(p), "trim", "0", "8"),
            "no speech",
        ),
        (  # and a name runnotes has no entry for: still decoded from the bytes
            "recording.aiff",
            lambda p: _sox("-n", "-r", "16000", "-c", "1", "-t", "wav", str(p), "trim", "0", "8"),
            "no speech",
        ),
        (
            "silence.wav",
            lambda p: _sox("-n", "-r", "16000", "-c", "1", "-b", "16", str(p), "trim", "0", "8"),
            "no speech",
        ),
    ],
)
def test_bad_input_is_kept_with_a_clear_error(
    store: Store, tmp_path: Path, name: str, make, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    make(path)
    run = create_run(store, "bad")
    capture_id = add_voice_file(store, run.id, path)
    status, error = note_status(store, capture_id)
    assert status == "failed" and message in (error or ""), error
    assert _stored_audio(store, capture_id).read_bytes() == path.read_bytes()


@pytest.mark.slow
def test_cli_add_fails_clearly_then_retry_succeeds(home: Path, tmp_path: Path) -> None:
    run_cli("run", "start", "cli-voice")
    bad = run_cli(
        "voice",
        "add",
        str(demo_note_path()),
        check=False,
        env={"RUNNOTES_VOICE_MODEL": str(tmp_path / "no-model")},
    )
    assert bad.returncode == 1
    line = bad.stderr.strip().splitlines()[-1]
    assert line.startswith("runnotes: error: voice note ") and "the audio is kept" in line
    capture_id = line.split()[4].rstrip(":")
    done = run_cli("voice", "retry", capture_id)
    assert "learning rate" in done.stdout.lower() and "rationale" in done.stdout


@pytest.mark.slow
def test_one_hour_file_has_progress_and_bounded_memory(home: Path, tmp_path: Path) -> None:
    long, short = tmp_path / "hour.wav", tmp_path / "minutes.wav"
    _sox(str(demo_note_path()), str(long), "pad", "0", "3590")  # the note, then silence
    _sox(str(demo_note_path()), str(short), "pad", "0", "110")
    script = (
        "import resource, sys\n"
        "from runnotes.sdk import get_store\n"
        "from runnotes.store.runs import create_run\n"
        "from runnotes.voice.notes import add_voice_file, note_status\n"
        "store = get_store(); run = create_run(store, 'hour'); seen = []\n"
        "cid = add_voice_file(store, run.id, sys.argv[1], on_progress=seen.append)\n"
        "print(note_status(store, cid)[0], len(seen), int(seen[-1]), seen == sorted(seen),\n"
        "      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )

    def transcribe(path: Path) -> list[str]:
        return subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout.split()

    status, updates, last, ordered, peak_mb = transcribe(long)
    assert status == "ok" and int(last) >= 3599 and ordered == "True"
    assert int(updates) >= 3600 / FILE.max_seconds  # a report at least every piece of the file
    # Bounded: an hour peaks about where two minutes do (the model and libraries dominate); the
    # decoded hour alone would be 230 MB of float32, plus the 115 MB file if it were read whole.
    baseline_mb = int(transcribe(short)[-1])
    assert int(peak_mb) - baseline_mb < 150, f"peak RSS {peak_mb} MB vs {baseline_mb} MB"


@pytest.mark.slow
def test_sigkill_mid_recording_keeps_the_audio(home: Path, store: Store) -> None:
    run = create_run(store, "killed")
    script = (
        "import sys, time\n"
        "from runnotes.sdk import get_store\n"
        "from runnotes.voice.recorder import Recorder, WavSource\n"
        "rec = Recorder(get_store(), int(sys.argv[1]), WavSource(sys.argv[2], realtime=True))\n"
        "print(rec.start(), flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(run.id), str(demo_note_path())],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        capture_id = int(proc.stdout.readline())  # type: ignore[union-attr]
        time.sleep(7)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert note_status(store, capture_id)[0] == "pending"
    retry(store, capture_id)
    status, error = note_status(store, capture_id)
    assert status == "ok", error
    kept = duration(_stored_audio(store, capture_id)) or 0
    assert 5 < kept < 9.5
    with store.read() as session:
        text = session.get(Capture, capture_id).text  # type: ignore[union-attr]
    assert "learning rate" in text.lower()
