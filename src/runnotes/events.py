"""Events: what changed in the store, published after the commit, for whoever subscribes.

Writers (the SDK, the CLI, ``watch``, the agent, voice notes, the web page's review) publish an
event once their transaction is committed; they never call the parts that react to it.
Subscribers are pluggy plugins, the way Simon Willison's ``llm`` and datasette register their
own built-in features: the drafts (``runnotes.reports.drafts``) are one, loaded only when the
reports extra is installed, and other packages can add theirs through the ``runnotes``
entry-point group.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import logging
from functools import cache
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from runnotes.store.db import Store

hookspec = pluggy.HookspecMarker("runnotes")
hookimpl = pluggy.HookimplMarker("runnotes")
log = logging.getLogger(__name__)

# Built-in subscribers, each with the modules it needs: without them it is not loaded at all,
# so a short script in a base install does no draft work on its way out.
BUILTINS = {"runnotes.reports.drafts": ("docx", "matplotlib")}


class Events:
    """The events a subscriber can implement with ``@hookimpl`` (any subset of them)."""

    @hookspec
    def run_ended(self, store: Store, run_id: int) -> None:
        """A run ended (SDK, ``runnotes run end``, ``watch``, Jupyter)."""

    @hookspec
    def capture_added(self, store: Store, run_id: int, what: str) -> None:
        """Captures were committed on a run: ``what`` is ``like``, ``voice`` or ``note``."""

    @hookspec
    def review_changed(self, store: Store, run_id: int) -> None:
        """A capture of the run was approved, rejected or edited."""

    @hookspec
    def exiting(self) -> None:
        """The process is exiting: finish queued work (runs left open are ended by now)."""


@cache
def plugins() -> pluggy.PluginManager:
    """The subscribers, loaded once per process on the first event."""
    manager = pluggy.PluginManager("runnotes")
    manager.add_hookspecs(Events)
    for name, needs in BUILTINS.items():
        if all(importlib.util.find_spec(module) for module in needs):
            manager.register(importlib.import_module(name), name)
    manager.load_setuptools_entrypoints("runnotes")
    return manager


def publish(event: str, **payload: Any) -> None:
    """Tell every subscriber; one that fails is logged and never breaks the writer."""
    try:
        getattr(plugins().hook, event)(**payload)
    except Exception:
        log.exception("a subscriber to %s failed", event)


@atexit.register
def _exiting() -> None:
    # Registered when this module is first imported, before the SDK's own exit handler (which
    # ends runs left open), so it runs after it: atexit calls handlers last-in, first-out.
    if plugins.cache_info().currsize:  # nobody published anything: nothing to finish
        publish("exiting")
