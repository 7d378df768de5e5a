"""XGBoost: ``xgb.train(…, callbacks=[RunnotesCallback()])`` (or an estimator's ``callbacks=``).

Params: the booster's configuration as XGBoost reports it (``save_config``: eta, max_depth,
objective, seed…, each under its own name). Metrics: each evaluation set's metrics, named as
XGBoost prints them (``train-rmse``, ``eval-logloss``), at the boosting round as the step; the
number of rounds trained is a param at the end. Status: ``ok`` when training returns (XGBoost
has no hook for a failed run: a crash is left to the SDK's exit handler, which ends it
``failed``).

Checkpoints: the trained booster gets an attribute ``runnotes_written_by`` (the run's id, name and
start), which ``save_model`` keeps in the file; training that continues a booster carrying it
(``xgb.train(…, xgb_model=…)``) links the new run to that one (``resume`` at the booster's round
count, inferred), provided the run is in this store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import xgboost

from runnotes.integrations._run import Hooked

MARK = "runnotes_written_by"  # the booster attribute naming the run that trained it


def _leaves(config: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in config.items():
        if isinstance(value, Mapping):
            yield from _leaves(value)
        elif not isinstance(value, list):
            yield key, value


class RunnotesCallback(Hooked, xgboost.callback.TrainingCallback):
    def before_training(self, model: xgboost.Booster) -> xgboost.Booster:
        mark = model.attr(MARK)
        if mark and model.num_boosted_rounds() > 0:  # continues a booster a run trained
            try:
                writer = json.loads(mark)
            except ValueError:
                writer = None
            self.hook.resumed("xgboost", step=model.num_boosted_rounds(), writer=writer)
        # The same name can sit in two sections (``name`` of the booster and of the objective):
        # the first one met is kept, as XGBoost's own parameter list names them once.
        params: dict[str, Any] = {}
        for key, value in _leaves(json.loads(model.save_config())):
            params.setdefault(key, value)
        self.hook.params(params)
        return model

    def after_iteration(
        self, model: xgboost.Booster, epoch: int, evals_log: dict[str, dict[str, list[Any]]]
    ) -> bool:
        values = {
            f"{data}-{metric}": history[-1]
            for data, metrics in evals_log.items()
            for metric, history in metrics.items()
        }
        if values:
            self.hook.metrics(values, epoch)
        return False

    def after_training(self, model: xgboost.Booster) -> xgboost.Booster:
        self.hook.params({"num_boosted_rounds": model.num_boosted_rounds()})
        mark = self.hook.mark()
        if mark is not None:
            model.set_attr(**{MARK: json.dumps(mark)})
        self.hook.end("ok")
        return model
