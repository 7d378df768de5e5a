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
HEALTHCHECK_S = 60  # how long a worker may not answer its supervisor before it is replaced
WORKERS_HELP = (
    "Worker processes answering requests (a worker that dies is replaced); more than one "
    "wants a PostgreSQL store (RUNNOTES_DB)."
)


@app.command(rich_help_panel=RUNS)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    token: Annotated[str | None, typer.Option(envvar="RUNNOTES_TOKEN", help=TOKEN_HELP)] = None,
    token_file: Annotated[
        Path | None, typer.Option(envvar="RUNNOTES_TOKEN_FILE", help=TOKEN_FILE_HELP)
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help=WORKERS_HELP)] = 1,
) -> None:
    """Serve the review page: browse, search, compare and review runs; write reports."""
    import uvicorn

    from runnotes.backend.local import store_for
    from runnotes.console import err
    from runnotes.web.security import check_bind
    from runnotes.web.worker import ServeSpec, build

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
    store = store_for(settings)  # created and migrated here, once, before any worker opens it
    spec = ServeSpec.make(settings, host, token or None)
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"runnotes: serving {settings.db_url.split('://')[0]} store on http://{shown}:{port}"
        f"{' (token required)' if token else ''}"
        f"{f' with {workers} worker processes' if workers > 1 else ''}",
        markup=False,
    )
    options = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        config = uvicorn.Config(build(spec, store), **options)  # type: ignore[arg-type]
        uvicorn.Server(config).run(sockets=[sock])
        return
    from uvicorn.supervisors import Multiprocess

    store.close()
    spec.export()
    config = uvicorn.Config(
        "runnotes.web.worker:app",
        factory=True,
        workers=workers,
        # A worker busy with a large batch on a loaded machine can miss uvicorn's 5 s ping and
        # be killed as hung (retried batches survive that, but it costs everyone a retry).
        timeout_worker_healthcheck=HEALTHCHECK_S,
        **options,  # type: ignore[arg-type]
    )
    Multiprocess(config, sockets=[sock]).run()  # restarts a worker that dies


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
