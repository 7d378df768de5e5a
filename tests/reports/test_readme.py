"""README drafts from a real SQLite store: content, review rules, determinism, golden file, gaps.

Regenerate the golden file after an intended change with
``RUNNOTES_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reports/test_readme.py -k golden``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image

from runnotes.errors import RunnotesError
from runnotes.reports import write_readme
from runnotes.store import Store

GOLDEN = Path(__file__).parent / "golden" / "resnet-README.md"


def section(text: str, title: str) -> str:
    """The body of ``## title`` up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section {title!r} in:\n{text}"
    return match.group(1)


def readme(sample, tmp_path: Path, **kwargs) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    result = write_readme(sample.store, "resnet", tmp_path / "out" / "README.md", **kwargs)
    return (tmp_path / "out" / "README.md").read_text(encoding="utf-8"), result


def test_best_run_per_metric_and_direction(sample, tmp_path: Path) -> None:
    text, _ = readme(sample, tmp_path)
    results = section(text, "Runs")
    rows = {
        line.split("|")[1].strip(): line for line in results.splitlines() if line.startswith("| <a")
    }
    # val_acc: higher is better → lower-lr (0.9321); the rejected 0.99 of more-dropout is ignored
    assert "**0.9321** ★" in rows['<a id="run-3"></a>run 3 (lower-lr)']
    # loss: lower is better → more-dropout (0.22)
    assert "**0.22** ★" in rows['<a id="run-4"></a>run 4 (more-dropout)']
    assert (
        "Best per metric (★): `loss` 0.22 in [run 4 (more-dropout)](#run-4) (↓ lower is better);"
        " `val_acc` 0.9321 in [run 3 (lower-lr)](#run-3)."
    ) in results
    assert "| run | status | dropout | lr | val_acc ↑ | loss ↓ |" in results  # params that differ
    assert "0.99" not in text
    assert "[run 3 (lower-lr)](#run-3), best by `val_acc` (0.9321):" in text
    assert (
        "4 runs from 2024-04-29 to 2024-05-06; the best `val_acc` (higher is better) is "
        "**0.9321**, reached by [run 3 (lower-lr)](#run-3)."
    ) in text


def test_param_diffs_between_consecutive_runs(sample, tmp_path: Path) -> None:
    changes = section(readme(sample, tmp_path)[0], "What changed between runs").strip().splitlines()
    assert changes == [
        "- **run 2 (baseline)** after run 1 (pilot): same params · `val_acc` 0.9 → 0.912 "
        "(+0.012, better)",
        "- **run 3 (lower-lr)** after run 2 (baseline): `lr` 0.001 → 0.0003 · `loss` 0.31 → 0.24 "
        "(-0.07, better); `val_acc` 0.912 → 0.9321 (+0.0201, better)",
        "- **run 4 (more-dropout)** after run 3 (lower-lr): `dropout` 0.1 → 0.3 · `loss` 0.24 → "
        "0.22 (-0.02, better); `val_acc` 0.9321 → 0.925 (-0.0071, worse)",
    ]


def test_notes_voice_and_review_rules(sample, tmp_path: Path) -> None:
    text, result = readme(sample, tmp_path)
    decisions = section(text, "Decisions")
    assert (
        "- **Baseline with the default Adam settings**, because the paper used them. "
        "([run 2 (baseline)](#run-2), 2024-05-06)"
    ) in decisions
    # the voice note's extracted rationale, not the whole transcript, goes to the log
    assert (
        "- **lowered the learning rate**, because the loss diverged at epoch three "
        "([run 3 (lower-lr)](#run-3), 2024-05-06, voice)"
    ) in decisions
    assert "Next I'll try" not in text
    assert (
        section(text, "Next steps").strip()
        == "- [ ] try cosine decay (run 3 (lower-lr), 2024-05-06, voice)"
    )
    assert "Blocked by the GPU quota" in section(text, "Blockers")
    assert "REJECTED-NOTE" not in text and "PENDING-NOTE" not in text
    assert "(pending)" not in text and result.warnings == []  # type: ignore[attr-defined]
    # the goal: no description, so the latest approved spoken "the goal is …" note
    assert (
        text.splitlines()[2] == "**Goal:** CIFAR-10 validation accuracy above 93 % with a ResNet-18"
    )
    assert "CIFAR-10" not in decisions


def test_include_pending_adds_marked_captures_but_never_rejected(sample, tmp_path: Path) -> None:
    text, _ = readme(sample, tmp_path, include_pending=True)
    assert "Includes captures still pending review" in text
    assert "PENDING-NOTE maybe mixup helps *(pending)*" in text
    assert "REJECTED-NOTE" not in text and "0.99" not in text


def test_figures_and_screenshots_are_written_beside_the_readme(sample, tmp_path: Path) -> None:
    text, result = readme(sample, tmp_path)
    folder = tmp_path / "out" / "README_files"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "resnet-curves.png",
        "resnet-params.png",
        f"screenshot-{sample.screenshot_sha[:12]}.png",
    ]
    assert result.paths == [
        tmp_path / "out" / "README.md",  # type: ignore[attr-defined]
        *[folder / n for n in names],
    ]
    for name in names:
        assert f"](README_files/{name})" in text
        with Image.open(folder / name) as image:
            assert image.format == "PNG" and image.width >= 100
    shots = section(text, "Screenshots")
    assert "TensorBoard: Scalars - val_acc, run 3 (lower-lr), 2024-05-06 10:28" in shots
    assert "val_acc, loss by step, one line per run; ★ the best run" in section(text, "Runs")


def test_same_store_same_bytes(sample, tmp_path: Path) -> None:
    first, _ = readme(sample, tmp_path)
    figures = {p.name: p.read_bytes() for p in (tmp_path / "out" / "README_files").iterdir()}
    second, _ = readme(sample, tmp_path)
    assert first == second
    assert figures == {
        p.name: p.read_bytes() for p in (tmp_path / "out" / "README_files").iterdir()
    }
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_golden_readme(sample, tmp_path: Path) -> None:
    text, _ = readme(sample, tmp_path)
    if os.environ.get("RUNNOTES_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "README changed: if intended, regenerate with RUNNOTES_UPDATE_GOLDEN=1"
    )


def test_sections_without_data_are_left_out(sample, tmp_path: Path) -> None:
    write_readme(sample.store, "empty", tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*)$", text, re.M)
    assert headings == ["Runs", "How to reproduce the best run"]
    assert 'Runs: <a id="run-6"></a>run 6 (idle) (ok).' in text
    assert not (tmp_path / "README_files").exists()
    other = write_readme(sample.store, "tokenizer", tmp_path / "tok.md")
    headings = re.findall(r"^## (.*)$", (tmp_path / "tok.md").read_text(encoding="utf-8"), re.M)
    assert headings == ["Runs", "How to reproduce the best run", "Next steps"]
    assert other.paths == [tmp_path / "tok.md"]  # one run: no curves, no scatter


def test_missing_screenshot_is_named_and_the_readme_still_written(sample, tmp_path: Path) -> None:
    sample.store.media.path(sample.screenshot_sha).unlink()
    text, result = readme(sample, tmp_path)
    assert len(result.warnings) == 1  # type: ignore[attr-defined]
    assert sample.screenshot_sha[:12] in result.warnings[0]  # type: ignore[attr-defined]
    assert "missing from the media folder" in section(text, "Screenshots")
    assert "Gaps in this draft" in text
    assert "## Runs" in text


def test_user_template(sample, tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text(
        "{{ experiment.name }}: {% for m in experiment.metrics %}"
        "{{ m.name }}={{ m.best.value | num }} by {{ m.best_run.name }}; "
        "{% endfor %}\n",
        encoding="utf-8",
    )
    readme(sample, tmp_path, template=template)
    assert (
        tmp_path / "out" / "README.md"
    ).read_text() == "resnet: loss=0.22 by more-dropout; val_acc=0.9321 by lower-lr;\n"
    template.write_text("{{ experiment.nope }}\n", encoding="utf-8")
    with pytest.raises(RunnotesError, match="mine.md.j2.*nope"):
        readme(sample, tmp_path, template=template)
    template.write_text("{% for %}\n", encoding="utf-8")
    with pytest.raises(RunnotesError, match="mine.md.j2: line 1"):
        readme(sample, tmp_path, template=template)
    # a broken template leaves the previous README in place
    assert (tmp_path / "out" / "README.md").read_text().startswith("resnet: loss=0.22")


def test_unknown_experiment(sample, tmp_path: Path) -> None:
    with pytest.raises(
        RunnotesError,
        match=r"no experiment 'nope' \(known: empty, resnet, "
        r"tokenizer\)",
    ):
        write_readme(sample.store, "nope", tmp_path / "README.md")
    with pytest.raises(RunnotesError, match="no experiment 'resnet' in project 'nlp'"):
        write_readme(sample.store, "resnet", tmp_path / "new" / "README.md", project="nlp")
    assert not (tmp_path / "new").exists()


def test_permission_denied(sample, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("running as a user who can write anywhere (root)")
    with pytest.raises(RunnotesError, match="cannot write .*locked/README.md: permission denied"):
        write_readme(sample.store, "resnet", locked / "README.md")


def test_unwritable_output_even_as_root(sample, tmp_path: Path) -> None:
    """A path under a regular file cannot be created by anyone, root included."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunnotesError, match=r"folder .*file/sub cannot be made: .*is a file"):
        write_readme(sample.store, "resnet", blocker / "sub" / "README.md")
    write_readme(sample.store, "resnet", tmp_path)  # an existing folder: written inside it
    assert (tmp_path / "README.md").is_file() and blocker.read_text() == "x"


def test_readme_of_a_store_built_with_the_sdk(store: Store, tmp_path: Path) -> None:
    from runnotes.sdk import start_run

    for name, lr, curve in (("a", 0.1, [0.5, 0.6, 0.7]), ("b", 0.01, [0.6, 0.8, 0.85])):
        with start_run(name, experiment="sdk-exp", store=store) as run:
            run.log_params({"lr": lr, "optimizer": "adam"})
            for step, value in enumerate(curve):
                run.log_metric("acc", value, step=step)
            run.like("acc", curve[-1])
            kept = "kept lr 0.1 because it is the default"
            run.note("Next I'll try a warmup" if name == "b" else kept)
    result = write_readme(store, "sdk-exp", tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text()
    assert "**0.85** ★" in section(text, "Runs")
    assert "`lr` 0.1 → 0.01 · `acc` 0.7 → 0.85 (+0.15, better)" in text
    assert "- [ ] Next I'll try a warmup" in section(text, "Next steps")
    assert "**kept lr 0.1**, because it is the default" in section(text, "Decisions")
    assert "- Packages: python " in text  # from the package list the SDK stored
    assert [p.name for p in result.paths] == [
        "README.md",
        "sdk-exp-curves.png",
        "sdk-exp-params.png",
    ]


@pytest.mark.slow
def test_real_voice_note_reaches_the_decisions_log(store: Store, tmp_path: Path) -> None:
    """The shipped speech sample through real transcription (faster-whisper), then the README."""
    from runnotes.sdk import start_run
    from runnotes.store.review import pending_captures, set_reviews
    from runnotes.voice.notes import add_voice_file
    from runnotes.voice.samples import demo_note_path

    with start_run("spoken", experiment="voice-exp", store=store) as run:
        run.log_params({"lr": 0.001})
        run.like("val_acc", 0.9)
        add_voice_file(store, run.id, demo_note_path())
    # Speech is machine output: nothing of it is quoted before a person approves it.
    write_readme(store, "voice-exp", tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text()
    assert "learning rate" not in text.lower() and "1 voice transcript" in text
    # with pending captures, the extracted rationale replaces the transcript, marked, and the
    # value heard in speech does not override the reviewed param
    write_readme(store, "voice-exp", tmp_path / "all.md", include_pending=True)
    text = (tmp_path / "all.md").read_text()
    assert "*(pending)*" in section(text, "Decisions")
    notes = [i.capture.id for i in pending_captures(store) if i.capture.kind == "note"]
    set_reviews(store, notes, "approved")  # type: ignore[arg-type]
    write_readme(store, "voice-exp", tmp_path / "README.md")
    decisions = section((tmp_path / "README.md").read_text(), "Decisions")
    assert "([run 1 (spoken)](#run-1), " in decisions and ", voice)" in decisions
    assert "learning rate" in decisions.lower()
    from runnotes.reports.data import Rules, load_experiment

    (spoken,) = load_experiment(store, 1, Rules(include_pending=True)).runs
    assert spoken.params["lr"].text == "0.001" and not spoken.params["lr"].pending


def test_failed_run_is_an_observation_not_a_decision(sample, tmp_path: Path) -> None:
    from runnotes.store.models import Run

    with sample.store.write() as session:
        run = session.get(Run, sample.runs["more-dropout"])
        run.status, run.exit_code = "failed", 2  # type: ignore[union-attr]
        session.add(run)
    text, _ = readme(sample, tmp_path)
    observations = section(text, "Observations")
    assert "- 2024-05-06: run 4 (more-dropout) failed (exit code 2)" in observations
    assert "failed" not in section(text, "Decisions")


def test_a_run_whose_process_died_is_crashed_in_the_draft(sample, tmp_path: Path) -> None:
    """A run still marked running whose owner process is gone reads as the run page shows it."""
    import socket
    import subprocess
    import sys

    from runnotes.store.models import Run

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sample.store.write() as session:
        run = session.get(Run, sample.runs["more-dropout"])
        run.status, run.ended_at = "running", None  # type: ignore[union-attr]
        run.pid, run.host = dead.pid, socket.gethostname()  # type: ignore[union-attr]
        session.add(run)
    text, _ = readme(sample, tmp_path)
    assert "run 4 (more-dropout) crashed" in section(text, "Observations")
    assert "running" not in section(text, "Runs").split("more-dropout")[1].split("\n")[0]
