"""What every framework hook shares: which run it writes to, and how values become captures.

A hook writes to the run this process started (``with runnotes.start_run(…)`` or
``runnotes.init(…)`` around the training), which it leaves open; otherwise it starts its own run
when training begins and ends it when training ends, with the framework's final status.

Checkpoints: a hook records those the framework saves (their path and state, not a copy) or
marks them with the run that wrote them, and when a training resumes from a checkpoint, links the
run to the one that wrote it (``resume``, inferred, with the evidence:
:func:`runnotes.services.lineage.resumed`). A checkpoint of no run known here links nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from runnotes import sdk
from runnotes.errors import RunnotesError
from runnotes.services import lineage
from runnotes.store.models import Kind, Review
from runnotes.store.runs import NewCapture
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

    def wrote(self, path: str | os.PathLike[str]) -> None:
        """The framework saved a checkpoint at ``path``: recorded with its state (not copied)."""
        where = os.path.abspath(path)
        state = lineage.file_state(where)
        if state is None:
            return
        self.start().capture(
            NewCapture(
                kind=Kind.artifact,
                source=self.start().source,
                name=os.path.basename(where.rstrip(os.sep)),
                text=where,
                origin=where,
                review=Review.approved,
                extra={"checkpoint": True, "state": state},
            )
        )

    def mark(self) -> dict[str, Any] | None:
        """What goes into a checkpoint to say which run wrote it (None in team mode)."""
        run = self.start()
        try:
            return lineage.writer_of(run.backend.local_store(), run.id).as_dict()
        except RunnotesError:
            return None

    def resumed(
        self,
        hook: str,
        *,
        step: int | None = None,
        path: str | os.PathLike[str] | None = None,
        writer: Any = None,
    ) -> None:
        """The training resumed from a checkpoint (``path``, or the ``writer`` mark it carried):
        link the run to the one that wrote it, if that is known. Never the training's failure."""
        run = self.start()
        try:
            store = run.backend.local_store()
            mark = lineage.Writer.from_dict(writer) if writer is not None else None
            if path is not None or mark is not None:
                lineage.resumed(store, run.id, hook=hook, step=step, path=path, writer=mark)
        except RunnotesError:
            return  # a team server: its runs are linked there
        except Exception:  # noqa: BLE001 - lineage is a convenience; the training must go on
            log.exception("runnotes: could not link run %s to its checkpoint's run", run.id)

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
