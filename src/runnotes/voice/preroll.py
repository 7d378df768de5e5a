"""Push-to-talk without losing the first word: a live source kept open with a short pre-roll.

People start talking as their fingers go down, before the chord is complete and well before a
microphone opened on the chord would deliver audio (dictation tools' best-known failure). So the
source stays open and only its last ``seconds`` are kept, in memory (never written); the chord
:meth:`Preroll.take`\\ s a recording source that begins with that ring and carries on live.
"""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Iterator

import numpy as np

from runnotes.voice.audio import RATE


class Preroll:
    """A live source read continuously; its recent past goes to the next recording."""

    def __init__(self, source, seconds: float = 0.5) -> None:
        self.source = source
        self.origin = source.origin
        self.keep = int(seconds * RATE)
        self._ring: collections.deque[np.ndarray] = collections.deque()
        self._kept = 0
        self._lock = threading.Lock()
        self._listener: queue.Queue[np.ndarray] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="runnotes-preroll", daemon=True)

    def start(self) -> Preroll:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def live(self) -> bool:
        return self._thread.is_alive()

    def _read(self) -> None:
        for block in self.source.blocks(self._stop):
            with self._lock:
                if self._listener is not None:
                    self._listener.put(block)
                    continue
                self._ring.append(block)
                self._kept += len(block)
                while self._ring and self._kept - len(self._ring[0]) >= self.keep:
                    self._kept -= len(self._ring.popleft())

    def take(self) -> Take:
        """A source for one recording: the pre-roll, then live audio until the recording stops."""
        arrived: queue.Queue[np.ndarray] = queue.Queue()
        with self._lock:
            for block in self._ring:
                arrived.put(block)
            self._ring.clear()
            self._kept = 0
            self._listener = arrived
        return Take(self, arrived)

    def _release(self, arrived: queue.Queue[np.ndarray]) -> None:
        with self._lock:
            if self._listener is arrived:
                self._listener = None


class Take:
    """One recording's view of a :class:`Preroll` (a recorder ``Source``)."""

    def __init__(self, preroll: Preroll, arrived: queue.Queue[np.ndarray]) -> None:
        self.preroll = preroll
        self.origin = preroll.origin
        self._arrived = arrived

    def blocks(self, stop: threading.Event) -> Iterator[np.ndarray]:
        try:
            while not stop.is_set():
                try:
                    yield self._arrived.get(timeout=0.1)
                except queue.Empty:
                    if not self.preroll.live:
                        break
            self.preroll._release(self._arrived)
            while not self._arrived.empty():  # what came in before the release
                yield self._arrived.get_nowait()
        finally:
            self.preroll._release(self._arrived)
