"""Jinja2 for reports: the shipped templates or a user's own, and filters that make user text safe.

Everything a person typed, said or a window showed goes through ``md`` (or ``cell``/``code``) so
that it reads as text, never as Markdown or HTML: a note saying ``<script>`` or ``| a |`` cannot
break a table or inject markup when the draft is rendered on a web page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
)

from runnotes.errors import RunnotesError
from runnotes.reports.period import fmt_day, fmt_time

TEMPLATES = Path(__file__).parent / "templates"
PAGE_BREAK = "<!-- pagebreak -->"

_ALWAYS = re.compile(r"([\\`*\[\]<>|&])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START = re.compile(r"^(?:([#+\-=])|(\d+)([.)])(?=\s))")  # would start a heading/list
_BLANKS = re.compile(r"\n{3,}")


def md(text: Any) -> str:
    """Inline Markdown-safe text on one line (backslash escapes: any renderer shows them as-is)."""
    flat = " ".join(str(text if text is not None else "").split())
    flat = _ALWAYS.sub(r"\\\1", flat)
    flat = _EDGE_UNDERSCORE.sub(r"\\_", flat)
    return _LINE_START.sub(_escape_start, flat)


def _escape_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def code(text: Any) -> str:
    """An inline code span that survives backticks inside it."""
    flat = " ".join(str(text if text is not None else "").split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(text: Any, lang: str = "") -> str:
    """A fenced code block longer than any backtick run inside it."""
    body = str(text if text is not None else "").rstrip("\n")
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def num(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def signed(value: float) -> str:
    return f"{value:+.4g}"


def pending(item: Any) -> str:
    """` *(pending)*` after an item still awaiting review; ` *(liked)*`/` *(said)*` after a
    value no code logged (its only source)."""
    marked = getattr(item, "mark", None)
    source = f" *({marked})*" if marked else ""
    return source + (" *(pending)*" if getattr(item, "pending", False) else "")


def _environment(folder: Path) -> Environment:
    # The shipped folder comes second, so a user's template can import the shipped macros
    # (``{% import "_macros.md.j2" as m %}``) and still override them with its own.
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)), FileSystemLoader(str(TEMPLATES))]),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=md,
        code=code,
        fence=fence,
        num=num,
        signed=signed,
        pending=pending,
        when=fmt_time,
        day=fmt_day,
    )
    env.globals["pagebreak"] = PAGE_BREAK
    return env


def load_template(user: Path | None, shipped: str) -> Template:
    """The user's template (``--template``) or the shipped one; a clear error when it is broken."""
    path = Path(user) if user else TEMPLATES / shipped
    if not path.is_file():
        raise RunnotesError(f"no such template: {path}")
    try:
        return _environment(path.parent).get_template(path.name)
    except TemplateError as exc:
        raise RunnotesError(f"template {path}: {_describe(exc)}") from exc


def render(template: Template, context: dict[str, Any]) -> str:
    """The filled-in template, with runs of blank lines (from left-out sections) collapsed."""
    try:
        text = template.render(**context)
    except TemplateError as exc:
        raise RunnotesError(f"template {template.filename}: {_describe(exc)}") from exc
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise RunnotesError(f"template {template.filename}: {exc}") from exc
    return _BLANKS.sub("\n\n", text).strip() + "\n"


def _describe(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    return f"line {line}: {exc.message}" if line else str(exc.message or exc)
