"""Audio in and out: a WAV that is valid after every block, streamed decoding, streamed storing.

Recording writes 16-bit PCM into ``media/partial/`` and rewrites the two RIFF size fields after
every block, so a process killed mid-sentence leaves a playable, transcribable file. Files are
decoded block by block through PyAV (wav, mp3, m4a, ogg, flac, webm) and stored by streaming
their hash, so an hour of audio never sits in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sqlmodel import Session

from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.store.folders import private_dir
from runnotes.store.models import MediaFile

RATE = 16_000
BLOCK_SECONDS = 0.1
SUPPORTED = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".webm": "audio/webm",
}
# Leading bytes of the containers people record in, to store the type the file really has.
_MAGIC = (
    (b"RIFF", 8, b"WAVE", "audio/wav"),
    (b"FORM", 8, b"AIFF", "audio/aiff"),
    (b"FORM", 8, b"AIFC", "audio/aiff"),
    (b"OggS", 0, b"", "audio/ogg"),
    (b"fLaC", 0, b"", "audio/flac"),
    (b"ID3", 0, b"", "audio/mpeg"),
    (b"\x1aE\xdf\xa3", 0, b"", "audio/webm"),
    (b"", 4, b"ftyp", "audio/mp4"),
)


def sniff_mime(path: Path) -> str:
    """The audio type ``path``'s bytes say (not its extension); octet-stream when unknown."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    for prefix, at, marker, mime in _MAGIC:
        if head.startswith(prefix) and head[at : at + len(marker)] == marker:
            return mime
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):  # an MPEG audio frame
        return "audio/mpeg"
    return "application/octet-stream"


_PARTIAL_NAME = re.compile(r"^[0-9a-f]{32}\.wav$")
_HEADER = 44


def partial_dir(store: Store) -> Path:
    return private_dir(store.media.root / "partial")


def partial_path(store: Store, name: str) -> Path:
    """The in-progress recording called ``name``; only bare generated names are accepted."""
    if not _PARTIAL_NAME.match(name or ""):
        raise RunnotesError(f"not a recording name: {name!r}")
    return store.media.root / "partial" / name


class WavWriter:
    """16 kHz mono 16-bit WAV, header kept correct after every :meth:`write`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames = 0
        # User-only (0600): a recording can hold anything said near the microphone.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._file.write(_wav_header(0))
        self._file.flush()

    @classmethod
    def create(cls, store: Store) -> WavWriter:
        return cls(partial_dir(store) / f"{uuid.uuid4().hex}.wav")

    def write(self, block: np.ndarray) -> None:
        pcm = (np.clip(block, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        handle = self._file
        handle.write(pcm)
        self.frames += len(pcm) // 2
        handle.seek(0)
        handle.write(_wav_header(self.frames * 2))
        handle.seek(0, os.SEEK_END)
        handle.flush()  # into the OS: a SIGKILL of this process keeps it

    def close(self) -> None:
        if not self._file.closed:
            os.fsync(self._file.fileno())
            self._file.close()

    @property
    def seconds(self) -> float:
        return self.frames / RATE


def _wav_header(data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def repair_wav(path: Path) -> None:
    """Make the header agree with the bytes on disk (after a crash between write and header)."""
    size = path.stat().st_size
    data = max(0, size - _HEADER) // 2 * 2
    with open(path, "r+b") as handle:
        handle.write(_wav_header(data))


def duration(path: Path) -> float | None:
    """Length in seconds as the container states it (None when it does not say)."""
    import av

    try:
        with av.open(str(path)) as container:
            return container.duration / 1_000_000 if container.duration else None
    except (av.FFmpegError, OSError):
        return None


def read_blocks(
    path: Path, block_seconds: float = BLOCK_SECONDS, name: str | None = None
) -> Iterator[np.ndarray]:
    """Decode any audio file to 16 kHz mono float32 blocks, a few at a time (bounded memory).

    FFmpeg finds the format from the bytes, whatever the extension says; errors name the file
    as ``name`` (the user's file name, not the media store's hash)."""
    import av

    shown = name or path.name

    size = int(RATE * block_seconds)
    pending = np.zeros(0, dtype=np.float32)
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise RunnotesError(f"cannot decode {shown}: {_av_reason(exc)}") from exc
    with container:
        if not container.streams.audio:
            raise RunnotesError(f"cannot decode {shown}: it has no audio stream")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    samples = out.to_ndarray().reshape(-1).astype(np.float32) / 32768.0
                    pending = np.concatenate([pending, samples])
                    while len(pending) >= size:
                        yield pending[:size]
                        pending = pending[size:]
        except av.FFmpegError as exc:
            raise RunnotesError(f"cannot decode {shown}: {_av_reason(exc)}") from exc
    if len(pending):
        yield pending


def _av_reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0]


def store_file(
    session: Session, store: Store, path: Path, mime: str, original_name: str | None = None
) -> str:
    """Copy a file into the media folder by streaming (register_media needs it all in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    target = store.media.path(sha, path.suffix.lower())
    if not target.exists():
        private_dir(store.media.root)
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    if session.get(MediaFile, sha) is None:
        session.add(
            MediaFile(
                sha256=sha,
                mime=mime,
                size=path.stat().st_size,
                original_name=original_name or path.name,
                created_at=time.time(),
            )
        )
        session.flush()
    return sha
