"""The small rules reports rely on: note roles, periods, Markdown escaping."""

from __future__ import annotations

import pytest

from runnotes.errors import RunnotesError
from runnotes.reports.period import parse_when
from runnotes.reports.render import code, fence, md
from runnotes.reports.rules import note_role


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Next I'll try cosine decay", "next_step"),
        ("let's try mixup", "next_step"),
        ("TODO: rerun with seed 2", "next_step"),
        ("blocked by the data export", "blocker"),
        ("Blocker: no GPU quota, next we'll wait", "blocker"),
        ("stuck on a NaN loss", "blocker"),
        ("lowered lr because the loss diverged", None),
        ("the next epoch was fine", None),
    ],
)
def test_note_roles_from_phrasing(text: str, role: str | None) -> None:
    assert note_role(text) == role


def test_stored_role_wins() -> None:
    assert note_role("let's try mixup", "rationale") == "rationale"


def test_when() -> None:
    assert parse_when("7d", now=1_000_000.0) == 1_000_000.0 - 7 * 86400
    assert parse_when("12h", now=100_000.0) == 100_000.0 - 12 * 3600
    assert parse_when("2w", now=2e6) == 2e6 - 14 * 86400
    with pytest.raises(RunnotesError, match="not a time: 'last tuesday'"):
        parse_when("last tuesday")


def test_user_text_cannot_become_markup() -> None:
    assert md("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>"
    assert md("a | b\n*c* [x](y) val_acc _z_") == "a \\| b \\*c\\* \\[x\\](y) val_acc \\_z\\_"
    assert md("# not a heading") == "\\# not a heading" and md("1. not a list") == "1\\. not a list"
    assert md("3.11.2") == "3.11.2"
    assert code("a `b` c") == "``a `b` c``"
    assert fence("echo ```") == "````\necho ```\n````"


def test_note_parts_keep_only_the_forward_looking_clause_as_the_next_step() -> None:
    from runnotes.reports.rules import decision_and_reason, note_parts, observed

    note = (
        "raised the learning rate to 0.01 because the baseline converged too slowly; "
        "next I will try a stronger alpha"
    )
    assert note_parts(note) == [
        ("raised the learning rate to 0.01 because the baseline converged too slowly", None),
        ("next I will try a stronger alpha", "next_step"),
    ]
    assert note_parts("converged slowly, so next I'll try alpha 1e-3. Blocked by the export.") == [
        ("converged slowly", None),
        ("next I'll try alpha 1e-3.", "next_step"),
        ("Blocked by the export.", "blocker"),
    ]
    plain = "baseline with a small learning rate; accuracy still climbing"
    assert note_parts(plain) == [(plain, None)]  # nothing to split off: the note as written
    assert decision_and_reason(note_parts(note)[0][0]) == (
        "raised the learning rate to 0.01",
        "because the baseline converged too slowly",
    )
    assert decision_and_reason("flat since epoch 5") == ("flat since epoch 5", None)
    assert observed("data changed since run 7 (baseline): 1 204 → 1 317 rows")
    assert not observed("the data changed because I fixed the labels")
