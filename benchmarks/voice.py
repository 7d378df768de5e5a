"""Voice notes: raw faster-whisper vs runnotes end to end, real-time factor, push-to-talk delay.

Makes a ≥ 60 s speech file with espeak-ng (the fixture sentences read one after another), then:
1. raw ``WhisperModel.transcribe`` on the decoded array (same settings runnotes uses);
2. runnotes ``add_voice_file``: store → decode → VAD → transcribe → extract → commit;
3. push-to-talk: a 10 s clip streamed in real time through the Recorder; the delay from the end
   of the audio to ``stop()`` returning with the note committed.
Run: .venv/bin/python -m benchmarks.voice   (from the repository root)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def speech_file(folder: Path, texts: list[str], seconds: float) -> Path:
    """espeak-ng reading sentences until ``seconds`` of speech, as 16 kHz mono 16-bit."""
    raw, out = folder / "raw.wav", folder / f"speech-{int(seconds)}.wav"
    text, n = "", 0
    while True:
        text += " " + texts[n % len(texts)]
        n += 1
        if len(text.split()) / 2.6 >= seconds:  # espeak-ng at 160 wpm ≈ 2.6 words/s
            break
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
    subprocess.run(
        [
            "sox",
            str(raw),
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            str(out),
            "trim",
            "0",
            str(seconds),
        ],
        check=True,
    )
    return out


def main() -> None:
    os.environ["RUNNOTES_HOME"] = tempfile.mkdtemp(prefix="runnotes-bench-")
    from runnotes.config import load_settings
    from runnotes.store import open_store
    from runnotes.store.runs import create_run
    from runnotes.voice.audio import read_blocks
    from runnotes.voice.models import resolve_model
    from runnotes.voice.notes import add_voice_file, note_status
    from runnotes.voice.recorder import Recorder, WavSource
    from runnotes.voice.transcribe import VAD, load_model

    texts = [c["text"] for c in json.loads((ROOT / "tests/voice/sentences.json").read_text())]
    folder = Path(tempfile.mkdtemp(prefix="runnotes-speech-"))
    long, clip = speech_file(folder, texts, 75), speech_file(folder, texts[2:], 10)
    store = open_store(load_settings())
    run = create_run(store, "bench")
    choice = resolve_model(store.settings)
    model = load_model(str(choice.path), "cpu", 2)
    audio = np.concatenate(list(read_blocks(long)))
    length = len(audio) / 16_000

    def raw() -> float:
        began = time.perf_counter()
        segments, _ = model.transcribe(
            audio,
            beam_size=1,
            temperature=0.0,
            vad_filter=True,
            vad_parameters=VAD,
            condition_on_previous_text=False,
        )
        list(segments)
        return time.perf_counter() - began

    def ours() -> float:
        began = time.perf_counter()
        cid = add_voice_file(store, run.id, long)
        elapsed = time.perf_counter() - began
        assert note_status(store, cid)[0] == "ok", note_status(store, cid)
        return elapsed

    raw(), ours()  # warm up (model load, page cache)
    raw_s = min(raw() for _ in range(3))
    ours_s = min(ours() for _ in range(3))

    delays = []
    for _ in range(3):
        recorder = Recorder(store, run.id, WavSource(clip, realtime=True))
        recorder.start()
        recorder.wait()
        ended = time.perf_counter()
        cid = recorder.stop()
        delays.append(time.perf_counter() - ended)
        assert note_status(store, cid)[0] == "ok"

    print(f"speech file: {length:.1f} s (espeak-ng), model {choice.name}, int8, 2 threads")
    print(f"raw faster-whisper transcribe: {raw_s:.2f} s  (RTF {raw_s / length:.3f})")
    print(
        f"runnotes end to end:           {ours_s:.2f} s  (RTF {ours_s / length:.3f}, target ≤ 0.08)"
    )
    print(f"ratio runnotes / raw:          {ours_s / raw_s:.2f}  (target ≤ 1.15)")
    print(
        f"push-to-talk, 10 s clip: end of speech → stored note {min(delays):.2f} s best, "
        f"{max(delays):.2f} s worst of 3 (target ≤ 1.5 s)"
    )


if __name__ == "__main__":
    main()
