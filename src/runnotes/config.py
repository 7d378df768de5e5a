"""Settings: defaults, then ``$RUNNOTES_HOME/config.toml``, then ``RUNNOTES_*`` env, then flags.

Only the keys every part needs are fields here; each part (voice, agent, web, reports) reads its
own ``[section]`` of the config file through :meth:`Settings.section`, where
``RUNNOTES_<SECTION>_<KEY>`` environment variables override the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError


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

    def names(self, section: str, key: str) -> tuple[str, ...]:
        """A list setting: a TOML list, or a comma-separated string (how env variables give it:
        ``RUNNOTES_REPORTS_LOWER_IS_BETTER=latency_ms,epochs``)."""
        configured = self.section(section).get(key) or ()
        if isinstance(configured, str):
            return tuple(p.strip() for p in configured.split(",") if p.strip())
        if not isinstance(configured, list | tuple):
            return (str(configured),)
        return tuple(str(p) for p in configured)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


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
    return Settings(
        home=home_path,
        db_url=str(url),
        media_dir=Path(media).expanduser(),
        server_url=env.get("RUNNOTES_SERVER") or values.get("server"),
        token=env.get("RUNNOTES_TOKEN") or values.get("token"),
        file_values=values,
    )
