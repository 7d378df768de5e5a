"""``runnotes extension``: the browser extension shipped in the package (path, pack, pair).

The extension's source is package data (``runnotes/extension/``): ``path`` prints the folder to
"Load unpacked" in Chromium, ``pack`` zips it per browser (Chromium and the stores: no Firefox
settings; Firefox: no ``key``, the background as an event page), ``pair`` prints the line the
popup takes: the server's URL and the token every extension request carries.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Annotated

import typer

import runnotes
from runnotes.cli.options import CAPTURE
from runnotes.cli.shell import settings_of
from runnotes.errors import RunnotesError

SOURCE = Path(runnotes.__file__).parent / "extension"
BROWSERS = ("chromium", "firefox")

app = typer.Typer()
extension_app = typer.Typer(
    help="The browser extension: like values in TensorBoard, MLflow, JupyterLab.",
    no_args_is_help=True,
)
app.add_typer(extension_app, name="extension", rich_help_panel=CAPTURE)


def manifest_for(browser: str) -> dict[str, object]:
    """The manifest a browser's build carries (the source one has what both need)."""
    manifest = json.loads((SOURCE / "manifest.json").read_text(encoding="utf-8"))
    background = dict(manifest["background"])
    if browser == "firefox":
        manifest.pop("key")
        background.pop("service_worker")
    else:
        manifest.pop("browser_specific_settings")
        background.pop("scripts")
    manifest["background"] = background
    return manifest


def build(browser: str, out: Path) -> Path:
    """Write ``runnotes-<browser>-<version>.zip`` into ``out``; returns its path."""
    if browser not in BROWSERS:
        raise RunnotesError(f"--browser must be one of {', '.join(BROWSERS)}, not {browser!r}")
    manifest = manifest_for(browser)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"runnotes-{browser}-{manifest['version']}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SOURCE.rglob("*")):
            rel = path.relative_to(SOURCE).as_posix()
            if path.is_file() and rel != "manifest.json" and not rel.startswith("__"):
                archive.write(path, rel)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
    return target


@extension_app.command("path")
def path() -> None:
    """Print the extension's folder (Chromium: chrome://extensions → Load unpacked)."""
    typer.echo(str(SOURCE))


@extension_app.command("pack")
def pack(
    browser: Annotated[str, typer.Option(help="chromium or firefox.")] = "chromium",
    out: Annotated[Path, typer.Option(help="Folder for the zip.")] = Path("."),
) -> None:
    """Build the zip for a browser's store (or for Firefox's about:debugging)."""
    typer.echo(str(build(browser, out)))


@extension_app.command("pair")
def pair(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option(help="Where `runnotes serve` listens.")
    ] = "http://127.0.0.1:8765",
    new: Annotated[bool, typer.Option("--new", help="Make a new token (unpairs the old).")] = False,
    origin: Annotated[
        list[str] | None,
        typer.Option(help="Another extension origin to allow (Firefox's moz-extension://…)."),
    ] = None,
) -> None:
    """Print the line to paste into the extension's popup: server URL and token."""
    from runnotes.web.pairing import pair as make_pairing

    if not url.startswith(("http://", "https://")):
        raise RunnotesError(f"--url must start with http:// or https://, not {url!r}")
    token = make_pairing(settings_of(ctx).home, new=new, origins=tuple(origin or ()))
    typer.echo(f"runnotes+{url.rstrip('/')}#{token}")
