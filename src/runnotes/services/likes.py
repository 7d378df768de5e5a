"""What a like may say: a value that cannot be what its name says is refused before anything is
stored (so a refused like does not even open today's auto run).

The rule: a name that is logged as a metric (numbers, by code: SDK, ``watch``, imports) takes
numbers. ``like val_acc=abc`` on a run that logs ``val_acc`` (or, with no run active, in a store
where runs log it) is refused in one line; a text value for a name no run logs as a metric is a
param, as before.
"""

from __future__ import annotations

from runnotes.errors import RunnotesError
from runnotes.formatting import as_number
from runnotes.store.db import Store


def check_like(store: Store, run_id: int | None, name: str, value: str) -> None:
    """Raise when ``value`` is text for a name logged as a metric (in ``run_id``, or in any run
    when no run is the target yet)."""
    if as_number(value) is not None:
        return
    from runnotes.store.captures import metric_logged  # text liked: a query of the tables

    with store.read() as session:
        logged = metric_logged(session, name, run_id)
    if logged:
        where = f"run {run_id}" if run_id is not None else "your runs"
        raise RunnotesError(
            f"{name} is a metric in {where} (numbers); {value!r} is not a number: not liked"
        )
