"""One escaping path for every value that reaches a draft, whatever its field (issue 31).

The property test takes the template context the writers really build from a store, puts a
hostile prefix and suffix on every string in it (dataclass fields, dict keys and values, list
items, found by walking the objects, not by a list of today's fields), renders the shipped
templates again and parses both drafts with a CommonMark renderer (markdown-it-py, with GFM tables
and strikethrough): the hostile draft must have the same elements, headings and table cells as the
plain one. A field added to the context later is covered without touching this test.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from reports.conftest import T0, build_sample
from runnotes.reports import render as reportrender
from runnotes.reports import write_progress, write_readme
from runnotes.store import Store
from runnotes.store.models import Run
from runnotes.store.runs import NewCapture, add_captures

WRITER_MADE = {"file"}  # figure and screenshot paths the writer makes (not store values)
ATTACKS = [
    "ok | <img src=https://attacker.example/p.png>",
    "\n## injected\n",
    "<details><summary>x</summary>",
    "~~~",
    "```",
    "[x](javascript:alert(1))",
    "![p](https://attacker.example/p.png)",
    "| a | b |\n|---|---|",
    "---",
    "1. ",
    "- ",
    "> ",
    "    ",
    "\\",
    "<!--",
    "&lt;b&gt;",
    "*a*",
    "__a__",
    "~~a~~",
    "{{ 7*7 }}",
    "<https://attacker.example>",
    "#",
    "=",
    "\\\n",
    "  \n",
]
# No letters beyond a and Z: a word such as "because" would change how a note is split, which is
# the template's logic, not an injection.
SPECIALS = st.text(alphabet=st.sampled_from(list("#|<>`~*_[]()!-+=:\\&\n \t1.)\"'{}/aZ")))
AFFIX = st.one_of(st.sampled_from(ATTACKS), SPECIALS)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def shape(markdown: str) -> list[tuple[Any, ...]]:
    """What a renderer makes of ``markdown`` beyond its text: every element, heading, table
    cell, link target and raw HTML, in order (text and escapes dropped)."""
    found: list[tuple[Any, ...]] = []

    def walk(tokens: list[Token]) -> None:
        for tok in tokens:
            if tok.type in ("text", "text_special"):
                continue
            html = tok.content if tok.type.startswith("html") else ""
            attrs = {k: v for k, v in tok.attrs.items() if k in ("href", "src")}
            found.append((tok.type, tok.tag, tok.nesting, html, tuple(sorted(attrs.items()))))
            if tok.children:
                walk(tok.children)

    walk(_parser().parse(markdown))
    return found


def raw_html(markdown: str) -> str:
    """The raw HTML a CommonMark renderer passes through (``<img`` …), all of it."""
    return "".join(html for typ, _, _, html, _ in shape(markdown) if typ.startswith("html"))


def tags(markdown: str) -> list[str]:
    return [tag for _, tag, nesting, _, _ in shape(markdown) if tag and nesting >= 0]


def headings(markdown: str) -> list[str]:
    tokens = _parser().parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def hostile_copy(obj: Any, sub: Callable[[str], str], memo: dict[int, Any]) -> Any:
    """``obj`` with ``sub`` applied to every string inside it; shared objects stay shared."""
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, str):
        return sub(obj)
    if obj is None or isinstance(obj, bool | int | float | Path):
        return obj
    if isinstance(obj, dict):
        return {hostile_copy(k, sub, memo): hostile_copy(v, sub, memo) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return type(obj)(hostile_copy(v, sub, memo) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        new = memo[id(obj)] = copy.copy(obj)
        for f in dataclasses.fields(obj):
            if f.name not in WRITER_MADE:
                # object.__setattr__: frozen ones too (a copy of the store's rows)
                object.__setattr__(new, f.name, hostile_copy(getattr(obj, f.name), sub, memo))
        return new
    raise TypeError(f"a {type(obj).__name__} in the template context: teach hostile_copy")


def _contexts(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """(template, context) as the writers render them, README and progress report."""
    seen: list[tuple] = []
    real = reportrender.render

    def spy(template: Any, context: dict[str, Any]) -> str:
        seen.append((template, context))
        return real(template, context)

    monkeypatch.setattr("runnotes.reports.writers.render", spy)
    write_readme(store, "resnet", tmp_path / "r" / "README.md", include_pending=True)
    write_progress(
        store, tmp_path / "p.md", since=T0 - 3600, until=T0 + 7 * 86400, include_pending=True
    )
    return seen


@pytest.mark.slow
def test_no_store_value_becomes_markdown(
    store: Store, utc: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = build_sample(store)
    with store.write() as session:  # a failed run: its status and an observation reach the drafts
        run = session.get(Run, sample.runs["baseline"])
        run.status, run.exit_code = "failed", 1  # type: ignore[union-attr]
    contexts = _contexts(store, tmp_path, monkeypatch)
    plain = [(tpl, ctx, shape(reportrender.render(tpl, ctx))) for tpl, ctx in contexts]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(pre=AFFIX, post=AFFIX)
    def check(pre: str, post: str) -> None:
        def sub(text: str) -> str:  # one affix for all: equal values stay equal, others differ
            return f"{pre}{text}{post}" if text else text

        for tpl, ctx, expected in plain:
            memo: dict[int, Any] = {}
            hostile = {name: hostile_copy(value, sub, memo) for name, value in ctx.items()}
            assert shape(reportrender.render(tpl, hostile)) == expected

    check()


def _readme(store: Store, tmp_path: Path) -> str:
    write_readme(store, "resnet", tmp_path / "README.md")
    return (tmp_path / "README.md").read_text(encoding="utf-8")


def test_hostile_status_stays_text(sample, tmp_path: Path) -> None:
    """Issue 31, 1: a status stored by an older writer cannot inject markup or cut the table."""
    plain = shape(_readme(sample.store, tmp_path))
    with sample.store.write() as session:
        run = session.get(Run, sample.runs["baseline"])
        run.status = "ok | <img src=https://attacker.example/p.png>\n## x\n<details>"  # type: ignore[union-attr]
    text = _readme(sample.store, tmp_path)
    assert "<img" not in raw_html(text) and "<details" not in raw_html(text)
    assert shape(text) == plain


def test_dataset_facts_sent_as_text_stay_text(sample, tmp_path: Path) -> None:
    """Issue 31, 2: rows/columns arrive as text (a team client, an imported JSONL file)."""
    extra = {"path": "/d/x.csv", "rows": "5 <img src=x>\n## injected", "columns": "<b>3</b>"}
    add_captures(
        sample.store,
        sample.runs["baseline"],
        [NewCapture("dataset", timestamp=T0 + 3, name="x.csv", extra=extra, review="approved")],
    )
    text = _readme(sample.store, tmp_path)
    assert "<img" not in raw_html(text) and "<b>" not in raw_html(text)
    assert not [h for h in headings(text) if "injected" in h]
    assert "5 \\<img src=x\\> ## injected rows × \\<b\\>3\\</b\\> columns" in text


def test_tilde_fence_in_a_note_is_text(sample, tmp_path: Path) -> None:
    """Issue 31, 8: ``~~~`` at the start of a note opened a code fence."""
    add_captures(
        sample.store,
        sample.runs["baseline"],
        [
            NewCapture(
                "note",
                timestamp=T0 + 5,
                text="~~~ everything after this was code",
                review="approved",
            )
        ],
    )
    text = _readme(sample.store, tmp_path)
    assert "pre" not in tags(text)
    assert "\\~\\~\\~ everything after this was code" in text
