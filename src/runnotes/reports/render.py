"""Jinja2 for reports: the shipped templates or a user's own, and one escaping path for values.

Every ``{{ value }}`` a template prints goes through the environment's ``finalize`` (``inline``),
whatever its field: a run status, a dataset's row count sent as text by a team client, a field
added next year. A value reads as text, never as Markdown or HTML: a note saying ``<script>``,
``| a |`` or ``~~~`` cannot break a table, open a fence or inject markup when the draft is
rendered on a web page. Templates need not remember ``| md``; filters that lay out a value
themselves (``md``, ``code``, ``fence``, ``num``, ...) return :class:`Markup`, which ``finalize``
leaves alone, and so does a macro's output. ``| safe`` is the one way to print raw Markdown.
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
from markupsafe import Markup

from runnotes.errors import RunnotesError
from runnotes.reports.period import fmt_day, fmt_time

TEMPLATES = Path(__file__).parent / "templates"
PAGE_BREAK = "<!-- pagebreak -->"

_ALWAYS = re.compile(r"([\\`*\[\]<>|&~])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What would start a heading, a list, a quote or a setext underline at the start of a line (a
# value may begin one: templates put values there); ``inline`` keeps one leading space.
_LINE_START = re.compile(r"^( ?)(?:([#+\-=])|(\d+)([.)])(?=\s|$))")
_SPACES = re.compile(r"\s+")
_BLANKS = re.compile(r"\n{3,}")


def _escape(flat: str) -> Markup:
    """Backslash escapes (any renderer shows them as-is) for text already on one line."""
    flat = _ALWAYS.sub(r"\\\1", flat)
    flat = _EDGE_UNDERSCORE.sub(r"\\_", flat)
    return Markup(_LINE_START.sub(_escape_start, flat))


def _escape_start(match: re.Match[str]) -> str:
    space = match.group(1)
    if match.group(2):
        return f"{space}\\{match.group(2)}"
    return f"{space}{match.group(3)}\\{match.group(4)}"


def inline(value: Any) -> Markup:
    """The environment's ``finalize``: every printed value, escaped unless a filter or macro
    already laid it out (:class:`Markup`). Whitespace runs become one space, edges kept, so
    ``{{ ", " if more }}`` still reads ", " and a value never spans two lines."""
    if isinstance(value, Markup):
        return value
    return _escape(_SPACES.sub(" ", str(value if value is not None else "")))


def md(text: Any) -> Markup:
    """Inline Markdown-safe text on one line, trimmed."""
    if isinstance(text, Markup):
        return text
    return _escape(" ".join(str(text if text is not None else "").split()))


def code(text: Any) -> Markup:
    """An inline code span that survives backticks inside it."""
    flat = " ".join(str(text if text is not None else "").split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return Markup(f"{ticks}{pad}{flat}{pad}{ticks}")


def fence(text: Any, lang: str = "") -> Markup:
    """A fenced code block longer than any backtick run inside it."""
    body = str(text if text is not None else "").rstrip("\n")
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
    return Markup(f"{ticks}{md(lang)}\n{body}\n{ticks}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def num(value: float | None) -> Markup:
    """A number in at most six significant digits; anything else (text where a number belongs,
    e.g. sent by a client) is escaped like any value."""
    if value is None:
        return Markup("—")
    return Markup(f"{value:.6g}") if _number(value) else md(value)


def signed(value: float) -> Markup:
    return Markup(f"{value:+.4g}") if _number(value) else md(value)


def told(parts: Any) -> Markup:
    """A narrative sentence (:mod:`runnotes.services.narrative` parts): names as code spans,
    the rest escaped like any value."""
    return Markup("").join(code(text) if name else _escape(text) for text, name in parts or ())


def pending(item: Any) -> Markup:
    """` *(pending)*` after an item still awaiting review; ` *(liked)*`/` *(said)*` after a
    value no code logged (its only source: one of those two words, never user text)."""
    marked = getattr(item, "mark", None)
    source = f" *({md(marked)})*" if marked else ""
    return Markup(source + (" *(pending)*" if getattr(item, "pending", False) else ""))


def _environment(folder: Path) -> Environment:
    # The shipped folder comes second, so a user's template can import the shipped macros
    # (``{% import "_macros.md.j2" as m %}``) and still override them with its own.
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)), FileSystemLoader(str(TEMPLATES))]),
        # Autoescape makes macro output and the filters' Markup pass ``finalize`` untouched.
        autoescape=True,
        finalize=inline,
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
        told=told,
        when=fmt_time,
        day=fmt_day,
    )
    env.globals["pagebreak"] = Markup(PAGE_BREAK)
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
