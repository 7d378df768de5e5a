"""``runnotes serve``: the review page and the JSON API over this store.

FastAPI and uvicorn are imported inside the command, so ``runnotes --help`` stays instant.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from runnotes.cli.options import RUNS
from runnotes.cli.shell import settings_of
from runnotes.errors import RunnotesError

app = typer.Typer()

HOST_HELP = "Address to bind; anything but loopback needs a token."
TOKEN_HELP = (
    "Token every request must carry (Authorization: Bearer, or log in on the page). On the "
    "command line every local user sees it (ps): prefer RUNNOTES_TOKEN or --token-file."
)
TOKEN_FILE_HELP = "Read the token from this file (first line), e.g. one only you can read."


@app.command(rich_help_panel=RUNS)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    token: Annotated[str | None, typer.Option(envvar="RUNNOTES_TOKEN", help=TOKEN_HELP)] = None,
    token_file: Annotated[
        Path | None, typer.Option(envvar="RUNNOTES_TOKEN_FILE", help=TOKEN_FILE_HELP)
    ] = None,
) -> None:
    """Serve the review page: browse, search, compare and review runs; write reports."""
    import uvicorn

    from runnotes.backend.local import store_for
    from runnotes.console import err
    from runnotes.web.app import create_app
    from runnotes.web.pairing import FILE as PAIRING_FILE
    from runnotes.web.pairing import Pairing
    from runnotes.web.security import LOOPBACK_NAMES, Guard, check_bind, is_loopback

    source = ctx.get_parameter_source("token")  # typer may bring its own click: compare names
    if getattr(source, "name", None) == "COMMANDLINE":
        err.print(
            "runnotes: warning: --token on the command line is visible to every user of this "
            "machine (ps); set RUNNOTES_TOKEN or use --token-file instead",
            markup=False,
        )
    if token_file is not None:
        token = read_token(token_file)
    check_bind(host, token)
    sock = listen(host, port)
    settings = settings_of(ctx)
    limits = settings.web
    guard = Guard(
        token=token or None,
        allowed_hosts=LOOPBACK_NAMES | {host} if is_loopback(host) else None,
        max_body=limits.max_body_mb * 2**20,
        max_upload=limits.max_upload_mb * 2**20,
        pairing=Pairing(settings.home / PAIRING_FILE),
    )
    app = create_app(store_for(settings), guard)  # the server holds the store, team mode or not
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"runnotes: serving {settings.db_url.split('://')[0]} store on http://{shown}:{port}"
        f"{' (token required)' if token else ''}",
        markup=False,
    )
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def read_token(path: Path) -> str:
    """The token in the first line of ``path``; a one-line error when it is missing or empty."""
    try:
        lines = path.expanduser().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RunnotesError(f"cannot read the token file {path}: {exc}") from None
    token = lines[0].strip() if lines else ""
    if not token:
        raise RunnotesError(f"the token file {path} is empty")
    return token


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed: a bad or busy port is one line
    (and exit code 1) instead of "serving on …" followed by uvicorn's traceback. uvicorn then
    serves on this very socket, so no other process can take the port in between."""
    if not 0 < port < 65536:
        raise RunnotesError(f"--port must be between 1 and 65535, not {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise RunnotesError(f"cannot serve on {host!r}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = {
            errno.EADDRINUSE: "the port is already in use (another `runnotes serve`?)",
            errno.EACCES: "permission denied (ports below 1024 need root)",
            errno.EADDRNOTAVAIL: "this machine has no such address",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise RunnotesError(f"cannot serve on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock
