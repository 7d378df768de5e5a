"""PyTorch Lightning: ``Trainer(logger=RunnotesLogger())`` (``lightning`` or ``pytorch_lightning``).

Params: what the module saves with ``self.save_hyperparameters()`` (and the datamodule's), as
Lightning hands them to every logger. Metrics: whatever ``self.log`` records, at Lightning's
global step, with the ``epoch`` Lightning adds. Status: ``ok`` when ``fit`` ends, ``failed`` when
it raises or is interrupted (Lightning's ``finalize("failed")``).

Checkpoints: each one ``ModelCheckpoint`` saves is recorded on the run (path and state, no copy);
``trainer.fit(ckpt_path=…)`` from a checkpoint a run recorded, unchanged since, links the new run
to that one (``resume`` at the checkpoint's global step, inferred, with the evidence).
"""

from __future__ import annotations

import os
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
    def log_graph(self, model: Any, input_array: Any = None) -> None:
        """Called as ``fit`` starts, once the checkpoint to resume from (if any) is loaded."""
        trainer = getattr(model, "_trainer", None)
        path = getattr(trainer, "ckpt_path", None)
        if path and os.path.exists(path):
            # the loaded checkpoint's own step; the trainer's is restored only after this call
            loaded = getattr(
                getattr(trainer, "_checkpoint_connector", None), "_loaded_checkpoint", None
            )
            step = loaded.get("global_step") if isinstance(loaded, dict) else None
            self.hook.resumed("lightning", step=step if isinstance(step, int) else None, path=path)

    @rank_zero_only
    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        path = getattr(checkpoint_callback, "_last_checkpoint_saved", None)
        path = path or getattr(checkpoint_callback, "last_model_path", None)
        if path:
            self.hook.wrote(path)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self.hook.metrics(metrics, step)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        self.hook.end("ok" if status in ("success", "finished") else "failed")
