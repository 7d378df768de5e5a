"""``runnotes report …`` through the real CLI: files named at the end, errors as one line."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from runnotes.store import Store


def test_report_commands(sample, tmp_path: Path) -> None:
    done = run_cli("report", "readme", "-e", "resnet", "-o", str(tmp_path / "r" / "README.md"))
    assert done.stdout.strip() == (
        f"wrote {tmp_path}/r/README.md (+ 3 figure files in {tmp_path}/r/README_files)"
    )
    done = run_cli(
        "report",
        "progress",
        "--since",
        "2024-05-06",
        "--until",
        "2024-05-13",
        "-o",
        str(tmp_path / "week.docx"),
    )
    assert done.stdout.strip() == f"wrote {tmp_path}/week.docx"
    assert (tmp_path / "week.docx").stat().st_size > 10_000


def test_report_errors_are_one_line(sample, tmp_path: Path) -> None:
    cases = [
        (
            ["report", "readme", "-e", "nope"],
            "no experiment 'nope' (known: empty, resnet, tokenizer)",
        ),
        (
            [
                "report",
                "progress",
                "--since",
                "2030-01-01",
                "--until",
                "2030-01-08",
                "-o",
                str(tmp_path / "p.md"),
            ],
            "nothing to report: no runs started or ended between 2030-01-01",
        ),
        (
            ["report", "progress", "--since", "yesterday-ish", "-o", str(tmp_path / "p.md")],
            "not a time: 'yesterday-ish'",
        ),
        (
            ["report", "readme", "-e", "resnet", "-o", str(tmp_path / "f" / "x" / "README.md")],
            f"cannot be made: {tmp_path / 'f'} is a file",
        ),
    ]
    (tmp_path / "f").write_text("a file where a folder should be")
    for args, message in cases:
        done = run_cli(*args, check=False)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("runnotes: error: "), done.stderr
        assert message in lines[0]


def test_missing_media_named_on_stderr(sample, tmp_path: Path) -> None:
    store: Store = sample.store
    store.media.path(sample.screenshot_sha).unlink()
    done = run_cli("report", "readme", "-e", "resnet", "-o", str(tmp_path / "README.md"))
    assert f"runnotes: warning: screenshot {sample.screenshot_sha[:12]}" in done.stderr
    assert "missing from the media folder" in (tmp_path / "README.md").read_text()
    assert done.stdout.startswith(f"wrote {tmp_path}/README.md")


def test_default_readme_path(sample, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    run_cli("report", "readme", "-e", "tokenizer", "-p", "nlp")
    assert (tmp_path / "reports" / "tokenizer" / "README.md").is_file()
