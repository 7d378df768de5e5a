"""Keras 3: ``model.fit(…, callbacks=[RunnotesCallback()])``.

Params: ``fit``'s own (epochs, steps per epoch, batch size where Keras knows it), the optimizer's
config (learning rate, its name…) and the model's name and parameter count. Metrics: every
epoch's logs (``loss``, ``val_loss``, ``accuracy``…) at the step of the last batch seen, with
``epoch`` (counted from 1) beside them, and with ``log_every_n_batches`` also batch values. The
run ends ``ok`` when ``fit`` returns; Keras has no hook for a failed ``fit``, so a crash is left
to the SDK's exit handler (it ends the run ``failed``).

Checkpoints: Keras tells a callback neither which file ``load_weights`` read nor what
``ModelCheckpoint`` wrote, so both are said: ``checkpoint=PATH`` (the file the run's
``ModelCheckpoint`` writes, recorded with its state when ``fit`` ends) and ``resumed_from=PATH``
(the file the weights were loaded from). A run resumed from a file a run recorded, unchanged
since, is linked to that run (``resume``, inferred); else it stays unlinked.
"""

from __future__ import annotations

import os
from typing import Any

import keras

from runnotes.integrations._run import Hooked


class RunnotesCallback(Hooked, keras.callbacks.Callback):
    def __init__(
        self,
        name: str | None = None,
        *,
        log_every_n_batches: int = 0,
        checkpoint: str | os.PathLike[str] | None = None,
        resumed_from: str | os.PathLike[str] | None = None,
        **where: Any,
    ) -> None:
        super().__init__(name, **where)
        self.every = log_every_n_batches
        self.step = 0
        self.checkpoint, self.resumed_from = checkpoint, resumed_from

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        model = self.model
        params: dict[str, Any] = dict(self.params or {})
        params.pop("verbose", None)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            params["optimizer"] = optimizer.get_config()
        params["model"] = model.name
        params["model.params"] = model.count_params()
        self.hook.params(params)
        if self.resumed_from is not None:
            self.hook.resumed(
                "keras", step=self.params.get("initial_epoch"), path=self.resumed_from
            )

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.step += 1
        if self.every and self.step % self.every == 0 and logs:
            self.hook.metrics({f"batch/{k}": v for k, v in logs.items()}, self.step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.hook.metrics({**(logs or {}), "epoch": epoch + 1}, self.step)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.checkpoint is not None and os.path.exists(self.checkpoint):
            self.hook.wrote(self.checkpoint)
        self.hook.end("ok")
