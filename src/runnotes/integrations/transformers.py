"""Hugging Face ``transformers``: ``Trainer(…, callbacks=[RunnotesCallback()])``, or
``TrainingArguments(report_to="runnotes")`` after :func:`register`.

Params: the ``TrainingArguments`` (every field that is set: learning rate, batch sizes, epochs,
scheduler, seed…) and the model's class and checkpoint name. Metrics: what the Trainer logs
(``loss``, ``learning_rate``, ``grad_norm``, ``eval_*``…) at its global step, with the fractional
``epoch`` it reports beside them. The run ends ``ok`` when training ends; the Trainer has no hook
for a failed run, so a crash is left to the SDK's exit handler (it ends the run ``failed``).
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

from runnotes.integrations._run import Hooked


class RunnotesCallback(Hooked, TrainerCallback):
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.hook.name is None and args.run_name and args.run_name != args.output_dir:
            self.hook.name = args.run_name
        params = {k: v for k, v in args.to_dict().items() if "token" not in k}
        model = kwargs.get("model")
        if model is not None:
            params["model"] = type(model).__name__
            params["model.name_or_path"] = getattr(model, "name_or_path", None) or None
        self.hook.params(params)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if state.is_world_process_zero and logs:
            self.hook.metrics(logs, state.global_step)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.hook.end("ok")


def register() -> None:
    """Make ``report_to="runnotes"`` work. transformers has no public way to add a reporting
    integration: this adds one to the table ``report_to`` is looked up in
    (``transformers.integrations.integration_utils.INTEGRATION_TO_CALLBACK``)."""
    from transformers.integrations import integration_utils

    integration_utils.INTEGRATION_TO_CALLBACK["runnotes"] = RunnotesCallback
