"""Values as other libraries hand them to a logging call, made into what runnotes stores.

Shared by the W&B-style calls (:mod:`runnotes.wandb_style`) and the framework hooks
(:mod:`runnotes.integrations`): a NumPy scalar or a one-element tensor is a number, a nested
dict is ``outer.inner`` names, the way W&B and the frameworks' own loggers show them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def scalar(value: Any) -> float | None:
    """A number from a Python, NumPy or one-element tensor value; None for anything else
    (text, None, arrays, images…)."""
    if isinstance(value, str | bytes) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor of many elements
        return None


def flatten(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(name, value)`` pairs with nested mappings as dotted names; values as they are."""
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{name}.")
        else:
            yield name, value
