"""Drafts that write themselves: a README per experiment and a progress report per week, kept
current as runs end, likes land, voice notes are transcribed and captures are reviewed.

This module is a subscriber to :mod:`runnotes.events` (run ended, captures added, review
changed): writers never call it. Refreshes run off the capture path: :func:`notify` only queues
the experiment, and a worker
thread renders after a short quiet period (``[drafts] debounce`` seconds), so a burst of 50 run
ends becomes a handful of refreshes.

A process never renders on its way out: what is still queued when it exits is written as a
request file (one per experiment in ``$RUNNOTES_HOME/draft-requests``) and a detached
``python -m runnotes.reports.drafts`` process renders it, unless one is already at work (it
looks again before it leaves). While ``runnotes agent`` runs, other processes hand their
requests to it the same way and the agent renders. ``runnotes serve`` hands every request to the
detached process at once (:func:`render_elsewhere`): its worker processes answer requests, and a
render on one of their threads takes the CPU (and the GIL) their requests need.

Refreshes are serialised across processes by a lock file (``$RUNNOTES_HOME/drafts.lock``): the
hash runnotes records is always of the file it just wrote, so concurrent writers are never taken
for hand edits. A draft someone edited by hand (its hash differs from the recorded one) is never
overwritten: the new version goes beside it as ``README.draft.md``.

Paths come from names only through :func:`path_part` (a slug), and every draft is checked to lie
inside its project's drafts folder after resolving: an experiment named ``../../x`` or ``/tmp/x``
cannot write elsewhere. Draft folders are created user-only (0700) and draft files are 0600.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runnotes.config import load_settings
from runnotes.errors import RunnotesError
from runnotes.events import hookimpl
from runnotes.pidfile import agent_pid_file, low_priority, running_pid
from runnotes.store.db import Store, open_store
from runnotes.store.folders import private_dir, warn_if_open
from runnotes.store.runs import experiment_of

if TYPE_CHECKING:  # the tables load where drafts are rendered or listed, not to queue a refresh
    from runnotes.store.models import Experiment

log = logging.getLogger(__name__)
TRIGGERS = ("run_end", "like", "voice", "note", "review", "manual")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DraftSettings:
    auto: bool
    root: Path
    project_dirs: dict[str, Path]
    week_start: int  # 0 = Monday
    debounce: float
    pace: float
    triggers: tuple[str, ...]
    template: Path | None
    progress_template: Path | None

    @classmethod
    def of(cls, store: Store) -> DraftSettings:
        cfg = store.settings.drafts
        return cls(
            auto=cfg.auto,
            root=cfg.root(store.settings.home),
            project_dirs={name: p.dir.expanduser() for name, p in cfg.projects.items()},
            week_start=_WEEKDAYS.index(cfg.week_start),
            debounce=cfg.debounce,
            pace=cfg.pace,
            triggers=(*cfg.triggers, "manual"),
            template=cfg.template.expanduser() if cfg.template else None,
            progress_template=cfg.progress_template.expanduser() if cfg.progress_template else None,
        )

    def project_dir(self, project: str) -> Path:
        """The project's drafts folder: configured, else a slug of its name under the root."""
        return self.project_dirs.get(project, self.root / path_part(project))

    def week(self, day: date) -> tuple[int, int, date]:
        """(year, week number, first day) of the week holding ``day``, weeks starting on
        ``week_start``; numbered like ISO weeks."""
        first = day - timedelta(days=(day.weekday() - self.week_start) % 7)
        year, week, _ = (first + timedelta(days=(0 - self.week_start) % 7)).isocalendar()
        return year, week, first


@dataclass
class DraftInfo:
    path: Path
    kind: str
    project: str
    experiment: str | None
    refreshed_at: float | None
    trigger: str | None
    edited: bool
    error: str | None

    @property
    def written(self) -> Path:
        """Where the newest version is: beside the file when the file was edited by hand."""
        return _beside(self.path) if self.edited else self.path


def path_part(name: str) -> str:
    """A file-name-safe form of a project or experiment name, one path component.

    Safe names stay as they are (``resnet-lr3e-4``); anything else (``/tmp/x``, ``../../x``, a
    name with spaces or control characters) is slugged and given a short hash of the name, so
    two names never share a folder."""
    part = re.sub(r"[^\w.-]+", "-", name).strip(".-")[:80]
    if part == name:
        return part
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{part}-{digest}" if part else digest


def _inside(folder: Path, path: Path) -> Path:
    """``path``, refused unless it resolves to somewhere inside ``folder``."""
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RunnotesError(f"draft path {path} is outside its drafts folder {folder}")
    return path


@contextmanager
def _locked(store: Store, name: str = "drafts.lock", wait: bool = True) -> Iterator[bool]:
    """Hold the cross-process lock ``$RUNNOTES_HOME/name``; yields False if ``wait`` is off and
    another process holds it."""
    home = private_dir(store.settings.home, "store folder")
    fd = os.open(home / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _beside(path: Path) -> Path:
    return path.with_name(f"{path.stem}.draft{path.suffix}")


def _record(store: Store, path: Path, **fields: Any) -> None:
    from runnotes.store.models import Draft

    with store.write() as session:
        row = session.get(Draft, str(path)) or Draft(
            path=str(path), kind=fields["kind"], project=fields["project"]
        )
        for key, value in fields.items():
            setattr(row, key, value)
        session.add(row)


def _destination(store: Store, target: Path) -> tuple[Path, bool]:
    """Write to ``target`` unless it was edited by hand since runnotes wrote it."""
    from runnotes.store.models import Draft

    with store.read() as session:
        row = session.get(Draft, str(target))
    current = _sha(target)
    edited = current is not None and (row is None or row.sha256 != current)
    return (_beside(target) if edited else target), edited


def _write(
    store: Store,
    target: Path,
    kind: str,
    project: str,
    experiment_id: int | None,
    trigger: str,
    render: Any,
) -> Path:
    out, edited = _destination(store, target)
    base = {
        "kind": kind,
        "project": project,
        "experiment_id": experiment_id,
        "trigger": trigger,
        "refreshed_at": time.time(),
    }
    from runnotes.reports.writers import NothingToReport

    try:
        private_dir(out.parent, "drafts folder")
        render(out)
    except NothingToReport:
        raise  # not a failure: nothing to write yet
    except Exception as exc:
        _record(store, target, **base, error=f"{type(exc).__name__}: {exc}")
        raise
    if edited:
        if out != target:
            log.warning("%s was edited by hand; the new draft is %s", target, out)
        _record(store, target, **base, edited=True, error=None)
    else:
        _record(store, target, **base, sha256=_sha(target), edited=False, error=None)
    return out


def refresh_experiment(store: Store, experiment_id: int, trigger: str = "manual") -> list[Path]:
    """Rewrite the experiment's README draft, its project's progress draft for this week and
    the experiment's spoken summary (holding the drafts lock: one refresh at a time across
    processes)."""
    with _locked(store):
        return _refresh(store, experiment_id, trigger)


def _refresh(store: Store, experiment_id: int, trigger: str) -> list[Path]:
    from runnotes.reports import write_progress, write_readme
    from runnotes.reports.writers import NothingToReport
    from runnotes.store.models import Experiment, Project

    cfg = DraftSettings.of(store)
    with store.read() as session:
        exp = session.get(Experiment, experiment_id)
        if exp is None:
            return []
        project = session.get(Project, exp.project_id).name  # type: ignore[union-attr]
    folder = cfg.project_dir(project)
    readme = _inside(folder, folder / path_part(exp.name) / "README.md")
    first = not readme.exists()
    private_dir(folder, "drafts folder")
    if first:  # the experiment's first draft: say, never change, who can read the folders
        for path, what in ((cfg.root, "drafts folder"), (folder, f"drafts folder of {project}")):
            warn_if_open(path, what)
    # Drafts quote the user's notes: files 0600, folders 0700, made so before they are published.
    written = [
        _write(
            store,
            readme,
            "readme",
            project,
            experiment_id,
            trigger,
            lambda out: write_readme(
                store, exp.name, out, project=project, template=cfg.template, private=True
            ),
        )
    ]
    year, week, first = cfg.week(date.today())  # type: ignore[assignment]
    since = datetime.combine(first, datetime.min.time()).timestamp()  # type: ignore[arg-type]
    until = since + 7 * 86400
    for suffix in (".md", ".docx"):
        target = folder / f"progress-{year}-W{week:02d}{suffix}"
        template = cfg.progress_template if suffix == ".md" else None
        render = partial(
            write_progress,
            store,
            since=since,
            until=until,
            project=project,
            template=template,
            private=True,
        )
        try:
            written.append(_write(store, target, "progress", project, None, trigger, render))
        except NothingToReport as exc:  # a note on an older experiment: no progress this week
            log.info("no progress draft for %s this week: %s", project, exc)
    return written + _refresh_listen(store, folder, exp, project, trigger)


def _refresh_listen(
    store: Store, folder: Path, exp: Experiment, project: str, trigger: str
) -> list[Path]:
    """The spoken summary beside the README (``[listen] drafts``), when a voice is installed;
    it is spoken again only when its script changed (see ``reports.listen.write_listen``)."""
    from runnotes.reports.listen import Subject, write_listen
    from runnotes.reports.speech import available

    if not store.settings.listen.drafts or not available(store.settings):
        return []
    subject = Subject(exp.id, exp.name, project)  # type: ignore[arg-type]
    target = _inside(folder, folder / path_part(exp.name) / "listen.wav")
    write = partial(write_listen, store, subject, background=True)
    return [_write(store, target, "listen", project, exp.id, trigger, write)]


def list_drafts(store: Store) -> list[DraftInfo]:
    from runnotes.store.experiments import drafts

    with store.read() as session:
        rows = drafts(session)
    return [
        DraftInfo(
            Path(d.path), d.kind, d.project, name, d.refreshed_at, d.trigger, d.edited, d.error
        )
        for d, name in rows
    ]


class Refresher:
    """Coalesces refresh requests per experiment and renders them on one worker thread.

    A refresh waits ``delay`` seconds of quiet, and at least ``pace`` times as long as the last
    one took: drafts take at most about a fifth of the time (pace 4) however busy the store is.
    On a team server under 16 clients the refreshes had taken half of the server's CPU (a
    README, two progress drafts and the spoken summary every few seconds)."""

    def __init__(self, store: Store, delay: float, pace: float = 0.0) -> None:
        self.store, self.delay, self.pace = store, delay, pace
        self.spent = 0.0  # seconds the last render took
        self.refreshes = 0
        self._pending: dict[int, str] = {}
        self._cond = threading.Condition()
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None
        self.elsewhere = False  # hand every request to the detached drainer (render_elsewhere)

    def request(self, experiment_id: int, trigger: str) -> None:
        if self.elsewhere:
            _hand_over(self.store, experiment_id, trigger)
            _start_drainer(self.store)
            return
        with self._cond:
            self._pending[experiment_id] = trigger
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="runnotes-drafts", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
            time.sleep(self.next_wait())  # let a burst of requests coalesce
            self.run_pending()

    def next_wait(self) -> float:
        """Seconds before the next render: the quiet period, paced by the last render's cost."""
        return max(self.delay, self.pace * self.spent)

    def run_pending(self) -> None:
        """Render everything queued now."""
        with self._busy:
            with self._cond:
                batch, self._pending = self._pending, {}
            self.render(batch)

    def hand_over(self) -> None:
        """At exit: leave what is queued to a detached process instead of rendering it here
        (a refresh already under way is let finish, so its record matches its file)."""
        with self._busy, self._cond:
            batch, self._pending = self._pending, {}
        for experiment_id, trigger in batch.items():
            _hand_over(self.store, experiment_id, trigger)
        if batch:
            _start_drainer(self.store)

    def render(self, batch: dict[int, str]) -> bool:
        """Refresh each experiment of ``batch`` here, unless another process is refreshing:
        then it is handed over (a request file and the detached drainer), never waited for, so
        no refresh (and no exit of this process) queues behind a slow one elsewhere. Returns
        whether any was handed over."""
        handed, started = False, time.monotonic()
        for experiment_id, trigger in batch.items():
            self.refreshes += 1
            try:
                with _locked(self.store, wait=False) as free:
                    if free:
                        _refresh(self.store, experiment_id, trigger)
                if not free:
                    _hand_over(self.store, experiment_id, trigger)
                    handed = True
            except Exception as exc:  # noqa: BLE001 - a draft must never break a capture
                # The reason is also kept on the draft (see `runnotes drafts`).
                log.warning("draft refresh failed (%s): %s", trigger, exc)
        self.spent = time.monotonic() - started
        if handed:
            _start_drainer(self.store)
        return handed


_refreshers: dict[int, Refresher] = {}


def refresher(store: Store) -> Refresher:
    key = id(store)
    if key not in _refreshers:
        cfg = DraftSettings.of(store)
        _refreshers[key] = Refresher(store, cfg.debounce, cfg.pace)
    return _refreshers[key]


def render_elsewhere(store: Store) -> None:
    """This process answers requests (a ``runnotes serve`` worker): the refreshes its changes to
    ``store`` queue are handed to the detached drainer, which renders below normal priority
    (``nice``) and paced as a refresher here would, instead of on a thread of this process."""
    refresher(store).elsewhere = True


def notify(store: Store, run_id: int, trigger: str) -> None:
    """Something changed on ``run_id``: queue its experiment's drafts (never raises).

    When an agent runs for this store folder, it does the refresh: the request is handed to it,
    so a short-lived CLI call or training script does not render drafts on its way out.
    """
    try:
        cfg = DraftSettings.of(store)
        if not cfg.auto or trigger not in cfg.triggers:
            return
        experiment_id = experiment_of(store, run_id)
        if experiment_id is None:
            return
        agent = running_pid(agent_pid_file(store.settings.home))
        if agent is not None and agent != os.getpid():
            _hand_over(store, experiment_id, trigger)
        else:
            refresher(store).request(experiment_id, trigger)
    except Exception as exc:  # noqa: BLE001 - a draft must never break a capture
        log.warning("cannot queue a draft refresh: %s", exc)


def _requests_dir(store: Store) -> Path:
    return store.settings.home / "draft-requests"


def _hand_over(store: Store, experiment_id: int, trigger: str) -> None:
    folder = private_dir(_requests_dir(store))
    tmp = folder / f".{experiment_id}.{os.getpid()}"
    tmp.write_text(trigger)
    os.replace(tmp, folder / str(experiment_id))


def serve_requests(store: Store, interval: float = 1.0) -> threading.Event:
    """In the agent: take the refresh requests other processes hand over (see :func:`notify`).

    Returns the event that stops the watcher thread. Requests left from before are taken first.
    """
    stop = threading.Event()

    def loop() -> None:
        while True:
            for experiment_id, trigger in _take_requests(store).items():
                refresher(store).request(experiment_id, trigger)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name="runnotes-draft-requests", daemon=True).start()
    return stop


def flush_pending() -> None:
    """Hand whatever is still queued to a detached process; runs at interpreter exit."""
    for pending in list(_refreshers.values()):
        pending.hand_over()


def _take_requests(store: Store) -> dict[int, str]:
    folder = _requests_dir(store)
    batch: dict[int, str] = {}
    for request in sorted(folder.glob("[0-9]*")) if folder.exists() else []:
        try:
            batch[int(request.name)] = request.read_text().strip() or "manual"
            request.unlink()
        except (OSError, ValueError):
            continue
    return batch


def _start_drainer(store: Store) -> None:
    """Start ``python -m runnotes.reports.drafts`` detached, unless one is at work already (it
    looks at the requests again after it stops being the drainer, so none is left behind)."""
    with _locked(store, "drafts-drainer.lock", wait=False) as free:
        if not free:
            return
    settings = store.settings
    env = {
        **os.environ,
        "RUNNOTES_HOME": str(settings.home),
        "RUNNOTES_DB": settings.db_url,
        "RUNNOTES_MEDIA": str(settings.media_dir),
    }
    log = os.open(settings.home / "drafts.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        subprocess.Popen(
            low_priority([sys.executable, "-m", "runnotes.reports.drafts"]),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        os.close(log)


def drain(store: Store) -> None:
    """Render the handed-over requests until none are left (the detached drainer's work)."""
    while True:
        with _locked(store, "drafts-drainer.lock"):  # waits for a drainer still at work
            drainer = Refresher(store, 0, DraftSettings.of(store).pace)
            while batch := _take_requests(store):
                if drainer.render(batch):  # another process is refreshing:
                    with _locked(store):  # the drainer, detached, waits for it (never spins)
                        pass
                time.sleep(drainer.next_wait())  # requests made meanwhile coalesce
        if not _requests_dir(store).exists() or not any(_requests_dir(store).glob("[0-9]*")):
            return  # a request made while we held the lock is seen here


def idle(store: Store) -> bool:
    """No refresh handed over and none running: the drafts are as current as they will get."""
    folder = _requests_dir(store)
    if folder.exists() and any(folder.glob("[0-9]*")):
        return False
    with _locked(store, "drafts-drainer.lock", wait=False) as free:
        if not free:
            return False
    with _locked(store, wait=False) as free:
        return free


def wait_idle(store: Store, timeout: float = 120.0) -> bool:
    """Wait until :func:`idle` (tests, ``runnotes doctor``); False if it did not happen in time."""
    deadline = time.monotonic() + timeout
    while not idle(store):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# -- the events this module subscribes to (see runnotes.events) -------------------------------


@hookimpl
def run_ended(store: Store, run_id: int) -> None:
    notify(store, run_id, "run_end")


@hookimpl
def capture_added(store: Store, run_id: int, what: str) -> None:
    if what in TRIGGERS:
        notify(store, run_id, what)


@hookimpl
def output_read(store: Store, run_id: int) -> None:
    notify(store, run_id, "run_end")  # the run's end, now with every value it printed


@hookimpl
def review_changed(store: Store, run_id: int) -> None:
    notify(store, run_id, "review")


@hookimpl
def exiting() -> None:
    flush_pending()


if __name__ == "__main__":  # the detached drainer (see _start_drainer)
    drain(open_store(load_settings()))
