"""A like from the browser extension, checked and turned into a capture.

The extension reads the page (the digits shown, the name the DOM gives, the tool's exact value);
this module decides what is stored, with the same trust rules as the agent's likes:

- the value is the page's text; an exact value from the tool's API replaces it only when the
  displayed digits are a rounding of it (else the displayed value is stored and the API's kept
  aside), so a wrong adapter match can never store a wrong number;
- a value whose name the page did not give is stored as ``value``, pending review, and one the
  store logged under another name takes that name, pending (``judge.py``, the agent's rule);
- nothing the page sent is trusted for more than that: text that is not one number is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from runnotes.capture.judge import judge
from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.store.models import Kind, Source
from runnotes.store.runs import NewCapture

# A number as a page shows it: ``0.8323``, ``1,234.5``, ``−0.2`` (U+2212), ``1e-4``, ``97.3%``.
_SHOWN = re.compile(
    r"^\s*([-+\u2212]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"
    r"\s*(%?)\s*$"
)
MAX_TEXT = 200


@dataclass
class BrowserLike:
    """What the extension sends (field names as in its JSON)."""

    text: str
    name: str | None = None
    qualifier: str | None = None
    step: int | None = None
    namedBy: str | None = None  # noqa: N815 - the extension's JSON key
    via: str | None = None  # dom or selection
    exact: float | None = None
    exactFrom: str | None = None  # noqa: N815
    kind: str | None = None
    tool: str | None = None
    url: str | None = None
    title: str | None = None
    line: str | None = None
    note: str | None = None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> BrowserLike:
        known = {k: v for k, v in body.items() if k in cls.__dataclass_fields__}
        like = cls(**known)
        if not isinstance(like.text, str) or not _SHOWN.match(like.text):
            raise RunnotesError(f"not a number: {str(like.text)[:40]!r}")
        if like.exact is not None and not isinstance(like.exact, int | float):
            raise RunnotesError("exact must be a number")
        if like.step is not None and not isinstance(like.step, int):
            raise RunnotesError("step must be an integer")
        return like


def shown_value(text: str) -> tuple[float, Decimal, bool]:
    """(value, the decimal as shown, whether it had a ``%``) of the page's digits."""
    m = _SHOWN.match(text)
    if m is None:
        raise RunnotesError(f"not a number: {text[:40]!r}")
    digits = m.group(1).replace("\u2212", "-").replace(",", "")
    try:
        shown = Decimal(digits)
    except InvalidOperation as exc:
        raise RunnotesError(f"not a number: {text[:40]!r}") from exc
    return float(shown), shown, bool(m.group(2))


def rounds_to(exact: float, shown: Decimal) -> bool:
    """Whether ``shown`` is ``exact`` rounded to the digits shown (half a unit of its last place,
    with a hair of float slack): ``0.8323`` for ``0.8323447108``, not ``0.8324``."""
    if not math.isfinite(exact):
        return False
    unit = Decimal(1).scaleb(shown.as_tuple().exponent)  # type: ignore[arg-type]
    return abs(Decimal(repr(exact)) - shown) <= unit / 2 * Decimal("1.000001")


def to_capture(like: BrowserLike, timestamp: float, store: Store | None = None) -> NewCapture:
    """The capture to store for ``like``: exact where it fits; named, matched against the
    store and reviewed by the same rule as the agent's likes (``judge.py``)."""
    value, shown, percent = shown_value(like.text)
    extra: dict[str, Any] = {}
    exact_from = None
    if like.exact is not None and not percent:
        if rounds_to(like.exact, shown):
            value, exact_from = float(like.exact), like.exactFrom or "tool"
        else:
            extra["api_value"] = like.exact  # kept aside: the page shows something else
    for key in ("qualifier", "line"):
        if getattr(like, key):
            extra[key] = str(getattr(like, key))[:MAX_TEXT]
    if percent:
        extra["unit"] = "%"
    judged = judge(
        store,
        like.text.strip(),
        (like.name or "").strip()[:MAX_TEXT] or None,
        like.step,
        doubts=[like.note] if like.note else [],
        named_by=like.namedBy or "",
        extra=extra,
        where="the page",
    )
    return NewCapture(
        kind=Kind.param if like.kind == "param" else Kind.metric,
        source=Source.browser,
        name=judged.name,
        value=value,
        text=like.text.strip()[:MAX_TEXT],
        step=judged.step,
        origin=like.tool or "browser",
        review=judged.review,
        liked=True,
        via="browser",
        url=(like.url or "")[:2000] or None,
        page_title=(like.title or "")[:MAX_TEXT] or None,
        tool=like.tool,
        exact_from=exact_from,
        extra=judged.extra,
        timestamp=timestamp,
    )
