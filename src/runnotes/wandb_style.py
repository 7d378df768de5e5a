"""The W&B-style calls: ``import runnotes as wandb`` runs a typical ``wandb`` script unchanged.

``init`` / ``log`` / ``config`` / ``summary`` / ``finish`` (and ``run``, ``define_metric``,
``watch``) are a thin layer over :mod:`runnotes.sdk`: a W&B project is a runnotes project, its
``group`` the experiment, ``config`` keys are params, logged numbers are metric values with W&B's
step rules, ``notes`` a note, and the end status comes from ``finish(exit_code=…)`` or from how
the process ended. What W&B records that has no runnotes counterpart (media objects, tables,
histograms, artifacts, sweeps, alerts) is not stored: a one-line warning names the key instead of
failing the script, because a training script that crashes on its logging is worse than a gap.
So ``login()`` is accepted (there is no account), and ``Image``, ``Table``, ``Histogram``,
``Audio``, ``Video``, ``Html``, ``Artifact`` can be built as W&B's quickstarts build them; ``save``
and ``log_artifact`` warn once. ``Api`` (W&B's servers) says in one line what to use instead.
"""

from __future__ import annotations

import argparse
import logging
import types
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from runnotes import sdk
from runnotes.errors import RunnotesError
from runnotes.services.runs import CTRL_C_EXIT, status_of
from runnotes.store.models import Kind, Review
from runnotes.store.runs import NewCapture
from runnotes.values import flatten, scalar

log_ = logging.getLogger(__name__)

_current: WandbRun | None = None


def _as_mapping(values: Any) -> Mapping[str, Any]:
    """``config=`` may be a dict, an ``argparse.Namespace`` or anything with ``__dict__``."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return values
    if isinstance(values, argparse.Namespace) or hasattr(values, "__dict__"):
        return vars(values)
    raise RunnotesError(f"config must be a dict or a namespace, not {type(values).__name__}")


class _Skipped:
    """Warns once per key about a value runnotes cannot store (an image, a table, a string)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, what: str, key: str, value: Any) -> None:
        if key not in self.seen:
            self.seen.add(key)
            log_.warning(
                "runnotes: %s %r is a %s, not a number: not recorded",
                what,
                key,
                type(value).__name__,
            )


class Config(MutableMapping[str, Any]):
    """``wandb.config``: a dict that also reads and writes as attributes; every key set is
    recorded as a param of the run (committed before the call returns)."""

    def __init__(self, run: sdk.Run) -> None:
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_values", {})

    def update(self, values: Any = None, allow_val_change: bool = True, **more: Any) -> None:  # type: ignore[override]
        flat = dict(flatten({**_as_mapping(values), **more}))
        if flat:
            self._values.update(flat)
            self._run.log_params(flat)

    def setdefaults(self, values: Mapping[str, Any]) -> None:
        self.update({k: v for k, v in values.items() if k not in self._values})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        raise RunnotesError("a recorded config value cannot be removed from the run")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __repr__(self) -> str:
        return repr(self._values)


class Summary(MutableMapping[str, Any]):
    """``run.summary``: each metric's last logged value, unless set by hand; a value set by hand
    is stored as the run's latest value of that metric (so lists and reports show it)."""

    def __init__(self, run: WandbRun) -> None:
        self._run = run
        self._values: dict[str, Any] = {}

    def update(self, values: Any = None, **more: Any) -> None:  # type: ignore[override]
        captures = []
        for key, value in flatten({**(values or {}), **more}):
            number = scalar(value)
            if number is None:
                self._run.skipped("summary", key, value)
                continue
            self._values[key] = value
            captures.append(
                NewCapture(
                    kind=Kind.metric,
                    source=self._run.run.source,
                    name=key,
                    value=number,
                    text=str(value),
                    review=Review.approved,
                    extra={"summary": True},
                )
            )
        if captures:
            self._run.run.flush()  # logged values first: the summary must come out latest
            self._run.run.capture(*captures)

    def __getitem__(self, key: str) -> Any:
        if key in self._values:
            return self._values[key]
        return self._run.last[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        raise RunnotesError("a recorded summary value cannot be removed from the run")

    def __iter__(self) -> Iterator[str]:
        return iter({**self._run.last, **self._values})

    def __len__(self) -> int:
        return len({**self._run.last, **self._values})

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class WandbRun:
    """What ``init`` returns: W&B's run methods over one :class:`runnotes.sdk.Run`."""

    def __init__(self, run: sdk.Run, project: str | None, group: str | None) -> None:
        self.run = run
        self.project = project
        self.group = group
        self.step = 0
        self.last: dict[str, Any] = {}
        self.skipped = _Skipped()
        self.config = Config(run)
        self.summary = Summary(self)
        self.finished = False

    @property
    def id(self) -> str:
        return str(self.run.id)

    @property
    def name(self) -> str:
        return self.run.name

    @property
    def url(self) -> None:
        return None  # nothing is uploaded; `runnotes serve` shows the run

    def log(
        self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        """W&B's step rules: each call is one step unless ``commit=False``; an explicit ``step``
        is used as given, and one lower than the current step is dropped with a warning."""
        if step is not None:
            if step < self.step:
                log_.warning(
                    "runnotes: step %s is lower than the current step %s: values not recorded",
                    step,
                    self.step,
                )
                return
            self.step = int(step)
        for key, value in flatten(data):
            number = scalar(value)
            if number is None:
                self.skipped("value", key, value)
                continue
            self.last[key] = value
            self.run.log_metric(key, number, self.step)
        if commit or (commit is None and step is None):
            self.step += 1

    def define_metric(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Accepted so scripts run; runnotes keeps every step of every metric already."""

    def log_artifact(self, artifact: Any, *args: Any, **kwargs: Any) -> None:
        log_artifact(artifact)

    def watch(self, *args: Any, **kwargs: Any) -> None:
        """Accepted so scripts run; gradients and parameter histograms are not recorded."""

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """End the run: ``ok``, or ``failed`` with a non-zero ``exit_code`` (as W&B marks it)."""
        self._end(exit_code or 0)

    def _end(self, exit_code: int) -> None:
        global _current
        if not self.finished:
            self.finished = True
            self.run.end(status_of(exit_code), exit_code)
        if _current is self:
            _current = None

    def __enter__(self) -> WandbRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: Any) -> None:
        if exc_type is None:
            self._end(0)
        else:
            self._end(CTRL_C_EXIT if issubclass(exc_type, KeyboardInterrupt) else 1)

    def __repr__(self) -> str:
        return f"<runnotes wandb-style run {self.id} {self.name!r}>"


def init(
    project: str | None = None,
    name: str | None = None,
    config: Any = None,
    tags: list[str] | tuple[str, ...] | None = None,
    notes: str | None = None,
    group: str | None = None,
    job_type: str | None = None,
    reinit: Any = None,
    **ignored: Any,
) -> WandbRun:
    """Start a run as ``wandb.init`` does; a run this process started before is finished first
    (W&B's ``reinit`` default in scripts). ``entity``, ``mode``, ``dir``, ``id``, ``resume``,
    ``settings``… are accepted and ignored: everything is recorded locally, once."""
    global _current
    if _current is not None:
        _current.finish()
    all_tags = [*(tags or ()), *([f"job_type={job_type}"] if job_type else [])]
    run = sdk.start_run(name, experiment=group, project=project, tags=all_tags)
    sdk.watch_exit_codes()  # a script that exits non-zero ends its run failed, as in W&B
    _current = WandbRun(run, project, group)
    if config is not None:
        _current.config.update(config)
    if notes:
        run.note(notes)
    return _current


def login(*args: Any, **kwargs: Any) -> bool:
    """Accepted so W&B's quickstart runs: there is no account, everything is recorded locally."""
    return True


class _Media:
    """A W&B media or data object: built as a script builds it, never stored (logging one
    warns once per key: it is not a number)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __repr__(self) -> str:
        return f"<runnotes: {type(self).__name__} (not recorded)>"


class Image(_Media):
    pass


class Histogram(_Media):
    pass


class Audio(_Media):
    pass


class Video(_Media):
    pass


class Html(_Media):
    pass


class Table(_Media):
    """``wandb.Table``: rows can be added; the table is not recorded."""

    def add_data(self, *row: Any) -> None:
        """Accepted; the row is not kept."""

    def add_column(self, name: str, data: Any, **kwargs: Any) -> None:
        """Accepted; the column is not kept."""


class Artifact(_Media):
    """``wandb.Artifact``: files can be added; logging it records nothing (a warning says so;
    ``runnotes.artifact`` records a file on the run)."""

    def add_file(self, *args: Any, **kwargs: Any) -> None:
        """Accepted; the file is not copied."""

    def add_dir(self, *args: Any, **kwargs: Any) -> None:
        """Accepted; the folder is not copied."""

    def add_reference(self, *args: Any, **kwargs: Any) -> None:
        """Accepted; the reference is not kept."""


_warned: set[str] = set()


def _warn_once(what: str, advice: str) -> None:
    if what not in _warned:
        _warned.add(what)
        log_.warning("runnotes: %s is not recorded; %s", what, advice)


def save(*args: Any, **kwargs: Any) -> list[str]:
    """``wandb.save``: nothing is uploaded; files stay where they are."""
    _warn_once("wandb.save", "files stay where they are (runnotes.artifact records one on the run)")
    return []


def log_artifact(artifact: Any, *args: Any, **kwargs: Any) -> None:
    _warn_once("log_artifact", "runnotes.artifact(path) records a file on the run")


class Api:
    """``wandb.Api``: W&B's servers. It can be made; using it says what reads runs here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise RunnotesError(
            f"wandb.Api().{name} reads W&B's servers; here the runs are local: "
            "`runnotes runs list --json` or runnotes.get_store()"
        )


def current() -> WandbRun:
    if _current is None:
        raise RunnotesError("no run: call runnotes.init() first")
    return _current


def log(data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    current().log(data, step=step, commit=commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    if _current is not None:
        _current.finish(exit_code)


def define_metric(name: str, *args: Any, **kwargs: Any) -> None:
    current().define_metric(name, *args, **kwargs)


def watch(*args: Any, **kwargs: Any) -> None:
    current().watch(*args, **kwargs)


class ConfigProxy:
    """``runnotes.config``: the current run's :class:`Config`.

    ``runnotes.config`` is also the name of the settings module; the package attribute answers
    with this proxy, and names the settings module defines (``load_settings``…) still resolve to
    it when no config key has that name, so both ``wandb.config.lr`` and code that reaches the
    settings module through the package keep working.
    """

    def __init__(self, module: types.ModuleType) -> None:
        object.__setattr__(self, "_module", module)

    def _config(self) -> Config:
        return current().config

    def __getattr__(self, key: str) -> Any:
        if _current is not None and key in _current.config:
            return _current.config[key]
        if hasattr(self._module, key):
            return getattr(self._module, key)
        return getattr(self._config(), key)

    def __setattr__(self, key: str, value: Any) -> None:
        self._config()[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._config()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._config()[key] = value

    def __contains__(self, key: object) -> bool:
        return _current is not None and key in _current.config

    def __iter__(self) -> Iterator[str]:
        return iter(self._config())

    def __len__(self) -> int:
        return len(self._config())

    def __repr__(self) -> str:
        return repr(self._config()) if _current is not None else "<runnotes.config: no run>"
