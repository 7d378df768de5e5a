"""Recording a voice note: a source of audio blocks, a WAV written as it comes, text as it comes.

One thread pulls 16 kHz mono float32 blocks from the source and appends them to a WAV in
``media/partial/`` (valid after every block, so a SIGKILL keeps what was said); a second thread
feeds them to the :class:`~runnotes.voice.transcribe.Transcriber`, which transcribes at every
pause. :meth:`Recorder.stop` then has only the last phrase left to transcribe before it commits.
Tests and the agent's push-to-talk use :class:`WavSource`, which goes through the same path.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from runnotes.config import Settings
from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.voice import audio
from runnotes.voice.notes import (
    finish_note,
    keep_partial,
    make_transcriber,
    mark_failed,
    start_note,
)
from runnotes.voice.preroll import Preroll
from runnotes.voice.transcribe import LIVE


class Source(Protocol):
    origin: str

    def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]: ...


class MicrophoneSource:
    """The default input device through PortAudio (``sounddevice``)."""

    origin = "microphone"

    def __init__(self) -> None:
        try:
            import sounddevice as sd

            sd.query_devices(kind="input")
        except (OSError, ImportError) as exc:  # no libportaudio2 / no sounddevice
            raise RunnotesError(f"cannot record: {exc}") from exc
        except Exception as exc:  # sounddevice.PortAudioError: no input device
            raise RunnotesError(f"no microphone: {exc}") from exc

    def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]:
        import sounddevice as sd

        arrived: queue.Queue[np.ndarray] = queue.Queue()
        stream = sd.InputStream(
            samplerate=audio.RATE,
            channels=1,
            dtype="float32",
            blocksize=int(audio.RATE * audio.BLOCK_SECONDS),
            callback=lambda data, *_: arrived.put(data[:, 0].copy()),
        )
        with stream:
            while not stop.is_set():
                try:
                    yield arrived.get(timeout=0.1)
                except queue.Empty:
                    continue
        while not arrived.empty():
            yield arrived.get_nowait()


class WavSource:
    """An audio file played block by block; ``realtime`` paces it like a microphone would."""

    def __init__(self, path: str | Path, realtime: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise RunnotesError(f"no such file: {self.path}")
        self.realtime = realtime
        self.origin = str(self.path.resolve())

    def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]:
        began, played = time.monotonic(), 0.0
        for block in audio.read_blocks(self.path):
            if self.realtime and stop.wait(max(0.0, began + played - time.monotonic())):
                return
            if stop.is_set():
                return
            played += len(block) / audio.RATE
            yield block


def source_from_spec(spec: str) -> Source:
    """``mic`` → the microphone; ``wav:/path.wav`` → that file streamed in real time."""
    if spec == "mic":
        return MicrophoneSource()
    if spec.startswith("wav:"):
        return WavSource(spec.removeprefix("wav:"), realtime=True)
    raise RunnotesError(f"voice source must be 'mic' or 'wav:/path.wav', not {spec!r}")


def push_to_talk_sources(spec: str, preroll: float = 0.5) -> Callable[[], Source]:
    """Where each push-to-talk note records from, called once when the agent starts.

    A microphone is opened now and kept open with a pre-roll of ``preroll`` seconds held in memory,
    so a note begins a moment before its chord completes (0 opens it at each chord instead); a
    ``wav:`` file plays from its start at each chord. Without a microphone the error is reported
    at the chord, as before.
    """
    if spec == "mic" and preroll > 0:
        try:
            live = Preroll(MicrophoneSource(), preroll).start()
        except RunnotesError:
            return lambda: source_from_spec(spec)
        return lambda: live.take() if live.live else source_from_spec(spec)  # unplugged: reopen
    return lambda: source_from_spec(spec)


class Recorder:
    """Record from ``source`` into a voice note on run ``run_id``: ``start()``, then ``stop()``."""

    def __init__(
        self, store: Store, run_id: int, source: Source, *, settings: Settings | None = None
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.source = source
        self.settings = settings or store.settings
        self.capture_id: int | None = None
        self._stop = threading.Event()
        self._blocks: queue.Queue[np.ndarray | None] = queue.Queue()
        self._error: str | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> int:
        """Load the model, commit an empty note, start recording; returns the note's id."""
        self.transcriber = make_transcriber(self.store, self.run_id, LIVE, self.settings)
        self.writer = audio.WavWriter.create(self.store)
        self.capture_id = start_note(
            self.store, self.run_id, self.source.origin, partial=self.writer.path.name
        )
        self._threads = [
            threading.Thread(target=self._record, name="runnotes-record", daemon=True),
            threading.Thread(target=self._transcribe, name="runnotes-stt", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.capture_id

    def _record(self) -> None:
        try:
            for block in self.source.blocks(self._stop):
                self.writer.write(block)
                self._blocks.put(block)
        except Exception as exc:  # noqa: BLE001 - reported on the note by stop()
            self._error = f"recording stopped: {exc}"
        finally:
            self._blocks.put(None)

    def _transcribe(self) -> None:
        while (block := self._blocks.get()) is not None:
            try:
                self.transcriber.feed(block)
            except Exception as exc:  # noqa: BLE001 - keep draining; stop() reports it
                self._error = f"transcription failed: {exc}"

    def seconds(self) -> float:
        """Audio recorded so far."""
        return self.writer.frames / audio.RATE

    @property
    def recording(self) -> bool:
        """Whether the source is still delivering audio."""
        return bool(self._threads) and self._threads[0].is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the source runs out (a file source, or a stopped microphone)."""
        self._threads[0].join(timeout)

    def stop(self) -> int:
        """Stop the source, finish transcription and extraction, commit; returns the note's id."""
        if self.capture_id is None:
            raise RunnotesError("the recorder was not started")
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self.writer.close()
        keep_partial(self.store, self.capture_id)
        try:
            if self._error:
                raise RunnotesError(self._error)
            if self.writer.frames == 0:
                raise RunnotesError("nothing was recorded")
            finish_note(self.store, self.capture_id, self.transcriber)
        except RunnotesError as exc:
            mark_failed(self.store, self.capture_id, str(exc))
        return self.capture_id
