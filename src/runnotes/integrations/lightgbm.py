"""LightGBM: ``lgb.train(…, callbacks=[runnotes_callback()])``.

Params: the parameters LightGBM trains with (``env.params``: objective, learning_rate,
num_leaves…). Metrics: each validation set's metrics as ``<set>-<metric>`` (``valid_0-l2``) at the
boosting round as the step. Status: ``ok`` after the last round. LightGBM calls callbacks only
between rounds: when early stopping (or an error) ends training before the last round, a run the
callback started is ended by the SDK's exit handler instead (``ok``, or ``failed`` after an
uncaught error), or by the ``with runnotes.start_run(…)`` block around the training.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from runnotes.integrations._run import HookRun


def runnotes_callback(
    name: str | None = None,
    *,
    experiment: str | None = None,
    project: str | None = None,
    tags: Iterable[str] = (),
) -> Callable[[Any], None]:
    hook = HookRun(name, experiment=experiment, project=project, tags=tags)

    def callback(env: Any) -> None:
        if env.iteration == env.begin_iteration:
            hook.params(env.params)
        values = {
            f"{data}-{metric}": value for data, metric, value, *_ in env.evaluation_result_list
        }
        hook.metrics(values, env.iteration)
        if env.iteration + 1 >= env.end_iteration:
            hook.end("ok")

    callback.order = 20  # type: ignore[attr-defined]  # before early stopping (30) raises
    return callback
