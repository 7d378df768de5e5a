"""Settings: each config.toml section is typed and checked when the settings load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runnotes.config import load_settings
from runnotes.errors import RunnotesError


def _home(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "config.toml").write_text(toml)
    return tmp_path


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[drafts]\nweek_start = "funday"\n', "setting [drafts] week_start: input should be"),
        ("[voice]\nthreds = 2\n", "setting [voice] threds: unknown key"),
        ("[voice]\nthreads = 0\n", "setting [voice] threads: input should be greater than"),
        ('[web]\nmax_body_mb = "lots"\n', "setting [web] max_body_mb: input should be"),
        ('[drafts.projects.nlp]\nfolder = "x"\n', "setting [drafts] projects.nlp.dir: field"),
    ],
)
def test_a_bad_setting_is_one_error_naming_its_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(RunnotesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(_home(tmp_path, toml))


def test_values_come_typed_from_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, '[drafts]\nweek_start = "Sunday"\ndebounce = 1\n')
    monkeypatch.setenv("RUNNOTES_REPORTS_LOWER_IS_BETTER", "latency_ms, epochs")
    monkeypatch.setenv("RUNNOTES_VOICE_THREADS", "4")
    settings = load_settings(home)
    assert settings.drafts.week_start == "sunday" and settings.drafts.debounce == 1.0
    assert settings.reports.lower_is_better == ("latency_ms", "epochs")
    assert settings.voice.threads == 4 and settings.voice.prompt is True


def test_the_cli_says_it_in_one_line(tmp_path: Path) -> None:
    home = _home(tmp_path, '[drafts]\nweek_start = "funday"\n')
    done = subprocess.run(
        [sys.executable, "-m", "runnotes", "--home", str(home), "runs", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("runnotes: error: setting [drafts] week_start:")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
