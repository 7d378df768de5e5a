"""Voice notes: tiny.en, base and small side by side: accuracy, real-time factor, push-to-talk.

For each model (installed with ``runnotes models install`` into a temporary home when missing;
one that cannot be installed is reported with the reason):
1. WER on a real person: the JFK clip (tests/voice/fixtures/jfk.wav, public domain);
2. WER on the held-out audio note set (tests/voice/notes/audio2.txt), festival's HTS voice;
3. raw ``WhisperModel.transcribe`` vs runnotes ``add_voice_file`` (store → decode → VAD →
   transcribe → extract → commit) on a ≥ 60 s espeak-ng file: real-time factors and their ratio;
4. push-to-talk: a 10 s clip streamed in real time through the Recorder; the delay from the end
   of the audio to ``stop()`` returning with the note committed.
Run: .venv/bin/python -m benchmarks.voice   (from the repository root; add ``tiny.en`` to time one)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
MODELS = ("tiny.en", "base", "small")


def speech_file(folder: Path, texts: list[str], seconds: float) -> Path:
    """espeak-ng reading sentences until ``seconds`` of speech, as 16 kHz mono 16-bit."""
    raw, out = folder / "raw.wav", folder / f"speech-{int(seconds)}.wav"
    text, n = "", 0
    while len(text.split()) / 2.6 < seconds:  # espeak-ng at 160 wpm ≈ 2.6 words/s
        text += " " + texts[n % len(texts)]
        n += 1
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
    trim = ["trim", "0", str(seconds)]
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), *trim])
    return out


@dataclass
class Row:
    model: str
    jfk_wer: float = float("nan")
    set_wer: float = float("nan")
    raw_rtf: float = float("nan")
    rtf: float = float("nan")
    ptt: tuple[float, float] = (float("nan"), float("nan"))
    note: str = ""


def measure(name: str, inputs: dict, repeats: int) -> Row:  # type: ignore[type-arg]
    from runnotes.config import load_settings
    from runnotes.errors import RunnotesError
    from runnotes.store import open_store
    from runnotes.store.models import Capture
    from runnotes.store.runs import create_run
    from runnotes.voice.audio import read_blocks
    from runnotes.voice.models import INSTALLABLE, install, resolve_model
    from runnotes.voice.notes import add_voice_file, note_status
    from runnotes.voice.recorder import Recorder, WavSource
    from runnotes.voice.transcribe import VAD, load_model
    from voice.scoring import word_error_rate

    os.environ["RUNNOTES_VOICE_MODEL"] = name
    settings = load_settings()
    row = Row(name)
    try:
        if name in INSTALLABLE:
            install(settings, name, say=lambda _: None)
        choice = resolve_model(settings)
    except RunnotesError as exc:
        row.note = str(exc)
        return row
    store = open_store(settings)
    run = create_run(store, f"bench-{name}")

    def transcript(path: Path) -> str:
        capture_id = add_voice_file(store, run.id, path)
        assert note_status(store, capture_id)[0] == "ok", note_status(store, capture_id)
        with store.read() as session:
            return session.get(Capture, capture_id).text or ""  # type: ignore[union-attr]

    e, n = word_error_rate(inputs["jfk_text"], transcript(inputs["jfk"]))
    row.jfk_wer = e / n
    pairs = [word_error_rate(t, transcript(p)) for t, p in inputs["notes"]]
    row.set_wer = sum(e for e, _ in pairs) / sum(n for _, n in pairs)

    model = load_model(str(choice.path), "cpu", 2)
    audio = np.concatenate(list(read_blocks(inputs["long"])))
    length = len(audio) / 16_000

    def raw() -> float:
        began = time.perf_counter()
        segments, _ = model.transcribe(
            audio,
            language=None if choice.english_only else "en",
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
        transcript(inputs["long"])
        return time.perf_counter() - began

    raw(), ours()  # warm up (model load, page cache)
    row.raw_rtf = min(raw() for _ in range(repeats)) / length
    row.rtf = min(ours() for _ in range(repeats)) / length
    delays = []
    for _ in range(repeats):
        recorder = Recorder(store, run.id, WavSource(inputs["clip"], realtime=True))
        recorder.start()
        recorder.wait()
        ended = time.perf_counter()
        capture_id = recorder.stop()
        delays.append(time.perf_counter() - ended)
        assert note_status(store, capture_id)[0] == "ok"
    row.ptt = (min(delays), max(delays))
    return row


def main() -> None:
    os.environ["RUNNOTES_HOME"] = tempfile.mkdtemp(prefix="runnotes-bench-")
    from voice.conftest import synthesize_all
    from voice.test_e2e import HELD_OUT, JFK, JFK_TEXT

    folder = Path(tempfile.mkdtemp(prefix="runnotes-speech-"))
    texts = [case.text for case in HELD_OUT]
    notes = synthesize_all(texts, folder / "notes", "festival-slt-hts")
    inputs = {
        "jfk": JFK,
        "jfk_text": JFK_TEXT,
        "notes": list(zip(texts, notes, strict=True)),
        "long": speech_file(folder, texts, 75),
        "clip": speech_file(folder, texts[3:], 10),
    }
    wanted = sys.argv[1:] or MODELS
    rows = [measure(name, inputs, 3 if name == "tiny.en" else 2) for name in wanted]
    print(f"int8, 2 threads, beam 1; {len(texts)} notes (festival HTS); 75 s espeak-ng file")
    print(
        f"{'model':8} {'WER JFK':>8} {'WER notes':>10} {'raw RTF':>8} {'runnotes RTF':>13} "
        f"{'ratio':>6} {'push-to-talk delay':>20}"
    )
    for r in rows:
        if r.note:
            print(f"{r.model:8} not measured: {r.note}")
            continue
        print(
            f"{r.model:8} {r.jfk_wer:8.3f} {r.set_wer:10.3f} {r.raw_rtf:8.3f} {r.rtf:13.3f} "
            f"{r.rtf / r.raw_rtf:6.2f} {r.ptt[0]:9.2f}–{r.ptt[1]:.2f} s"
        )
    print("targets (tiny.en): runnotes RTF ≤ 0.08, ratio ≤ 1.15, push-to-talk delay ≤ 1.5 s")


if __name__ == "__main__":
    main()
