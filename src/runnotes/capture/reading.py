"""The liked value, from whatever the sources saw: one reading path for every desktop.

Each source supplies only what it saw: an application's own text with the character at the
point (AT-SPI, a terminal's screen: ``Pointed``), the pixels around the point (read by OCR, and
only when needed), the digits a selection holds. ``read_value`` decides which reading stands and
combines them — the application's digits with the name the screen's layout gives, a double-click's
piece of a number completed from the screen — and says which sources it came from. Naming
against the store and the review follow in one function too (``judge.py``); the browser
extension reads its values in the page and goes through ``judge`` only.
"""

from __future__ import annotations

from collections.abc import Callable

from runnotes.capture.a11y import Pointed, read_pointed_text
from runnotes.capture.layout import Reading


def read_value(
    pointed: Pointed | None,
    screen: Callable[[], Reading] | None,
    part: str | None,
    selection_via: str,
) -> tuple[Reading | None, str]:
    """The reading of the liked value and its ``via``: the application's text where it names
    the value; else the screen's reading (OCR: ``screen``, None without pixels or OCR) with the
    application's digits where it has them; a selected ``part`` of a number completed from it."""
    via = ""
    reading = read_pointed_text(pointed) if pointed is not None else None
    exact_via = "terminal" if pointed is not None and pointed.role == "terminal" else "a11y"
    if reading is not None and reading.name:
        via = exact_via
    elif screen is not None:
        exact, reading = reading, screen()
        via = "ocr"
        if exact is not None:
            reading, via = exact_digits(reading, exact), f"{exact_via}+ocr"
    if part is not None:
        reading = complete(reading, part)
        via = selection_via if reading.text == part else "selection+ocr"
    return reading, via


def complete(reading: Reading | None, part: str) -> Reading:
    """A double-click selects ``9321`` of ``0.9321``: the number read around it completes it.
    When the screen was read and shows no number containing the selected digits, they may be
    a piece of one (``399`` of ``0.399``): no value, rather than a wrong one (the selection is
    kept as a note). Without a reading of the screen (no OCR) the selection stands, for review."""
    if reading is not None and reading.value is not None and part in reading.text:
        return reading
    if reading is not None:
        return Reading(why=f"the selected {part!r} is not a number read at the pointer")
    return Reading(value=float(part), text=part, why="the selection was not checked on the screen")


def exact_digits(seen: Reading, exact: Reading) -> Reading:
    """The application's own digits with the name OCR read from the layout around them (a
    title, a header the text object does not hold). Digits that differ mean OCR read another
    box or misread it: then its name is in doubt (pending review)."""
    if seen.value is None:
        return exact
    if seen.text != exact.text:
        seen.why = f"OCR read {seen.text!r} where the application says {exact.text!r}"
    seen.value, seen.text, seen.score = exact.value, exact.text, 1.0
    return seen
