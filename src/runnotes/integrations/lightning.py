"""PyTorch Lightning: ``Trainer(logger=RunnotesLogger())`` (``lightning`` or ``pytorch_lightning``).

Params: what the module saves with ``self.save_hyperparameters()`` (and the datamodule's), as
Lightning hands them to every logger. Metrics: whatever ``self.log`` records, at Lightning's
global step, with the ``epoch`` Lightning adds. Status: ``ok`` when ``fit`` ends, ``failed`` when
it raises or is interrupted (Lightning's ``finalize("failed")``).
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Mapping
from typing import Any

try:
    from lightning.pytorch.loggers import Logger
    from lightning.pytorch.utilities import rank_zero_only
except ImportError:  # the older package name
    from pytorch_lightning.loggers import Logger  # type: ignore[assignment]
    from pytorch_lightning.utilities import rank_zero_only

from runnotes.integrations._run import Hooked


class RunnotesLogger(Hooked, Logger):
    @property
    def name(self) -> str:
        return self.hook.name or "runnotes"

    @property
    def version(self) -> str:
        return str(self.hook.run.id) if self.hook.run else ""

    @property
    def experiment(self) -> Any:
        """The :class:`runnotes.sdk.Run` (Lightning's name for a logger's native handle)."""
        return self.hook.start()

    @rank_zero_only
    def log_hyperparams(self, params: Mapping[str, Any] | Namespace, *args: Any, **kw: Any) -> None:
        self.hook.params(vars(params) if isinstance(params, Namespace) else params)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self.hook.metrics(metrics, step)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        self.hook.end("ok" if status in ("success", "finished") else "failed")
