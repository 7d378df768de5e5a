"""Hugging Face ``transformers``: ``Trainer(…, callbacks=[RunnotesCallback()])``, or
``TrainingArguments(report_to="runnotes")`` after :func:`register`.

Params: the ``TrainingArguments`` (every field that is set: learning rate, batch sizes, epochs,
scheduler, seed…) and the model's class and checkpoint name. Metrics: what the Trainer logs
(``loss``, ``learning_rate``, ``grad_norm``, ``eval_*``…) at its global step, with the fractional
``epoch`` it reports beside them. The run ends ``ok`` when training ends; the Trainer has no hook
for a failed run, so a crash is left to the SDK's exit handler (it ends the run ``failed``).

Checkpoints: the callback is one of the Trainer's stateful callbacks, so each checkpoint's
``trainer_state.json`` names the run that wrote it (id, name, start). ``trainer.train(
resume_from_checkpoint=…)`` from such a checkpoint links the new run to that one (``resume`` at
the checkpoint's global step, inferred), provided the run is in this store.
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback, trainer_callback

from runnotes.integrations._run import Hooked

# The Trainer saves the state() of these callbacks in each checkpoint (transformers 4.42+).
Exportable: Any = getattr(trainer_callback, "ExportableState", object)


class RunnotesCallback(Hooked, TrainerCallback, Exportable):
    def state(self) -> dict[str, Any]:
        """What the Trainer keeps in a checkpoint: how to make this callback again, and the run
        that wrote the checkpoint (None before training starts)."""
        hook = self.hook
        where = {"experiment": hook.experiment, "project": hook.project, "tags": hook.tags}
        written_by = hook.mark() if hook.run is not None else None
        return {"args": {"name": hook.name, **where}, "attributes": {"written_by": written_by}}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        kept = getattr(state, "stateful_callbacks", None)
        saved = kept.get(type(self).__name__) if isinstance(kept, dict) else None
        if isinstance(kept, dict) and saved is None and Exportable is not object:
            kept[type(self).__name__] = self.state()  # resumed from a checkpoint made without it
        if self.hook.name is None and args.run_name and args.run_name != args.output_dir:
            self.hook.name = args.run_name
        params = {k: v for k, v in args.to_dict().items() if "token" not in k}
        model = kwargs.get("model")
        if model is not None:
            params["model"] = type(model).__name__
            params["model.name_or_path"] = getattr(model, "name_or_path", None) or None
        self.hook.params(params)
        writer = saved.get("attributes", {}).get("written_by") if isinstance(saved, dict) else None
        if writer is not None and state.global_step > 0:  # resumed from a run's checkpoint
            self.hook.resumed("transformers", step=state.global_step, writer=writer)

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
