"""The exit code → status rule, stated once (``services.runs.status_of``) for every writer."""

from __future__ import annotations

import pytest

from runnotes.services.runs import status_of
from runnotes.store.models import RunStatus


@pytest.mark.parametrize(
    ("code", "signalled", "status"),
    [
        (None, False, RunStatus.ok),
        (0, False, RunStatus.ok),
        (1, False, RunStatus.failed),
        (127, False, RunStatus.failed),
        (143, False, RunStatus.failed),  # SIGTERM from elsewhere: the command failed
        (130, False, RunStatus.killed),  # Ctrl-C
        (143, True, RunStatus.killed),  # watch forwarded the signal that stopped it
        (0, True, RunStatus.killed),
    ],
)
def test_status_of_exit_code(code: int | None, signalled: bool, status: RunStatus) -> None:
    assert status_of(code, signalled=signalled) is status
