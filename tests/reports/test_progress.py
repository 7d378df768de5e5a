"""Progress reports: Markdown content, the .docx read back with python-docx, LibreOffice → PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from runnotes.errors import RunnotesError
from runnotes.reports import write_progress

T0 = 1714986000.0  # Monday 2024-05-06 09:00 UTC: the sample week (checked below)
WEEK = 7 * 86400.0
SINCE, UNTIL = T0 - 3600, T0 + WEEK - 3600  # the week of everything but the pilot run


def progress_md(sample, tmp_path: Path, **kwargs) -> str:  # type: ignore[no-untyped-def]
    assert sample.t0 == T0
    out = tmp_path / "progress.md"
    write_progress(sample.store, out, since=SINCE, until=UNTIL, **kwargs)
    return out.read_text(encoding="utf-8")


def test_summary_compares_with_the_previous_period(sample, tmp_path: Path) -> None:
    text = progress_md(sample, tmp_path)
    assert "- Experiments active: 3\n- Runs: 5\n- Blockers: 1" in text
    assert (
        "| vision/resnet | val\\_acc = 0.9321 (higher is better) | run 3 (lower-lr) | 0.9 | "
        "+0.0321 better |"
    ) in text.replace("val_acc", "val\\_acc")
    assert (
        "| nlp/tokenizer | perplexity = 18.2 (lower is better) | run 5 (bpe-32k) | — | new |"
        in text
    )


def test_sections_per_experiment(sample, tmp_path: Path) -> None:
    text = progress_md(sample, tmp_path)
    headings = re.findall(r"^(#{1,3}) (.*)$", text, re.M)
    assert [h for level, h in headings if level == "##"] == [
        "Summary",
        "nlp / tokenizer",
        "vision / empty",
        "vision / resnet",
        "Blockers",
        "Appendix: figures",
    ]
    resnet = text.split("## vision / resnet")[1].split("## Blockers")[0]
    assert re.findall(r"^### (.*)$", resnet, re.M) == [
        "Goal",
        "What was tried",
        "What worked",
        "Decisions and why",
        "Next steps",
    ]
    assert "- run 3 (lower-lr): lr 0.001 → 0.0003" in resnet
    assert "- run 4 (more-dropout): dropout 0.1 → 0.3" in resnet
    assert "- val_acc: best 0.9321 in run 3 (lower-lr) (higher is better)" in resnet
    assert "(voice): lowered the learning rate because the loss diverged" in resnet
    empty = text.split("## vision / empty")[1].split("## vision / resnet")[0]
    assert re.findall(r"^### (.*)$", empty, re.M) == ["What was tried"]
    assert "- vision/resnet, run 4 (more-dropout) (2024-05-06): Blocked by the GPU quota" in text
    assert "run 1 (pilot)" not in text  # it started the week before
    files = sorted(p.name for p in (tmp_path / "progress_files").iterdir())
    assert files == [
        "03-resnet-curves.png",
        "03-resnet-params.png",
        f"screenshot-{sample.screenshot_sha[:12]}.png",
    ]


def test_project_filter_and_empty_period(sample, tmp_path: Path) -> None:
    text = progress_md(sample, tmp_path, project="nlp")
    assert "# Progress report: nlp" in text and "resnet" not in text
    with pytest.raises(
        RunnotesError,
        match="nothing to report: no runs started or ended between "
        "2024-06-01 00:00 and 2024-06-08 00:00",
    ):
        write_progress(
            sample.store,
            tmp_path / "p.md",
            since=T0 + 26 * 86400 - 32400,
            until=T0 + 33 * 86400 - 32400,
        )
    with pytest.raises(RunnotesError, match="empty period"):
        write_progress(sample.store, tmp_path / "p.md", since=UNTIL, until=SINCE)
    with pytest.raises(RunnotesError, match=r"\.md or \.docx"):
        write_progress(sample.store, tmp_path / "p.pdf", since=SINCE, until=UNTIL)
    assert not (tmp_path / "p.md").exists()


def docx_report(sample, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.docx"
    result = write_progress(sample.store, out, since=SINCE, until=UNTIL)
    assert result.paths == [out] and not (tmp_path / "report_files").exists()
    return out


def test_docx_structure(sample, tmp_path: Path) -> None:
    from docx import Document

    doc = Document(str(docx_report(sample, tmp_path)))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings[:3] == [
        ("Heading 1", "Progress report"),
        ("Heading 2", "Summary"),
        ("Heading 2", "nlp / tokenizer"),
    ]
    assert ("Heading 3", "Decisions and why") in headings
    assert ("Heading 2", "Appendix: figures") in headings
    (table,) = doc.tables
    header = [c.text for c in table.rows[0].cells]
    assert header == ["experiment", "best result", "run", "previous period", "change"]
    assert all(r.bold for r in table.rows[0].cells[0].paragraphs[0].runs)
    assert table.rows[0]._tr.trPr is not None  # header row repeats on each page
    assert [c.text for c in table.rows[2].cells] == [
        "vision/resnet",
        "val_acc = 0.9321 (higher is better)",
        "run 3 (lower-lr)",
        "0.9",
        "+0.0321 better",
    ]
    assert len(doc.inline_shapes) == 3  # curves, params scatter, screenshot
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Figure 1: vision/resnet: val_acc, loss over steps")
    assert captions[2].startswith("Screenshot 1: TensorBoard: Scalars - val_acc")
    xml = doc.element.body.xml
    assert xml.count('w:type="page"') == 5  # before each experiment, blockers and the appendix
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "\\" not in text and "**" not in text and "<a" not in text  # Markdown fully converted


@pytest.mark.slow
def test_docx_opens_in_libreoffice(sample, tmp_path: Path) -> None:
    if not shutil.which("libreoffice") or not shutil.which("pdftotext"):
        pytest.fail("libreoffice and pdftotext are needed (scripts/setup installs them)")
    out = docx_report(sample, tmp_path)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "report.pdf"
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    for expected in (
        "Progress report",
        "Summary",
        "vision / resnet",
        "What worked",
        "Decisions and why",
        "Blockers",
        "Appendix: figures",
        "0.9321",
        "+0.0321",
        "perplexity",
        "18.2",
        "Blocked by the GPU quota",
    ):
        assert expected in text, expected
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 6  # type: ignore[union-attr]


def test_a_run_that_ended_in_the_period_is_reported(sample, tmp_path: Path) -> None:
    """The pilot started the week before; once it ends inside the week it belongs to it."""
    from runnotes.store.models import Run

    with sample.store.write() as session:
        pilot = session.get(Run, sample.runs["pilot"])
        pilot.ended_at = T0 + 3600  # type: ignore[union-attr]
        session.add(pilot)
    text = progress_md(sample, tmp_path)
    assert "run 1 (pilot)" in text and "- Runs: 6" in text
