"""Drafts that write themselves: a README per experiment and a progress report per week, kept
current as runs end, likes land, voice notes are transcribed and captures are reviewed.

This module is a subscriber to :mod:`runnotes.events` (run ended, captures added, review
changed): writers never call it. Refreshes run off the capture path: :func:`notify` only queues
the experiment, and a worker
thread renders after a short quiet period (``[drafts] debounce`` seconds), so a burst of 50 run
ends becomes a handful of refreshes. Whatever is still queued when the process exits is rendered
then. While ``runnotes agent`` runs, other processes hand their requests to it (a file per
experiment in ``$RUNNOTES_HOME/draft-requests``) and the agent renders. A draft someone edited
by hand (its hash differs from the one recorded when runnotes wrote it) is never overwritten:
the new version goes beside it as ``README.draft.md``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from runnotes.events import hookimpl
from runnotes.pidfile import agent_pid_file, running_pid
from runnotes.store.db import Store
from runnotes.store.media import private_dir
from runnotes.store.models import Draft, Experiment, Project, Run

TRIGGERS = ("run_end", "like", "voice", "review", "manual")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DraftSettings:
    auto: bool
    root: Path
    project_dirs: dict[str, Path]
    week_start: int  # 0 = Monday
    debounce: float
    triggers: tuple[str, ...]
    template: Path | None
    progress_template: Path | None

    @classmethod
    def of(cls, store: Store) -> DraftSettings:
        cfg = store.settings.section("drafts")
        projects = cfg.get("projects", {}) if isinstance(cfg.get("projects"), dict) else {}
        week_start = str(cfg.get("week_start", "monday")).lower()
        if week_start not in _WEEKDAYS:
            week_start = "monday"
        triggers = cfg.get("triggers", TRIGGERS)
        if isinstance(triggers, str):
            triggers = [t.strip() for t in triggers.split(",")]
        return cls(
            auto=bool(cfg.get("auto", True)),
            root=Path(cfg.get("dir") or store.settings.home / "drafts").expanduser(),
            project_dirs={
                name: Path(v["dir"]).expanduser()
                for name, v in projects.items()
                if isinstance(v, dict) and v.get("dir")
            },
            week_start=_WEEKDAYS.index(week_start),
            debounce=float(cfg.get("debounce", 3.0)),
            triggers=(*triggers, "manual"),
            template=Path(cfg["template"]).expanduser() if cfg.get("template") else None,
            progress_template=(
                Path(cfg["progress_template"]).expanduser()
                if cfg.get("progress_template")
                else None
            ),
        )

    def project_dir(self, project: str) -> Path:
        return self.project_dirs.get(project, self.root / project)

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


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _beside(path: Path) -> Path:
    return path.with_name(f"{path.stem}.draft{path.suffix}")


def _record(store: Store, path: Path, **fields: Any) -> None:
    with store.write() as session:
        row = session.get(Draft, str(path)) or Draft(
            path=str(path), kind=fields["kind"], project=fields["project"]
        )
        for key, value in fields.items():
            setattr(row, key, value)
        session.add(row)


def _destination(store: Store, target: Path) -> tuple[Path, bool]:
    """Write to ``target`` unless it was edited by hand since runnotes wrote it."""
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
    try:
        render(out)
    except Exception as exc:
        _record(store, target, **base, error=f"{type(exc).__name__}: {exc}")
        raise
    if edited:
        if out != target:
            print(f"runnotes: {target} was edited by hand; the new draft is {out}", file=sys.stderr)
        _record(store, target, **base, edited=True, error=None)
    else:
        _record(store, target, **base, sha256=_sha(target), edited=False, error=None)
    return out


def refresh_experiment(store: Store, experiment_id: int, trigger: str = "manual") -> list[Path]:
    """Rewrite the experiment's README draft and its project's progress draft for this week."""
    from runnotes.reports import write_progress, write_readme

    cfg = DraftSettings.of(store)
    with store.read() as session:
        exp = session.get(Experiment, experiment_id)
        if exp is None:
            return []
        project = session.get(Project, exp.project_id).name  # type: ignore[union-attr]
    folder = cfg.project_dir(project)
    written = [
        _write(
            store,
            folder / exp.name / "README.md",
            "readme",
            project,
            experiment_id,
            trigger,
            lambda out: write_readme(store, exp.name, out, project=project, template=cfg.template),
        )
    ]
    year, week, first = cfg.week(date.today())
    since = datetime.combine(first, datetime.min.time()).timestamp()
    until = since + 7 * 86400
    for suffix in (".md", ".docx"):
        target = folder / f"progress-{year}-W{week:02d}{suffix}"
        template = cfg.progress_template if suffix == ".md" else None
        written.append(
            _write(
                store,
                target,
                "progress",
                project,
                None,
                trigger,
                lambda out, t=template: write_progress(
                    store, out, since=since, until=until, project=project, template=t
                ),
            )
        )
    return written


def list_drafts(store: Store) -> list[DraftInfo]:
    with store.read() as session:
        rows = session.exec(
            select(Draft, Experiment.name).join(Experiment, isouter=True).order_by(Draft.path)
        ).all()
    return [
        DraftInfo(
            Path(d.path), d.kind, d.project, name, d.refreshed_at, d.trigger, d.edited, d.error
        )
        for d, name in rows
    ]


class Refresher:
    """Coalesces refresh requests per experiment and renders them on one worker thread."""

    def __init__(self, store: Store, delay: float) -> None:
        self.store, self.delay = store, delay
        self.refreshes = 0
        self._pending: dict[int, str] = {}
        self._cond = threading.Condition()
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self, experiment_id: int, trigger: str) -> None:
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
            time.sleep(self.delay)  # let a burst of requests coalesce
            self.run_pending()

    def run_pending(self) -> None:
        """Render everything queued now (also called at exit, after the worker's last batch)."""
        with self._busy:
            with self._cond:
                batch, self._pending = self._pending, {}
            for experiment_id, trigger in batch.items():
                self.refreshes += 1
                try:
                    refresh_experiment(self.store, experiment_id, trigger)
                except Exception as exc:  # noqa: BLE001 - a draft must never break a capture
                    # The reason is also kept on the draft (see `runnotes drafts`).
                    print(f"runnotes: draft refresh failed ({trigger}): {exc}", file=sys.stderr)


_refreshers: dict[int, Refresher] = {}


def refresher(store: Store) -> Refresher:
    key = id(store)
    if key not in _refreshers:
        _refreshers[key] = Refresher(store, DraftSettings.of(store).debounce)
    return _refreshers[key]


def notify(store: Store, run_id: int, trigger: str) -> None:
    """Something changed on ``run_id``: queue its experiment's drafts (never raises).

    When an agent runs for this store folder, it does the refresh: the request is handed to it,
    so a short-lived CLI call or training script does not render drafts on its way out.
    """
    try:
        cfg = DraftSettings.of(store)
        if not cfg.auto or trigger not in cfg.triggers:
            return
        with store.read() as session:
            run = session.get(Run, run_id)
        if run is None:
            return
        agent = running_pid(agent_pid_file(store.settings.home))
        if agent is not None and agent != os.getpid():
            _hand_over(store, run.experiment_id, trigger)
        else:
            refresher(store).request(run.experiment_id, trigger)
    except Exception as exc:  # noqa: BLE001 - a draft must never break a capture
        print(f"runnotes: cannot queue a draft refresh: {exc}", file=sys.stderr)


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
    folder = _requests_dir(store)

    def loop() -> None:
        while True:
            for request in sorted(folder.glob("[0-9]*")) if folder.exists() else []:
                try:
                    trigger = request.read_text().strip() or "manual"
                    request.unlink()
                except OSError:
                    continue
                refresher(store).request(int(request.name), trigger)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name="runnotes-draft-requests", daemon=True).start()
    return stop


def flush_pending() -> None:
    """Render whatever is still queued; runs at interpreter exit."""
    for pending in list(_refreshers.values()):
        pending.run_pending()


# -- the events this module subscribes to (see runnotes.events) -------------------------------


@hookimpl
def run_ended(store: Store, run_id: int) -> None:
    notify(store, run_id, "run_end")


@hookimpl
def capture_added(store: Store, run_id: int, what: str) -> None:
    if what in TRIGGERS:
        notify(store, run_id, what)


@hookimpl
def review_changed(store: Store, run_id: int) -> None:
    notify(store, run_id, "review")


@hookimpl
def exiting() -> None:
    flush_pending()
