"""A file goes to Whisper in packed calls (``transcribe.pack_spans``): the speech Silero VAD finds,
put end to end, up to one 30 s window a call, so it needs no more calls than raw faster-whisper;
cut only between spans of speech, never inside a word ("0." + "9")."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import numpy as np

from runnotes.voice.audio import RATE, read_blocks
from runnotes.voice.transcribe import PACK_SECONDS, SILENCE_RMS, Span, pack_spans, speech_spans
from voice.conftest import synthesize
from voice.test_e2e import HELD_OUT

LIMIT = int(PACK_SECONDS * RATE)


def _speech(group: list[Span]) -> int:
    return sum(s["end"] - s["start"] for s in group)


def test_packing_keeps_every_span_whole_and_each_call_full() -> None:
    rng = random.Random(22)
    spans, at = [], 0
    for _ in range(300):
        at += rng.choice([0, rng.randint(1, 4 * RATE)])  # 0: a long span split by the VAD
        length = rng.randint(RATE // 5, 20 * RATE)
        spans.append({"start": at, "end": at + length})
        at += length
    groups = pack_spans(spans, LIMIT)
    assert [s for g in groups for s in g] == spans  # each span whole, once, in order
    assert max(_speech(g) for g in groups) <= LIMIT
    # a call is closed only when the next span would not fit: no packing in order has fewer
    assert all(_speech(g) + _speech(n[:1]) > LIMIT for g, n in pairwise(groups))


def test_a_span_longer_than_a_call_is_a_call_alone() -> None:
    """Decided: packing never cuts a span; one longer than a call (``speech_spans`` makes none,
    Silero splits speech at ``PACK_SECONDS``) is left to Whisper's own 30 s windows, as raw."""
    spans = [{"start": 0, "end": RATE}, {"start": RATE, "end": 41 * RATE}]
    spans.append({"start": 42 * RATE, "end": 43 * RATE})
    assert pack_spans(spans, LIMIT) == [[spans[0]], [spans[1]], [spans[2]]]
    assert pack_spans([], LIMIT) == []


def test_speech_without_long_pauses_is_split_in_its_silences(tmp_path: Path) -> None:
    """flite reads on with pauses shorter than the 0.5 s the VAD waits for: one span of a minute,
    which Silero splits into spans of at most a call, each cut in a silence."""
    text = " ".join(case.text for case in HELD_OUT)
    audio = np.concatenate(list(read_blocks(synthesize(text, tmp_path / "on.wav", "flite-slt"))))
    spans = speech_spans(audio)
    assert len(audio) > 2 * LIMIT and len(spans) >= 3
    assert max(_speech([s]) for s in spans) <= LIMIT
    cuts = [a["end"] for a, b in pairwise(spans) if a["end"] == b["start"]]
    assert cuts  # split in the middle of speech, not only at pauses the VAD waits for
    for cut in cuts:
        around = audio[cut - RATE // 50 : cut + RATE // 50]  # ± 20 ms
        assert float(np.sqrt(np.mean(around * around))) < SILENCE_RMS, cut / RATE
