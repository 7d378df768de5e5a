"""Does a liked number equal a value the store already holds? Then it is that value.

The screen shows ``0.8421``; the store knows ``val_acc`` of run 7 at step 900 was 0.842137. The
like is linked to that capture, and its name is used when the screen did not give one. Displayed
numbers are rounded, so a logged value matches when it rounds to the shown digits. Short numbers
(``64``, ``0.5``) equal too many things by chance: they only match a value of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass

from runnotes.formatting import shown_interval, significant_digits
from runnotes.store.captures import logged_between
from runnotes.store.db import Store
from runnotes.store.models import Capture

MIN_DIGITS = 3  # significant digits a number needs to match a value of another name
LIMIT = 50


@dataclass(frozen=True)
class Known:
    """A logged value the liked number equals."""

    capture_id: int
    run_id: int
    run_name: str
    name: str
    step: int | None

    def describe(self) -> str:
        at = f" at step {self.step}" if self.step is not None else ""
        return f"{self.name} of run {self.run_id} ({self.run_name}){at}"

    def as_dict(self) -> dict[str, object]:
        return {
            "capture_id": self.capture_id,
            "run_id": self.run_id,
            "run": self.run_name,
            "name": self.name,
            "step": self.step,
        }


def find_known(store: Store, text: str, name: str | None = None) -> list[Known]:
    """Logged metrics and params (not likes) equal to the shown number; the same name first."""
    try:
        intervals = shown_interval(text)
    except ValueError:
        return []
    rows: list[tuple[Capture, str]] = []
    with store.read() as session:
        for lo, hi in intervals:
            few_digits = significant_digits(text) < MIN_DIGITS
            if few_digits and not name:
                return []
            rows += logged_between(session, lo, hi, name if few_digits else None, LIMIT)
    found = [Known(c.id, c.run_id, r, c.name or "", c.step) for c, r in rows if c.id]
    wanted = (name or "").lower()
    return sorted(found, key=lambda k: (k.name.lower() != wanted, -k.capture_id))
