"""Reports per reader: the reviewer's traceability, no invented number, empty sections, versions."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlmodel import select

from conftest import run_cli
from listen.many import add_note, build_many
from reports.conftest import build_sample
from runnotes.reports import data as reportdata
from runnotes.reports.readers import publish, published, write_report
from runnotes.store import Store
from runnotes.store.models import Capture, Run, SeriesName, SeriesPoint

ROW = re.compile(r"^\| (?P<metric>\w+) [↑↓] \| (?P<value>[-\d.e+]+)(?: ★)? \| run (?P<run>\d+) \(")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split(" | ")]


def check_traceability(store: Store, markdown: str) -> int:
    """Each row of the reviewer's evaluation table: the value is the run's latest stored value,
    and the commit, diff hash, data fingerprint and Python are the run's. Returns the rows."""
    rows = [line for line in markdown.splitlines() if ROW.match(line)]
    with store.read() as session:
        for line in rows:
            found = ROW.match(line)
            assert found is not None
            run = session.get(Run, int(found["run"]))
            assert run is not None
            metric, value, run_cell, commit, diff, data, env = _cells(line)
            captured = session.exec(  # a like or a reviewed value, in the capture table
                select(Capture.id, Capture.value)
                .where(
                    Capture.run_id == run.id,
                    Capture.kind == "metric",
                    Capture.name == found["metric"],
                    Capture.review == "approved",
                )
                .order_by(Capture.id.desc())
            ).first()
            logged = session.exec(  # a value code logged, in the narrow table of points
                select(SeriesPoint.id, SeriesPoint.value)
                .join(SeriesName, SeriesName.id == SeriesPoint.name_id)
                .where(SeriesPoint.run_id == run.id, SeriesName.name == found["metric"])
                .order_by(SeriesPoint.id.desc())
            ).first()
            newest = max((r for r in (captured, logged) if r is not None), default=None)
            assert newest is not None  # the latest stored value, whichever table holds it
            assert float(found["value"]) == pytest.approx(newest[1], rel=1e-6)
            assert run_cell.startswith(f"run {run.id} ({run.name}")
            assert commit == f"`{run.git_commit[:8]}`", line  # type: ignore[index]
            assert diff == (f"`{run.git_diff_sha[:8]}`" if run.git_diff_sha else "none"), line
            fingerprints = session.exec(
                select(Capture.extra).where(Capture.run_id == run.id, Capture.kind == "dataset")
            ).all()
            for extra in fingerprints:
                assert f"`{extra['sha256'][:8]}`" in data, line  # type: ignore[index]
            if not fingerprints:
                assert data == "not recorded" or "`" in data  # an earlier run's file
            assert env.startswith(f"python {run.python_version}"), line
    return len(rows)


def test_reviewer_report_traces_every_number(store: Store, tmp_path: Path, utc: None) -> None:
    build_sample(store)
    build_many(store, runs=6)
    for experiment in ("resnet", "sweep"):
        out = write_report(store, experiment, "reviewer", tmp_path / f"{experiment}.md")
        assert check_traceability(store, out.markdown) >= 5
    sweep = (tmp_path / "sweep.md").read_text()
    assert "uncommitted diff" in sweep and re.search(r"\| `[0-9a-f]{8}` \| `[0-9a-f]{8}` \|", sweep)
    resnet = (tmp_path / "resnet.md").read_text()
    for section in ("Intended use", "Limitations"):
        assert f"## {section}" in resnet
    assert resnet.count("**For a person to fill in:**") == 2
    assert "## Change log" in resnet and "- 2024-05-06: run 3 (lower-lr), ok" in resnet


def test_a_note_fills_a_section_left_for_a_person(store: Store, tmp_path: Path) -> None:
    sample = build_sample(store)
    text = "Intended use: a baseline for the CIFAR-10 course, not for deployment"
    add_note(store, sample.runs["lower-lr"], sample.t0 + 9000, text, source="voice")
    report = write_report(store, "resnet", "reviewer", tmp_path / "r.md").markdown
    intended = report.split("## Intended use", 1)[1].split("##", 1)[0]
    assert "a baseline for the CIFAR-10 course" in intended and "fill in" not in intended
    assert report.count("**For a person to fill in:**") == 1


def _numbers_outside_code(markdown: str) -> list[str]:
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)  # names, commands, hashes: store text
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\brun \d+ \(", " ", text)  # a run's id in its label
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", " ", text)  # a run's day
    text = re.sub(r"\b\d+(?:\.\d+){2,}\S*", " ", text)  # a package's version (2.5.1)
    return re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)


@pytest.mark.parametrize("reader", ["manager", "reviewer"])
def test_no_number_in_a_report_is_invented(
    store: Store, tmp_path: Path, reader: str, utc: None
) -> None:
    """Outside names, commands and hashes, every number is a stored value (as the report's
    ``num`` filter prints it), a note's own words, a dataset's size, or a count of runs."""
    build_sample(store)
    data = reportdata.load_experiment(store, 1, reportdata.rules_for(store, False))
    words = (
        " ".join(
            n.text for n in [*data.decisions, *data.observations, *data.blockers, *data.next_steps]
        )
        + " "
        + data.goal
    )
    allowed = set(_numbers_outside_code(words))
    for run in data.runs:
        allowed |= {f"{v.value:.6g}" for v in run.metrics.values() if v.value is not None}
        allowed |= {v.text for v in run.params.values()}
        allowed |= {str(x) for d in run.datasets for x in (d.rows, d.columns) if x is not None}
        allowed |= {run.python_version or ""}
    allowed |= {str(n) for n in range(len(data.runs) + 1)}
    report = write_report(store, "resnet", reader, tmp_path / f"{reader}.md").markdown
    body = report.replace(f"python {data.runs[0].python_version}", " ")
    invented = [n for n in _numbers_outside_code(body) if n not in allowed]
    assert invented == [], invented


def test_empty_sections_say_so(store: Store, tmp_path: Path) -> None:
    build_sample(store)
    manager = write_report(store, "empty", "manager", tmp_path / "m.md").markdown
    assert "No results reported yet." in manager and manager.count("None noted.") == 2
    assert "not written down yet" in manager
    reviewer = write_report(store, "empty", "reviewer", tmp_path / "r.md").markdown
    assert "No metric was reported, so there is nothing to evaluate yet." in reviewer
    assert "No decisions were noted." in reviewer


def test_published_reports_are_frozen_with_a_hash_and_versions(
    store: Store, tmp_path: Path
) -> None:
    sample = build_sample(store)
    first = write_report(store, "resnet", "reviewer", tmp_path / "r.md").markdown
    v1 = publish(store, "resnet", "reviewer", first, None)
    assert (v1.version, v1.new) == (1, True)
    assert publish(store, "resnet", "reviewer", first, None) == v1.__class__(1, v1.sha256, False)
    text = "switched to the new augmentation because of overfitting"
    add_note(store, sample.runs["baseline"], sample.t0 + 9999, text)
    second = write_report(store, "resnet", "reviewer", tmp_path / "r.md").markdown
    v2 = publish(store, "resnet", "reviewer", second, None)
    assert (v2.version, v2.new) == (2, True) and v2.sha256 != v1.sha256
    rows = published(store, "resnet")
    assert [(r.reader, r.version) for r in rows] == [("reviewer", 1), ("reviewer", 2)]
    assert rows[0].markdown == first  # version 1 is kept as it was
    assert rows[1].sha256 == hashlib.sha256(second.encode()).hexdigest()


@pytest.mark.slow
def test_reports_over_the_cli_md_docx_and_a_user_template(store: Store, home: Path) -> None:
    build_sample(store)
    out = home / "reviewer.docx"  # all three as .docx: test_demo.py
    run_cli("report", "--for", "reviewer", "-e", "resnet", "-o", str(out))
    assert out.stat().st_size > 5000
    (home / "templates").mkdir()
    (home / "templates" / "board.md.j2").write_text(
        "# {{ experiment.name | md }} for the board\n{{ experiment.primary.best.value | num }}\n"
    )
    out = home / "board.md"
    done = run_cli("report", "--for", "board", "-e", "resnet", "-o", str(out), "--publish")
    assert out.read_text() == "# resnet for the board\n0.9321\n"
    assert "published board report version 1" in done.stdout
    listed = run_cli("report", "published", "-e", "resnet").stdout
    assert listed.startswith("board v1 ") and hashlib.sha256(out.read_bytes()).hexdigest() in listed
    frozen = run_cli("report", "published", "-e", "resnet", "--show", "board:1").stdout
    assert frozen == out.read_text()
    out.write_text(frozen + "Reviewed by a person.\n")  # a later edit: a new version
    edited = run_cli("report", "publish", str(out), "--for", "board", "-e", "resnet").stdout
    assert edited.startswith("published board report version 2")
    bad = run_cli("report", "--for", "nobody", "-e", "resnet", check=False)
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        f"runnotes: error: no report for 'nobody' (known: board, engineer, manager, reviewer; "
        f"yours go in {home / 'templates'})"
    ]


def test_the_managers_update_of_one_week(store: Store, tmp_path: Path, utc: None) -> None:
    sample = build_sample(store)  # "pilot" ran the week before
    week = (sample.t0, sample.t0 + 7 * 86400)
    text = write_report(store, "resnet", "manager", tmp_path / "w.md", since=week[0], until=week[1])
    assert "From 2024-05-06 to 2024-05-13: the runs started or ended" in text.markdown
    assert "3 runs from 2024-05-06" in text.markdown and "pilot" not in text.markdown
    later = write_report(store, "resnet", "manager", tmp_path / "l.md", since=week[1] + 86400)
    assert "No runs in this period." in later.markdown
