"""Events: what changed in the store, published after the commit, for whoever subscribes.

An event is a typed value (:class:`RunEnded`, :class:`CapturesAdded`, :class:`ReviewChanged`,
:class:`OutputRead`).
The store's write functions :func:`queue` it on their transaction, and ``Store.write`` publishes
what was queued once the transaction has committed — as datasette's ``execute_write_fn`` runs
work after the write — so every shell (CLI, SDK, ``watch``, the agent, the web page, a team
server) announces the same change the same way, and none can announce one that was rolled back.
Writers never call the parts that react to it. Subscribers are pluggy plugins, the way Simon
Willison's ``llm`` and datasette register their own built-in features: the drafts
(``runnotes.reports.drafts``) are one, loaded only when the reports extra is installed, and other
packages can add theirs through the ``runnotes`` entry-point group.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

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
        """Captures were committed on a run: ``what`` is the kind that matters most among them
        (``like``, ``voice``, ``note``, ``param``, …; see :class:`CapturesAdded`)."""

    @hookspec
    def output_read(self, store: Store, run_id: int) -> None:
        """A watched command's output was read to its end after its run ended (``watch``
        stopped waiting for its reader): the run's values are complete now."""

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


@dataclass(frozen=True)
class RunEnded:
    """A run ended (SDK, ``runnotes run end``, ``watch``, Jupyter, a team server's ``/end``)."""

    run_id: int
    hook: ClassVar[str] = "run_ended"


@dataclass(frozen=True)
class CapturesAdded:
    """Captures were committed on a run; ``what`` is the kind that matters most among them."""

    run_id: int
    what: str
    hook: ClassVar[str] = "capture_added"

    # Kinds a reader notices first: the drafts refresh for some of them (``[drafts] triggers``).
    ORDER: ClassVar[tuple[str, ...]] = ("like", "voice", "note", "dataset", "param")

    @classmethod
    def of(cls, run_id: int, kinds: Iterable[str]) -> CapturesAdded:
        present = set(kinds)
        what = next((k for k in cls.ORDER if k in present), min(present, default="value"))
        return cls(run_id, what)


@dataclass(frozen=True)
class ReviewChanged:
    """A capture of the run was approved, rejected or edited."""

    run_id: int
    hook: ClassVar[str] = "review_changed"


@dataclass(frozen=True)
class OutputRead:
    """The reader of a watched command's output stored its last values after the run ended."""

    run_id: int
    hook: ClassVar[str] = "output_read"


Event = RunEnded | CapturesAdded | ReviewChanged | OutputRead
_QUEUED = "runnotes.events"  # key of the events queued on a session's or connection's ``info``


def queue(info_holder: Any, event: Event) -> None:
    """Queue ``event`` on a write in progress (a Session or Connection): published after commit."""
    info_holder.info.setdefault(_QUEUED, []).append(event)


def publish_queued(store: Store, info_holder: Any) -> None:
    """Publish, once each and in order, the events queued on a write that has committed."""
    for event in dict.fromkeys(info_holder.info.pop(_QUEUED, ())):
        publish(store, event)


def discard_queued(info_holder: Any) -> None:
    """Forget the events of a write that rolled back."""
    info_holder.info.pop(_QUEUED, None)


def publish(store: Store, event: Event) -> None:
    """Tell every subscriber of ``event``'s kind (the write is committed by now)."""
    if not isinstance(event, Event):
        raise TypeError(f"not an event: {event!r} (use one of the classes of Event)")
    _call(event.hook, store=store, **asdict(event))


def _call(hook: str, **payload: Any) -> None:
    """Each subscriber in turn; one that fails is logged, and the others are still called
    (pluggy's own call stops at the first exception)."""
    for impl in reversed(getattr(plugins().hook, hook).get_hookimpls()):
        try:
            impl.function(*(payload[name] for name in impl.argnames))
        except Exception:
            log.exception("%s: a subscriber to %s failed", impl.plugin_name, hook)


@atexit.register
def exiting() -> None:
    """Subscribers finish what they do (a draft being refreshed) before the process ends: at
    exit, and in a forked reader before its ``os._exit`` (which runs no exit handler)."""
    # Registered when this module is first imported, before the SDK's own exit handler (which
    # ends runs left open), so it runs after it: atexit calls handlers last-in, first-out.
    if plugins.cache_info().currsize:  # nobody published anything: nothing to finish
        _call("exiting")
