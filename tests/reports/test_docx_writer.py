"""Markdown → .docx from markdown-it-py's tokens: each block and inline form, and user text that
reads in the .docx exactly as it was typed (escaped by the templates' one escaping path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from runnotes.reports.docx_writer import write_docx
from runnotes.reports.render import PAGE_BREAK, md

SAMPLE = f"""# Title with *italic*

Text with **bold**, *italic*, ***both***, `code | pipe`, [a link](https://example.org)
on two lines,\\
a hard break and <span>raw HTML</span> dropped.

- [ ] a task box is dropped
- [x] so is a ticked one
  - nested item

1. first
2. second

> a quote
> - a listed quote

| run | value |
|---|---:|
| <a id="run-1"></a>run 1 \\| a | **0.93** ★ |
| run 2 | `0.5` |

```python
def f():
    return "**not bold**"
```

{PAGE_BREAK}

## After the break
"""


def paragraphs(
    markdown: str, tmp_path: Path
) -> list[tuple[str, list[tuple[str, bool, bool, bool]]]]:
    out = tmp_path / "out.docx"
    write_docx(markdown, out, base=tmp_path)
    doc = Document(str(out))
    return [
        (
            p.style.name,
            [
                (r.text, bool(r.bold), bool(r.italic), r.font.name == "DejaVu Sans Mono")
                for r in p.runs
            ],
        )
        for p in doc.paragraphs
    ]


def test_blocks_and_inline_forms(tmp_path: Path) -> None:
    got = paragraphs(SAMPLE, tmp_path)
    styles = [style for style, _ in got]
    assert styles == [
        "Heading 1",
        "Normal",
        "List Bullet",
        "List Bullet",
        "List Bullet 2",
        "List Number",
        "List Number",
        "Quote",
        "List Bullet",
        "Normal",  # the code block
        "Normal",  # the page break
        "Heading 2",
    ]
    assert got[0][1] == [("Title with ", False, False, False), ("italic", False, True, False)]
    runs = got[1][1]
    assert ("bold", True, False, False) in runs
    assert ("italic", False, True, False) in runs
    assert ("both", True, True, False) in runs
    assert ("code | pipe", False, False, True) in runs
    text = "".join(r[0] for r in runs)
    assert "a link on two lines,\na hard break and raw HTML dropped." in text
    assert "https://" not in text and "<span>" not in text
    assert [r[0] for r in got[2][1]] == ["a task box is dropped"]
    assert [r[0] for r in got[3][1]] == ["so is a ticked one"]
    code = got[9][1]
    assert code == [('def f():\n    return "**not bold**"', False, False, True)]


def test_tables_and_page_breaks(tmp_path: Path) -> None:
    out = tmp_path / "out.docx"
    write_docx(SAMPLE, out, base=tmp_path)
    doc = Document(str(out))
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["run", "value"],
        ["run 1 | a", "0.93 ★"],
        ["run 2", "0.5"],
    ]
    assert all(r.bold for r in table.rows[0].cells[0].paragraphs[0].runs)
    assert [r.bold for r in table.rows[1].cells[1].paragraphs[0].runs] == [True, None]
    assert table.rows[0]._tr.trPr is not None  # the header row repeats on every page
    assert doc.element.body.xml.count('w:type="page"') == 1


def test_image_and_caption(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (300, 150), "white").save(tmp_path / "fig.png")
    markdown = "![val_acc](fig.png)\n\n*Figure: val\\_acc by **step***\n\n*not a caption*\n"
    out = tmp_path / "out.docx"
    write_docx(markdown, out, base=tmp_path)
    doc = Document(str(out))
    assert len(doc.inline_shapes) == 1
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styles[1:] == [("Caption", "Figure: val_acc by step"), ("Normal", "not a caption")]
    assert doc.paragraphs[0].paragraph_format.keep_with_next


HOSTILE = [
    "**not bold** *nor italic* `nor code`",
    "<img src=https://attacker.example/p.png> & <b>x</b>",
    "| cell | break |",
    "[x](javascript:alert(1))",
    "~~~ fence",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "a\\b \\* c_d_ _e_",
    "&amp; &#42; &lt;",
    "{{ 7*7 }}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_reads_as_typed(text: str, tmp_path: Path) -> None:
    """A value printed through ``md`` is one plain run in a paragraph and in a table cell."""
    markdown = f"{md(text)}\n\n| note |\n|---|\n| {md(text)} |\n"
    out = tmp_path / "out.docx"
    write_docx(markdown, out, base=tmp_path)
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs] == [" ".join(text.split())]
    assert not any(r.bold or r.italic for r in doc.paragraphs[0].runs)
    assert doc.tables[0].rows[1].cells[0].text == " ".join(text.split())


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_any_escaped_text_reads_as_typed(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    folder = tmp_path_factory.mktemp("docx")
    out = folder / "out.docx"
    write_docx(f"{md(text)}\n", out, base=folder)
    shown = "".join(p.text for p in Document(str(out)).paragraphs)
    assert shown == " ".join(text.split())
