"""The guard in front of every request: host check, token, cross-site POSTs, body size.

It is plain ASGI (not a BaseHTTPMiddleware) because it runs on every request, including the
benchmarked ones, and must not buffer bodies. What it enforces, and why:

- Host: a loopback server only answers to loopback host names, so a web page cannot reach it
  through DNS rebinding.
- Token: a server bound beyond loopback needs one; requests carry it as ``Authorization: Bearer``,
  ``X-Runnotes-Token`` or the cookie ``/login`` sets. Missing or wrong: 401.
- Guessing: after :data:`FREE_GUESSES` wrong tokens from one client (header, cookie or
  ``/login``), that client waits before its next try: 1 s, then twice as long after each further
  wrong one, up to a minute (429 with ``Retry-After``, the token not even compared). A right
  token resets it. ~500 guesses a second become about one a minute.
- Cross-site: a state-changing request whose ``Origin`` is another site, or whose
  ``Sec-Fetch-Site`` says cross-site, is refused (403); HTML forms also carry :func:`csrf_token`,
  checked by the page handlers.
- Extension: requests under ``/api/extension/`` need the extension's pairing token whatever
  their origin (401 otherwise), and CORS answers the extension's own origin only.
- NUL: an address with a NUL character (``%00``) gets 400: nothing stored has one, and PostgreSQL
  refuses to even compare text with one.
- Size: bodies larger than the limit get 413, counted as they stream in.
- Errors: an unexpected exception is answered here as a one-line 500 (JSON, or a page for a
  browser) and logged with its traceback. Left to the server it would close the connection after
  the response, and a client's next request on that kept-alive connection failed with a reset.
- Headers: every answer forbids framing (``X-Frame-Options: DENY``, CSP ``frame-ancestors
  'none'``), sniffing (``nosniff``) and script from anywhere but the server's own static files.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

from runnotes.errors import RunnotesError
from runnotes.web.pairing import PREFIX as EXTENSION_PREFIX
from runnotes.web.pairing import Pairing

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "runnotes_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
OPEN_PATHS = ("/login", "/static/")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Pages load their script and styles from /static only; nothing may frame them. Media answers
# (an upload shown inline) get the strictest policy: no script at all, even from a same-origin
# document. The API docs page (web/docs.py) needs no more: its assets and its start are files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
log = logging.getLogger(__name__)


# Types a browser renders without running anything: shown inline. Everything else (SVG, HTML,
# XML, PDF, text, unknown) is served as a download with the neutral type, so an upload can never
# become a page on this origin.
INLINE_MEDIA = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/mpeg",
        "audio/ogg",
        "audio/flac",
        "audio/webm",
        "audio/mp4",
    }
)


def normalise_mime(mime: str | None) -> str:
    """``"Image/SVG+XML; charset=utf-8"`` → ``"image/svg+xml"``: type and subtype only."""
    return (mime or "").split(";", 1)[0].strip().lower() or "application/octet-stream"


def media_disposition(mime: str | None) -> tuple[str, bool]:
    """(Content-Type to send, whether inline) for a stored file of type ``mime``."""
    kind = normalise_mime(mime)
    return (kind, True) if kind in INLINE_MEDIA else ("application/octet-stream", False)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Serving beyond this machine without a token would hand the store to the network."""
    if not is_loopback(host) and not token:
        raise RunnotesError(
            f"binding {host} (not loopback) needs a token: pass --token or set RUNNOTES_TOKEN"
        )


FREE_GUESSES = 5  # wrong tokens a client may send before it is slowed down
MAX_DELAY_S = 60.0
MAX_CLIENTS = 10_000  # clients remembered; the oldest are forgotten first


@dataclass
class Throttle:
    """Wrong-token counts per client address, and how long each must wait before trying again."""

    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, client: str) -> float:
        """Seconds until ``client`` may present a token again (0: now)."""
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
        if count < FREE_GUESSES:
            return 0.0
        delay = min(2.0 ** (count - FREE_GUESSES), MAX_DELAY_S)
        return max(0.0, last + delay - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            count, _ = self._failures.pop(client, (0, 0.0))
            self._failures[client] = (count + 1, self.clock())
            if len(self._failures) > MAX_CLIENTS:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass
class Guard:
    token: str | None = None
    allowed_hosts: frozenset[str] | None = None  # None: any Host header (tests, proxies)
    max_body: int = 16 * 2**20
    max_upload: int = 256 * 2**20
    pairing: Pairing | None = None  # the browser extension's token (None: its API is closed)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    throttle: Throttle = field(default_factory=Throttle)

    def csrf_token(self) -> str:
        return hmac.new(self.secret, b"runnotes-csrf", "sha256").hexdigest()

    def csrf_ok(self, value: str | None) -> bool:
        if not value:
            return False
        return hmac.compare_digest(value, self.csrf_token())

    def token_ok(self, value: str | None) -> bool:
        if self.token is None:
            return True
        return bool(value) and hmac.compare_digest((value or "").encode(), self.token.encode())

    def check_token(
        self, client: str, value: str | None, ok: Callable[[str | None], bool] | None = None
    ) -> bool | float:
        """Whether ``value`` is the token (``ok``: another token's check, the extension's
        pairing), counting a wrong one against ``client``; a float: the seconds ``client`` must
        wait first (the token was not compared). One throttle for every token guessed."""
        wait = self.throttle.wait(client)
        if wait > 0:
            return wait
        if (ok or self.token_ok)(value):
            self.throttle.succeeded(client)
            return True
        self.throttle.failed(client)
        return False


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _presented_token(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if "x-runnotes-token" in headers:
        return headers["x-runnotes-token"]
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is simply no token
        return None
    return cookie[COOKIE].value if COOKIE in cookie else None


def _host_name(host_header: str) -> str:
    return urlsplit("//" + host_header).hostname or ""


def _cross_site(headers: dict[str, str]) -> str | None:
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        return f"cross-site request refused (Sec-Fetch-Site: {fetch_site})"
    origin = headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != headers.get("host"):
        return "cross-site request refused (Origin does not match Host)"
    return None


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-headers", b"authorization, content-type"),
        (b"access-control-allow-methods", b"GET, POST"),
        (b"vary", b"Origin"),
    ]


def _slow_down(wait: float) -> str:
    return f"too many wrong tokens from this address: try again in {math.ceil(wait)} s"


async def _reply(
    send: Send,
    status: int,
    message: str,
    html: bool,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    retry_after: float | None = None,
) -> None:
    if html:
        body = (
            f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{message}</p>"
        ).encode()
        if status == 401:
            body += (
                b'<form method=post action="/login"><input type=password name=token '
                b'placeholder="token" autofocus> <button>Log in</button></form>'
            )
        kind = b"text/html; charset=utf-8"
    else:
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    headers += [*SECURITY_HEADERS, (b"content-security-policy", CSP.encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    headers += extra_headers or []
    if retry_after is not None:
        headers.append((b"retry-after", str(math.ceil(retry_after)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on instead of calling it a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit // 2**20} MiB")


class GuardMiddleware:
    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        guard, headers, path = self.guard, _headers(scope), scope["path"]
        html = "text/html" in headers.get("accept", "")
        if guard.allowed_hosts is not None and (
            _host_name(headers.get("host", "")) not in guard.allowed_hosts
        ):
            await _reply(send, 400, "unknown Host header", html)
            return
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            await _reply(
                send, 400, "a NUL character in the address", html
            )  # no stored text has one
            return
        if path.startswith(EXTENSION_PREFIX):
            await self._extension(scope, receive, send, headers)
            return
        presented = _presented_token(headers)
        if guard.token is not None and not path.startswith(OPEN_PATHS):
            checked = guard.check_token(client_of(scope), presented) if presented else False
            if checked is not True:
                if checked:  # a wait, in seconds
                    await _reply(send, 429, _slow_down(checked), html, retry_after=checked)
                else:
                    await _reply(
                        send, 401, "a token is needed: log in, or send Authorization: Bearer", html
                    )
                return
        if scope["method"] in UNSAFE:
            refused = _cross_site(headers)
            if refused:
                await _reply(send, 403, refused, html)
                return
        limit = guard.max_upload if path == "/api/media" else guard.max_body
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            await _reply(send, 413, f"request body over {limit // 2**20} MiB", html)
            return
        await self._limited(scope, receive, send, limit, html)

    async def _extension(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        """The browser extension's API: its token on every request, CORS for its origin only."""
        pairing, origin = self.guard.pairing, headers.get("origin")
        allowed = pairing is not None and origin is not None and pairing.origin_ok(origin)
        cors = _cors(origin) if allowed else []  # type: ignore[arg-type]
        if scope["method"] == "OPTIONS":
            status = 204 if allowed else 403
            await send({"type": "http.response.start", "status": status, "headers": cors})
            await send({"type": "http.response.body", "body": b""})
            return
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        checked = (  # a missing token is no guess
            self.guard.check_token(client_of(scope), token, pairing.token_ok)
            if pairing and token
            else False
        )
        if checked is not True and checked:  # a wait, in seconds
            await _reply(send, 429, _slow_down(checked), False, cors, retry_after=checked)
            return
        if checked is not True:
            await _reply(
                send, 401, "the extension's token is needed: runnotes extension pair", False, cors
            )
            return
        if origin is not None and not allowed:
            await _reply(send, 403, f"origin {origin} is not the paired extension", False)
            return
        limit = self.guard.max_upload if scope["path"].endswith("/voice") else self.guard.max_body
        await self._limited(scope, receive, send, limit, False, cors)

    async def _limited(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        limit: int,
        html: bool,
        extra_headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _with_security_headers(message.get("headers", []), scope)
                message["headers"] += extra_headers or []
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reply(send, 413, f"request body over {limit // 2**20} MiB", html)
        except Exception as exc:
            if started:
                raise
            log.exception("runnotes: %s %s failed", scope["method"], scope["path"])
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            await _reply(send, 500, f"internal error: {type(exc).__name__}: {first}", html)


def _with_security_headers(headers: Any, scope: Scope) -> list[tuple[bytes, bytes]]:
    """The answer's headers plus the security ones (a header the handler set itself wins)."""
    out = list(headers)
    present = {k.lower() for k, _ in out}
    csp = MEDIA_CSP if scope["path"].startswith(("/media/", "/api/media/")) else CSP
    extra = [*SECURITY_HEADERS, (b"content-security-policy", csp.encode())]
    out.extend((k, v) for k, v in extra if k not in present)
    return out
