"""The browser extension's pairing: its token and the extension origins CORS lets in.

Kept in ``<home>/extension.json`` (mode 0600), written by ``runnotes extension pair`` and read by
``runnotes serve`` on each extension request (cached by modification time), so pairing while
the server runs needs no restart. Every request under ``/api/extension/`` must carry this token,
whatever its origin and whether or not ``serve`` itself has a token: a web page can send a
``no-cors`` POST to 127.0.0.1, and only the token tells the extension from such a page.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from runnotes.errors import RunnotesError

PREFIX = "/api/extension/"
# The id Chromium gives the extension shipped with runnotes (from the manifest's "key"): the one
# origin allowed by default. Firefox gives each install its own moz-extension:// UUID: add it with
# `runnotes extension pair --origin moz-extension://…`.
CHROMIUM_ORIGIN = "chrome-extension://fjjfkkikepihdfpgpfcbigichgonjcce"
FILE = "extension.json"


@dataclass
class Pairing:
    path: Path
    _stamp: float | None = None
    _token: str | None = None
    _origins: frozenset[str] = field(default_factory=frozenset)

    def _load(self) -> None:
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            self._stamp, self._token, self._origins = None, None, frozenset()
            return
        if stamp == self._stamp:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self._stamp, self._token = stamp, data.get("token") or None
        self._origins = frozenset({CHROMIUM_ORIGIN, *data.get("origins", [])})

    def token_ok(self, presented: str | None) -> bool:
        self._load()
        return bool(self._token and presented) and hmac.compare_digest(
            presented.encode(),  # type: ignore[union-attr]
            self._token.encode(),  # type: ignore[union-attr]
        )

    def origin_ok(self, origin: str | None) -> bool:
        self._load()
        return origin in self._origins if self._origins else origin == CHROMIUM_ORIGIN


def pair(home: Path, *, new: bool = False, origins: tuple[str, ...] = ()) -> str:
    """The pairing token (made on first use, or anew with ``new``); adds ``origins``."""
    path = home / FILE
    data: dict[str, object] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RunnotesError(f"cannot read {path}: {exc}") from None
    for origin in origins:
        if not origin.startswith(("moz-extension://", "chrome-extension://")):
            raise RunnotesError(f"not an extension origin: {origin!r}")
    if new or not data.get("token"):
        data["token"] = secrets.token_urlsafe(32)
    data["origins"] = sorted({*data.get("origins", []), *origins})  # type: ignore[misc]
    home.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    os.replace(tmp, path)
    return str(data["token"])
