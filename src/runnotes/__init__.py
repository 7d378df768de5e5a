"""runnotes: local-first experiment notes for ML engineers.

``import runnotes`` is cheap: the SDK is loaded on first use, so ``runnotes --help`` and scripts
that only import the package stay fast.
"""

from __future__ import annotations

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
    "get_store",
}


def __getattr__(name: str) -> Any:
    if name in _SDK_NAMES:
        from runnotes import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'runnotes' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext runnotes``: the notebook magics, imported only when a notebook asks."""
    from runnotes.interop.jupyter import load_ipython_extension as load

    load(ipython)


__all__ = sorted(_SDK_NAMES)
