"""Speech to text with faster-whisper, chunked at pauses, guarded against Whisper's inventions.

Audio arrives block by block (from a microphone, or a file decoded as it is read) and
:class:`Transcriber` cuts it at pauses: while recording, every pause after a couple of seconds of
speech sends a chunk to Whisper, so when the key is released only the last phrase is left to do.
A file is read in pieces of a few minutes cut at pauses; in each, Silero VAD (faster-whisper's
own) finds the speech, and the speech spans are packed end to end into calls of up to 29 s of
speech, cut only in the silence between spans. Each call costs a full encoder pass and beam
search however short it is: raw ``transcribe(vad_filter=True)`` fills 30 s windows with speech,
and chunks of ~20 s of *audio* had needed a third more calls than it (ratio 1.3–1.6 in
``benchmarks/voice.py``). Raw fills its windows to the brim, cutting inside a word where the 30 s
fall; packing never does ("0." + "9"), at the cost of a part-filled call now and then.
Silent chunks never reach the model, which is what makes Whisper say "thank you".
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from runnotes.voice.audio import RATE
from runnotes.voice.lexicon import name_key
from runnotes.voice.models import ModelChoice

if TYPE_CHECKING:  # faster-whisper loads with the model, not with this module
    from faster_whisper.vad import SpeechTimestampsMap

VAD = {"min_silence_duration_ms": 500}
PACK_SECONDS = 29.0  # speech per packed call: one 30 s window, with a second to spare
FRAME = int(RATE * 0.025)  # 4 frames per 0.1 s block
PAUSE_SECONDS = 0.3  # where a chunk may end; espeak-ng leaves 0.33 s between sentences
SILENCE_RMS = 0.004  # below this a whole chunk is taken as silence (about -48 dBFS)
# Whisper's training data (subtitles) makes it "hear" these in silence and noise.
HALLUCINATIONS = {
    "thank you",
    "thank you very much",
    "thanks for watching",
    "thank you for watching",
    "thanks for watching and see you next time",
    "please subscribe",
    "subscribe",
    "you",
    "bye",
    "bye bye",
    "so",
    "okay",
    "the end",
    "subtitles by the amara.org community",
    "thank you so much for watching",
    "i'll see you next time",
    "see you next time",
}
# "L.R.", "W.D.": Whisper's way of writing an acronym it does not know; its dots would end a
# sentence in the middle of "the L.R. is 0.1".
_DOTTED_INITIALS = re.compile(r"\b(?:[A-Z]\.){2,}(?!\w)")
_REPEAT = re.compile(r"(.{1,24}?)(?:[\s,-]*\1){3,}", re.IGNORECASE)
# A heading then the words: the heading tells tiny.en what kind of text follows. Measured on the
# fixture set (flite): recall 0.82 → 0.88, WER 0.10 → 0.09 against the bare list. Issue 22 added
# the jargon it misheard ("LoRA rank" → "Laura Rankate", "mean IoU", "ROC AUC", "dice score") and
# exponents as words ("e minus four"); only words, no digits (see ``vocabulary_prompt``).
ML_TERMS = (
    "Training notes: learning rate, batch size, epochs, validation loss, val loss, validation "
    "accuracy, training loss, train loss, test accuracy, top-1 accuracy, dropout, weight decay,"
    " warmup steps, optimizer, Adam, AdamW, SGD, momentum, ResNet, F1 score, macro F1, "
    "precision, recall, mean average precision, mAP, ROC AUC, IoU, mean IoU, dice score, "
    "perplexity, BLEU, ROUGE-L, word error rate, FID, LoRA rank, LoRA alpha, random seed, label"
    " smoothing, gradient clipping, beam size, hidden size, attention heads, sequence length, "
    "max depth, three e minus four, two k steps, plateaued, run, todo"
)


@dataclass
class Segment:
    """A timed piece of transcript. ``confidence`` is Whisper's mean token probability: garbled
    text ("the outality, well, point for percent") comes out below ~0.5."""

    start: float
    end: float
    text: str
    flags: list[str] = field(default_factory=list)
    confidence: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
        }
        if self.confidence is not None:
            data["confidence"] = round(self.confidence, 2)
        if self.flags:
            data["flags"] = self.flags
        return data


@dataclass
class ChunkPolicy:
    """When to cut: at a pause once ``min_seconds`` have gathered; always by ``max_seconds``.

    ``pack``: each piece cut so is not one Whisper call but its speech packed into as few calls as
    it fits (:func:`pack_spans`); pieces are then long, so that few calls are part-filled.
    """

    min_seconds: float
    max_seconds: float = 28.0
    pack: bool = False


# Beam search over text alone (2026-12-07, ``benchmarks/heard.py --decode``, docs/voice-notes.md):
# with timestamps, tiny.en sometimes closed a segment mid-sentence and the rest of the chunk was
# lost ("a perplexity of 5.9" for "5.9565 from the q4 weights…", a wrong value); a chunk is cut
# at a pause already, so its timestamps add little. Beam 5 then wrote fewer numbers wrong: on the
# development sets 0.867 / 0.716 → 0.885 / 0.720 and 0.837 / 0.509 → 0.864 / 0.547 (precision /
# recall, four voices) for about 13 % more time.
DECODING: dict[str, Any] = {"beam_size": 5, "temperature": 0.0, "without_timestamps": True}

LIVE = ChunkPolicy(min_seconds=2.0)
# Pieces of 4–5 min: ~10 calls of speech each, at most one part-filled at a piece's end; 19 MB.
FILE = ChunkPolicy(min_seconds=240.0, max_seconds=300.0, pack=True)

Span = dict[str, int]  # {"start": sample, "end": sample}, as faster-whisper's VAD gives them


def speech_spans(audio: np.ndarray) -> list[Span]:
    """Where Silero VAD hears speech in ``audio``, padded as ``transcribe(vad_filter=True)`` pads
    it; a span longer than a packed call is split at its last short (≥ 0.1 s) silence, and only
    with none at all just before :data:`PACK_SECONDS`, as Whisper's own 30 s windows would."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(**VAD, max_speech_duration_s=PACK_SECONDS)
    return get_speech_timestamps(audio, options, sampling_rate=RATE)


def pack_spans(spans: list[Span], limit: int) -> list[list[Span]]:
    """Consecutive spans grouped so that each group's speech is at most ``limit`` samples.

    Groups are cut only between spans, never inside one (a cut inside a word can split a number:
    "0." + "9"), and filled greedily, which gives the fewest groups for spans kept in order. A
    span longer than ``limit`` is a group alone (``speech_spans`` makes none).
    """
    groups: list[list[Span]] = []
    size = 0
    for span in spans:
        length = span["end"] - span["start"]
        if groups and size + length <= limit:
            groups[-1].append(span)
            size += length
        else:
            groups.append([span])
            size = length
    return groups


@cache
def load_model(path: str, device: str, threads: int):
    from faster_whisper import WhisperModel

    compute = "float16" if device == "cuda" else "int8"
    return WhisperModel(path, device=device, compute_type=compute, cpu_threads=threads)


def pick_device(wanted: str = "auto") -> str:
    if wanted != "auto":
        return wanted
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:  # noqa: BLE001 - no CUDA runtime at all means CPU
        return "cpu"


def _collapse(loop: re.Match[str]) -> str:
    """One copy of a repeated phrase. Digits only when every copy is set apart ("0-0-0-0"): the
    zeros of "100,000" are not a loop (collapsing them made "ten thousand steps" 10 steps)."""
    unit = loop.group(1)
    apart = re.fullmatch(rf"{re.escape(unit)}(?:[\s,-]+{re.escape(unit)})+", loop.group(0))
    return unit if apart or re.search(r"[^\W\d_]", unit) else loop.group(0)


def clean_text(text: str) -> tuple[str, list[str]]:
    """Drop a hallucinated phrase, collapse a repetition loop; say which happened."""
    stripped = text.strip()
    stripped = _DOTTED_INITIALS.sub(
        lambda m: m.group(0).replace(".", "") + ("." if m.end() == len(stripped) else ""), stripped
    )
    plain = re.sub(r"[^\w' ]+", "", stripped.lower()).strip()
    if plain in HALLUCINATIONS or not plain:
        return "", ["hallucination"] if plain else []
    collapsed = _REPEAT.sub(_collapse, stripped)
    return collapsed, (["repetition"] if collapsed != stripped else [])


class Transcriber:
    """Takes audio in, cuts it at pauses, transcribes each chunk (``feed``/``finish`` lock)."""

    def __init__(
        self,
        model: ModelChoice,
        *,
        prompt: str | None,
        policy: ChunkPolicy,
        device: str = "auto",
        threads: int = 2,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        self.model = model
        self.policy = policy
        self._whisper = load_model(str(model.path), pick_device(device), threads)
        self.prompt = prompt and fit_prompt(
            prompt, lambda t: len(self._whisper.hf_tokenizer.encode(t).ids)
        )
        self._pending: list[np.ndarray] = []
        self._pending_len = 0
        self._offset = 0.0  # seconds of audio before the pending buffer
        self._quiet_run = 0  # samples of trailing quiet in the pending buffer
        self._cut_at = 0  # last pause position (samples into pending), 0 = none yet
        self.segments: list[Segment] = []
        self.flags: set[str] = set()
        self._on_progress = on_progress
        self._lock = threading.Lock()

    def feed(self, block: np.ndarray) -> None:
        with self._lock:
            self._pending.append(block)
            self._pending_len += len(block)
            self._track_pauses(block)
            seconds = self._pending_len / RATE
            if self._cut_at and seconds >= self.policy.min_seconds and self._quiet_run == 0:
                self._flush(self._cut_at)
            elif seconds >= self.policy.max_seconds:
                self._flush(self._cut_at or self._pending_len)

    def finish(self) -> list[Segment]:
        with self._lock:
            if self._pending_len:
                self._flush(self._pending_len)
            return self.segments

    def _track_pauses(self, block: np.ndarray) -> None:
        """Remember where the latest pause (≥ 0.5 s of quiet) in the pending audio ends."""
        for start in range(0, len(block) - FRAME + 1, FRAME):
            frame = block[start : start + FRAME]
            if float(np.sqrt(np.mean(frame * frame))) < SILENCE_RMS * 2:
                self._quiet_run += FRAME
            else:
                if self._quiet_run >= PAUSE_SECONDS * RATE:
                    at = self._pending_len - len(block) + start - self._quiet_run // 2
                    self._cut_at = max(at, 0)
                self._quiet_run = 0

    def _flush(self, cut: int) -> None:
        audio = np.concatenate(self._pending)
        chunk, rest = audio[:cut], audio[cut:]
        if self.policy.pack:
            self._transcribe_packed(chunk, self._offset)
        else:
            self._transcribe(chunk, self._offset)
        self._offset += cut / RATE
        self._pending = [rest] if len(rest) else []
        self._pending_len = len(rest)
        self._cut_at = 0
        if self._on_progress:
            self._on_progress(self._offset)

    def _transcribe_packed(self, audio: np.ndarray, offset: float) -> None:
        """One Whisper call per group of :func:`pack_spans`, its spans put end to end (the VAD
        is done: Whisper's is off), a progress report after each."""
        from faster_whisper.vad import SpeechTimestampsMap

        for group in pack_spans(speech_spans(audio), int(PACK_SECONDS * RATE)):
            speech = np.concatenate([audio[s["start"] : s["end"]] for s in group])
            self._transcribe(speech, offset, SpeechTimestampsMap(group, RATE))
            if self._on_progress:
                self._on_progress(offset + group[-1]["end"] / RATE)

    def _transcribe(
        self, chunk: np.ndarray, offset: float, spans: SpeechTimestampsMap | None = None
    ) -> None:
        """Whisper on ``chunk`` (from ``offset`` s), guarded; ``spans`` says that ``chunk`` is
        speech spans put end to end, and where each was in the audio."""
        if not len(chunk) or float(np.sqrt(np.mean(chunk * chunk))) < SILENCE_RMS:
            return
        segments, _ = self._whisper.transcribe(
            chunk,
            language="en" if not self.model.english_only else None,
            **DECODING,
            vad_filter=spans is None,
            vad_parameters=VAD,
            initial_prompt=self.prompt,
            condition_on_previous_text=False,
        )
        for seg in segments:
            text, flags = clean_text(seg.text)
            if seg.compression_ratio > 2.4 and "repetition" not in flags:
                flags.append("repetition")
            self.flags.update(flags)
            start, end = seg.start, seg.end
            if spans is not None:
                start, end = (
                    spans.get_original_time(start),
                    spans.get_original_time(end, None, True),
                )
            if text:
                self.segments.append(
                    Segment(offset + start, offset + end, text, flags, math.exp(seg.avg_logprob))
                )


PROMPT_TOKENS = 223  # what faster-whisper keeps of a prompt: the last half of the 448-token window


def fit_prompt(prompt: str, count: Callable[[str], int], limit: int = PROMPT_TOKENS) -> str:
    """The prompt cut to ``limit`` tokens by dropping its last words.

    faster-whisper keeps a too long prompt's *end*, so a run with many names lost the heading and
    the most common terms, the part measured to help; its last names are given up instead.
    """
    while count(" " + prompt) > limit and ", " in prompt:
        prompt = prompt.rsplit(", ", 1)[0].rstrip(".") + "."
    return prompt


def vocabulary_prompt(names: list[str], tags: list[str]) -> str:
    """An ``initial_prompt`` biasing Whisper toward this project's words.

    Names go in as they are said ("val_acc" → "validation accuracy", "lr" → "learning rate"): the
    identifiers themselves made tiny.en write "val" for "validation" (recall 0.77 → 0.84 on the
    fixture set). Only words: example numbers in the prompt ("3e-4") made it drop whole sentences.
    """
    said = ML_TERMS.lower()
    spoken = [s for s in (name_key(n) for n in names) if s and s not in said]
    words = ", ".join(dict.fromkeys([*spoken, *tags]))
    return f"{ML_TERMS}{', ' + words if words else ''}."
