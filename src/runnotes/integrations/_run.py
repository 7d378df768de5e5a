"""What every framework hook shares: which run it writes to, and how values become captures.

A hook writes to the run this process started (``with runnotes.start_run(…)`` or
``runnotes.init(…)`` around the training), which it leaves open; otherwise it starts its own run
when training begins and ends it when training ends, with the framework's final status.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from runnotes import sdk
from runnotes.values import flatten, scalar

log = logging.getLogger(__name__)


class HookRun:
    """The run a hook writes to; created lazily, when training starts."""

    def __init__(
        self,
        name: str | None = None,
        *,
        experiment: str | None = None,
        project: str | None = None,
        tags: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.experiment = experiment
        self.project = project
        self.tags = list(tags)
        self.run: sdk.Run | None = None
        self.owned = False

    def start(self) -> sdk.Run:
        if self.run is None:
            joined = sdk.innermost()  # a run this process started: log into it, leave it open
            if joined is not None:
                self.run, self.owned = joined, False
            else:
                self.run = sdk.start_run(
                    self.name, experiment=self.experiment, project=self.project, tags=self.tags
                )
                self.owned = True
        return self.run

    def params(self, values: Mapping[str, Any]) -> None:
        """Hyper-parameters: scalars as given, anything else as its text; None is left out."""
        flat = {
            k: v if isinstance(v, int | float | str | bool) else str(v)
            for k, v in flatten(values)
            if v is not None
        }
        if flat:
            self.start().log_params(flat)

    def metrics(self, values: Mapping[str, Any], step: int | None) -> None:
        run = self.start()
        for key, value in values.items():
            number = scalar(value)
            if number is not None:
                run.log_metric(key, number, step)

    def end(self, status: str) -> None:
        """The framework's final status on a run the hook started; a run it joined only gets its
        values flushed (whoever started it ends it)."""
        if self.run is None:
            return
        if self.owned:
            self.run.end(status, 0 if status == "ok" else 1)
        else:
            self.run.flush()
        self.run = None


class Hooked:
    """The constructor every hook class shares: where its run goes (see :class:`HookRun`).

    Listed before the framework's base class, whose own ``__init__`` it calls."""

    def __init__(self, name: str | None = None, **where: Any) -> None:
        """``name`` of the run it starts; ``experiment``, ``project``, ``tags`` as
        :func:`runnotes.start_run` takes them."""
        super().__init__()
        self.hook = HookRun(name, **where)
