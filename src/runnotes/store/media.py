"""Content-addressed media: ``media/ab/abcdef….png``, named by the sha256 of the bytes.

The same screenshot or environment listing stored twice takes space once. Paths are only ever
built from a validated hex digest, so nothing a request says can point outside the folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from runnotes.errors import RunnotesError
from runnotes.store.folders import private_dir

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str, suffix: str = "") -> Path:
        """Where the file for ``sha256`` lives; refuses anything that is not a bare digest."""
        if not _SHA256.match(sha256 or ""):
            raise RunnotesError(f"not a media id: {sha256!r}")
        folder = self.root / sha256[:2]
        matches = list(folder.glob(sha256 + "*")) if folder.exists() else []
        return matches[0] if matches and not suffix else folder / (sha256 + suffix)

    def put_bytes(self, data: bytes, suffix: str = "") -> str:
        """Write ``data`` atomically (temp file + rename) and return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.root / sha[:2] / (sha + suffix)
        if not target.exists():
            private_dir(self.root, "media folder")
            private_dir(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        return sha
