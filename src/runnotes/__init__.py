"""runnotes: local-first experiment notes for ML engineers.

``import runnotes`` is cheap: the SDK is loaded on first use, so ``runnotes --help`` and scripts
that only import the package stay fast.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__version__ = "0.1.0"

_SDK_NAMES = {
    "start_run",
    "current_run",
    "Run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "like",
    "note",
    "dataset",
    "artifact",
    "set_goal",
    "get_store",
}


# ``import runnotes as wandb``: W&B's calls, from runnotes.wandb_style (``runnotes.config`` is the
# package property below, since a settings submodule has that name too).
_WANDB_NAMES = {"init", "log", "finish", "define_metric", "watch", "login", "save", "log_artifact"}
_WANDB_NAMES |= {"Image", "Table", "Histogram", "Audio", "Video", "Html", "Artifact", "Api"}


def __getattr__(name: str) -> Any:
    if name in _SDK_NAMES:
        from runnotes import sdk

        return getattr(sdk, name)
    if name in _WANDB_NAMES:
        from runnotes import wandb_style

        return getattr(wandb_style, name)
    if name == "run":  # like ``wandb.run``: the run ``init`` started, else None
        from runnotes import wandb_style

        return wandb_style._current
    if name == "summary":
        from runnotes import wandb_style

        return wandb_style.current().summary
    raise AttributeError(f"module 'runnotes' has no attribute {name!r}")


class _Package(types.ModuleType):
    """The package's module type, so that ``runnotes.config`` can be W&B's config and
    ``runnotes.watch`` W&B's ``watch()``.

    Importing the ``runnotes.config`` settings module sets the package attribute ``config``; this
    property keeps that module aside and answers with :class:`runnotes.wandb_style.ConfigProxy`,
    which still resolves the settings module's own names. Likewise importing ``runnotes.watch``
    (the ``runnotes watch`` command) would put that module where the function was.
    """

    @property
    def watch(self) -> Any:
        from runnotes import wandb_style

        return wandb_style.watch

    @watch.setter
    def watch(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("runnotes.watch is W&B's watch(); it cannot be replaced")

    @property
    def config(self) -> Any:
        from runnotes import wandb_style

        return wandb_style.ConfigProxy(sys.modules["runnotes.config"])

    @config.setter
    def config(self, value: Any) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("set config keys through runnotes.config.update({...})")


sys.modules[__name__].__class__ = _Package


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext runnotes``: the notebook magics, imported only when a notebook asks."""
    from runnotes.interop.jupyter import load_ipython_extension as load

    load(ipython)


__all__ = sorted(_SDK_NAMES | _WANDB_NAMES)
