"""Voice notes: tiny.en, base and small side by side: accuracy, real-time factor, push-to-talk.

For each model (installed with ``runnotes models install`` into a temporary home when missing;
one that cannot be installed is reported with the reason):
1. WER on a real person: the JFK clip (tests/voice/fixtures/jfk.wav, public domain);
2. WER on the held-out audio note set (tests/voice/notes/audio2.txt), festival's HTS voice;
3. raw ``WhisperModel.transcribe`` vs runnotes ``add_voice_file`` (store → decode → VAD →
   transcribe → extract → commit) on a ≥ 60 s espeak-ng file: real-time factors and their ratio,
   and each one's WER on it (raw's 30 s windows cut inside words, and it prompts the first only);
4. push-to-talk: a 10 s clip streamed in real time through the Recorder; the delay from the end
   of the audio to ``stop()`` returning with the note committed;
5. with ``--sets``: precision and recall of the values stored from spoken note sets (each note
   through the Recorder onto a training run), per voice and pooled over the four voices of
   issue 22's bars (flite slt/rms/awb, festival HTS), espeak-ng reported beside them.
Run: .venv/bin/python -m benchmarks.voice [MODEL ...] [--sets outside_audio,audio2]
     [--voices flite-slt,...] [--home DIR]   (from the repository root; --home reuses a home
     where ``runnotes models install base`` already ran; --accuracy-only skips 1–4)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
MODELS = ("tiny.en", "base", "small")


def spoken_text(texts: list[str], seconds: float) -> str:
    """The sentences :func:`speech_file` reads for ``seconds`` (espeak-ng at 160 wpm ≈ 2.6
    words/s; they last a little less, so the file is all of them)."""
    text, n = "", 0
    while len(text.split()) / 2.6 < seconds:
        text += " " + texts[n % len(texts)]
        n += 1
    return text


def speech_file(folder: Path, texts: list[str], seconds: float) -> Path:
    """espeak-ng reading sentences until ``seconds`` of speech, as 16 kHz mono 16-bit."""
    raw, out = folder / "raw.wav", folder / f"speech-{int(seconds)}.wav"
    text = spoken_text(texts, seconds)
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
    long_wer: tuple[float, float] = (float("nan"), float("nan"))  # raw, runnotes
    ptt: tuple[float, float] = (float("nan"), float("nan"))
    note: str = ""
    sets: dict = field(default_factory=dict)  # (set, voice) → voice.audiosets.Heard


def accuracy(row: Row, store, sets: list[str], voices: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Precision/recall of the values stored from each spoken set, per voice."""
    from voice.audiosets import spoken, through_recorder
    from voice.notesets import load

    for name in sets:
        cases = load(name)
        for voice in voices:
            row.sets[(name, voice)] = through_recorder(store, cases, spoken(cases, voice))
            print(f"  {row.model} {name} {voice}: {row.sets[(name, voice)].score}", flush=True)


def measure(name: str, inputs: dict, repeats: int, args: argparse.Namespace) -> Row:  # type: ignore[type-arg]
    from runnotes.config import load_settings
    from runnotes.errors import RunnotesError
    from runnotes.store import open_store
    from runnotes.store.models import Capture
    from runnotes.store.runs import create_run
    from runnotes.voice.audio import read_blocks
    from runnotes.voice.models import INSTALLABLE, install, resolve_model
    from runnotes.voice.notes import add_voice_file, note_status
    from runnotes.voice.recorder import Recorder, WavSource
    from runnotes.voice.transcribe import DECODING, VAD, fit_prompt, load_model, vocabulary_prompt
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
    if args.sets:
        began = time.perf_counter()
        accuracy(row, store, args.sets.split(","), args.voices.split(","))
        print(f"  {name}: note sets heard in {time.perf_counter() - began:.0f} s", flush=True)
    if args.accuracy_only:
        return row
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
    # The vocabulary prompt runnotes gives a run with nothing logged: decoding input, not pipeline.
    prompt = fit_prompt(vocabulary_prompt([], []), lambda t: len(model.hf_tokenizer.encode(t).ids))
    audio = np.concatenate(list(read_blocks(inputs["long"])))
    length = len(audio) / 16_000

    def raw() -> tuple[float, str]:
        began = time.perf_counter()
        segments, _ = model.transcribe(
            audio,
            language=None if choice.english_only else "en",
            **DECODING,  # the same decoding as runnotes: the ratio is the pipeline's cost alone
            vad_filter=True,
            vad_parameters=VAD,
            initial_prompt=prompt,
            condition_on_previous_text=False,
        )
        text = " ".join(s.text for s in segments)
        return time.perf_counter() - began, text

    def ours() -> tuple[float, str]:
        began = time.perf_counter()
        text = transcript(inputs["long"])
        return time.perf_counter() - began, text

    raw(), ours()  # warm up (model load, page cache)
    raws, ourss = [raw() for _ in range(repeats)], [ours() for _ in range(repeats)]
    row.raw_rtf = min(t for t, _ in raws) / length
    row.rtf = min(t for t, _ in ourss) / length

    def long_wer(text: str) -> float:
        errors, words = word_error_rate(inputs["long_text"], text)
        return errors / words

    row.long_wer = (long_wer(raws[-1][1]), long_wer(ourss[-1][1]))
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
    parser = argparse.ArgumentParser(prog="benchmarks.voice")
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--sets", default="", help="spoken note sets, e.g. outside_audio,audio2")
    parser.add_argument(
        "--voices", default="flite-slt,flite-rms,flite-awb,festival-slt-hts,espeak-ng"
    )
    parser.add_argument("--home", help="a RUNNOTES_HOME whose models are already installed")
    parser.add_argument("--accuracy-only", action="store_true")
    args = parser.parse_args()
    os.environ["RUNNOTES_HOME"] = args.home or tempfile.mkdtemp(prefix="runnotes-bench-")
    from voice.conftest import synthesize_all
    from voice.test_e2e import HELD_OUT, JFK, JFK_TEXT

    folder = Path(tempfile.mkdtemp(prefix="runnotes-speech-"))
    texts = [case.text for case in HELD_OUT]
    inputs: dict = {"jfk": JFK, "jfk_text": JFK_TEXT}  # type: ignore[type-arg]
    if not args.accuracy_only:
        notes = synthesize_all(texts, folder / "notes", "festival-slt-hts")
        inputs["notes"] = list(zip(texts, notes, strict=True))
        inputs["long"] = speech_file(folder, texts, 75)
        inputs["long_text"] = spoken_text(texts, 75)
        inputs["clip"] = speech_file(folder, texts[3:], 10)
    rows = [measure(m, inputs, 3 if m == "tiny.en" else 2, args) for m in args.models]
    if args.sets:
        _print_sets(rows, args.voices.split(","))
    if args.accuracy_only:
        return
    from runnotes.voice.transcribe import DECODING

    beam = DECODING["beam_size"]
    print(f"int8, 2 threads, beam {beam}; {len(texts)} notes (festival HTS); 75 s espeak-ng file")
    print(
        f"{'model':8} {'WER JFK':>8} {'WER notes':>10} {'raw RTF':>8} {'runnotes RTF':>13} "
        f"{'ratio':>6} {'WER 75 s raw/ours':>18} {'push-to-talk delay':>20}"
    )
    for r in rows:
        if r.note:
            print(f"{r.model:8} not measured: {r.note}")
            continue
        print(
            f"{r.model:8} {r.jfk_wer:8.3f} {r.set_wer:10.3f} {r.raw_rtf:8.3f} {r.rtf:13.3f} "
            f"{r.rtf / r.raw_rtf:6.2f} {r.long_wer[0]:13.3f}/{r.long_wer[1]:.3f} "
            f"{r.ptt[0]:9.2f}–{r.ptt[1]:.2f} s"
        )
    print("targets (tiny.en): runnotes RTF ≤ 0.08, ratio ≤ 1.15, push-to-talk delay ≤ 1.5 s")


def _print_sets(rows: list[Row], voices: list[str]) -> None:
    """Per set and voice, then pooled over the four voices of the bars: P / R, WER, unsure."""
    from voice.audiosets import PEOPLE_LIKE
    from voice.notesets import Score

    print("values stored from spoken notes (precision / recall; WER; values marked unsure)")
    for r in rows:
        for name in dict.fromkeys(s for s, _ in r.sets):
            pooled = Score()
            for voice in voices:
                heard = r.sets[(name, voice)]
                if voice in PEOPLE_LIKE:
                    pooled.merge(heard.score)
                print(
                    f"{r.model:8} {name:14} {voice:17} P {heard.score.precision:.3f} "
                    f"R {heard.score.recall:.3f}  WER {heard.wer:.3f}  unsure {heard.unsure}"
                )
            print(
                f"{r.model:8} {name:14} {'pooled (4 voices)':17} P {pooled.precision:.3f} "
                f"R {pooled.recall:.3f}  ({pooled.expected} values)"
            )


if __name__ == "__main__":
    main()
