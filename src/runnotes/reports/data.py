"""Assembling what a report says from the store: runs, reported values, changes, notes, shots.

Everything here is plain data (dataclasses, sorted lists), so the templates only lay it out and
the same store always gives the same report. Review rules live here and nowhere else: approved
captures (liked values are approved) always, pending ones only when asked (and marked), rejected
ones never. Metric series are read only for the few runs and metrics that get plotted, so a store
with hundreds of thousands of logged values still reports in well under a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.reports.rules import (
    ROLE_BLOCKER,
    ROLE_GOAL,
    ROLE_NEXT,
    ROLE_OBSERVATION,
    ROLE_RATIONALE,
    decision_and_reason,
    note_parts,
    observed,
)
from runnotes.services.metrics import Directions, directions, is_better, rank_key
from runnotes.services.note_kinds import classify_note
from runnotes.services.values import (
    goal_target,
    main_metrics,
    plan_done,
    plan_params,
    same_param,
)
from runnotes.store.db import Store, get_row
from runnotes.store.experiments import (
    derived_from,
    experiment_runs,
    latest_note,
    project_name,
    report_captures,
    reported_metrics,
)
from runnotes.store.models import Capture, Experiment, Review, Run, mark
from runnotes.store.review import pending_left_out
from runnotes.store.runs import shown_status

MAIN_METRICS = 3  # metrics in the runs table and the curves
MAX_TABLE_PARAMS = 6  # varied params shown as columns of the runs table
MAX_TABLE_RUNS = 20  # rows of the runs table (the best ones when an experiment has more)
RUN_PROBLEMS = ("failed", "killed", "crashed")

# Packages worth naming under "how to reproduce"; config ``[reports] key_packages`` replaces it.
KEY_PACKAGES = (
    "python",
    "torch",
    "torchvision",
    "tensorflow",
    "keras",
    "jax",
    "flax",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "xgboost",
    "lightgbm",
    "catboost",
    "transformers",
    "datasets",
    "accelerate",
    "lightning",
    "pytorch-lightning",
    "timm",
    "runnotes",
)


@dataclass
class Value:
    """One reported value of a run: a metric (``value``) or a parameter (``text``)."""

    text: str
    value: float | None = None
    step: int | None = None
    pending: bool = False
    mark: str | None = None  # "liked"/"said": a value no code logged (its only source)


@dataclass
class Dataset:
    name: str
    rows: int | None
    columns: int | None
    sha256: str
    size: int | None
    path: str
    changed: str | None
    pending: bool = False


@dataclass
class RunInfo:
    id: int
    name: str
    status: str
    started_at: float
    ended_at: float | None
    command: str | None
    cwd: str | None
    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    python_version: str | None
    packages_sha: str | None
    exit_code: int | None = None
    imports: list[str] | None = None  # distributions its script imports (None: not known)
    git_diff_sha: str | None = None  # the uncommitted changes, kept as a media file
    params: dict[str, Value] = field(default_factory=dict)
    metrics: dict[str, Value] = field(default_factory=dict)
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"run-{self.id}"

    @property
    def label(self) -> str:
        return f"run {self.id} ({self.name})"


@dataclass
class Note:
    """A decision, next step, blocker, goal or observation: typed, spoken (a transcript),
    extracted from speech, or written by runnotes itself (data changed, run failed)."""

    text: str
    timestamp: float
    run: RunInfo
    source: str
    role: str | None
    voice: bool
    pending: bool
    done_by: RunInfo | None = None  # a next step a later run did

    @property
    def decision(self) -> str:
        """What was decided, without the reason (the whole text when it gives none)."""
        return decision_and_reason(self.text)[0]

    @property
    def reason(self) -> str | None:
        """Why: the "because …" part of the note, if it has one."""
        return decision_and_reason(self.text)[1]


@dataclass
class Screenshot:
    sha256: str
    timestamp: float
    run: RunInfo
    origin: str
    ocr_text: str
    pending: bool
    source_path: Path | None  # None: the file is missing from the media folder
    file: str | None = None  # where the report refers to it (set by the writer)


@dataclass
class MetricInfo:
    name: str
    lower_is_better: bool
    best_run: RunInfo
    best: Value

    @property
    def direction(self) -> str:
        return "lower is better" if self.lower_is_better else "higher is better"

    def is_better(self, new: float | None, old: float | None) -> bool:
        return is_better(new, old, self.lower_is_better)


@dataclass
class ParamDiff:
    name: str
    old: str | None
    new: str | None


@dataclass
class MetricMove:
    name: str
    old: float
    new: float
    improved: bool | None  # None: unchanged

    @property
    def delta(self) -> float:
        return self.new - self.old


@dataclass
class Change:
    """What differs between a run and the run before it, and how the reported metrics moved."""

    run: RunInfo
    previous: RunInfo
    params: list[ParamDiff]
    metrics: list[MetricMove]


@dataclass
class Target:
    """The goal's number for a metric, against the best result: "0.95, 0.02 short of the 0.97
    target"."""

    metric: MetricInfo
    value: float

    @property
    def gap(self) -> float:
        """How far the best is from the target (0 when it is reached)."""
        best = self.metric.best.value or 0.0
        reached = not self.metric.is_better(self.value, best)
        return 0.0 if reached else abs(self.value - best)


@dataclass
class ExperimentData:
    project: str
    name: str
    description: str
    runs: list[RunInfo]
    metrics: list[MetricInfo]
    changes: list[Change]
    decisions: list[Note]
    next_steps: list[Note]
    blockers: list[Note]
    screenshots: list[Screenshot]
    observations: list[Note] = field(default_factory=list)  # data changed, run failed
    goal_note: str = ""  # the latest approved "the goal is …" note of the experiment
    figures: list[Any] = field(default_factory=list)  # drawn by the writer (plots.Figure)
    previous_best: float | None = None  # progress report: the primary's best last period
    warnings: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # pending captures not included, in words
    preferred: tuple[str, ...] = ()  # config ``[reports] primary_metric``, best first
    first_seen: dict[str, int] = field(default_factory=dict)  # metric → order first reported
    main_names: list[str] = field(default_factory=list)  # set by :meth:`choose`
    target: Target | None = None  # the goal's target against the best (set by :meth:`choose`)

    @property
    def primary(self) -> MetricInfo | None:
        """The headline metric: the first of :attr:`main_metrics`."""
        main = self.main_metrics
        return main[0] if main else None

    @property
    def headline_run(self) -> RunInfo | None:
        """The run a reader should reproduce: best on the primary metric, else the latest."""
        primary = self.primary
        if primary is not None:
            return primary.best_run
        return self.runs[-1] if self.runs else None

    @property
    def result_runs(self) -> list[RunInfo]:
        return [r for r in self.runs if r.metrics]

    @property
    def goal(self) -> str:
        """What the experiment is for: its description, else its latest approved goal note."""
        return self.description.strip() or self.goal_note

    @property
    def purpose(self) -> str:  # the name templates written for earlier versions use
        return self.goal

    @property
    def main_metrics(self) -> list[MetricInfo]:
        """The metrics a reader looks at first (:attr:`main_names`, chosen when loaded)."""
        by_name = {m.name: m for m in self.metrics}
        return [by_name[n] for n in self.main_names if n in by_name]

    def choose(self) -> None:
        """Decide the main metrics and the goal's target from the store's values, once: as a
        person would (:func:`runnotes.services.values.main_metrics`): the configured one, the
        goal's, held-out over training, epoch-level over per-batch, logged over liked-only,
        never a count or a value with no direction."""
        by_name = {m.name: m for m in self.metrics}
        names = sorted(by_name, key=lambda n: self.first_seen.get(n, 0))
        self.main_names = main_metrics(
            names,
            goal=self.goal,
            preferred=self.preferred,
            lower=[m.name for m in self.metrics if m.lower_is_better],
            coverage={n: self.coverage(n) for n in names},
            marked=[n for n in names if all(r.metrics[n].mark for r in self.runs_with(n))],
            limit=MAIN_METRICS,
        )
        found = goal_target(self.goal, names)
        if found is not None and by_name[found[0]].best.value is not None:
            self.target = Target(by_name[found[0]], found[1])

    @property
    def table_runs(self) -> list[RunInfo]:
        """The runs of the runs table, in order: all of them, or the best ``MAX_TABLE_RUNS``."""
        if len(self.runs) <= MAX_TABLE_RUNS or self.primary is None:
            return self.runs[-MAX_TABLE_RUNS:]
        best = {r.id for r in self.top_runs(MAX_TABLE_RUNS)}
        return [r for r in self.runs if r.id in best]

    @property
    def new_best(self) -> bool | None:
        """Progress report: whether this period beat the previous one (None: nothing to beat)."""
        primary = self.primary
        if primary is None or self.previous_best is None or primary.best.value is None:
            return None
        return primary.is_better(primary.best.value, self.previous_best)

    @property
    def varied_params(self) -> list[str]:
        """Parameters whose value differs between the runs (what the runs tried)."""
        runs = self.result_runs or self.runs
        names = sorted({p for r in runs for p in r.params})
        varied = [n for n in names if len({_text(r.params.get(n)) for r in runs}) > 1]
        return varied[:MAX_TABLE_PARAMS]

    def coverage(self, metric: str) -> int:
        return len(self.runs_with(metric))

    def runs_with(self, metric: str) -> list[RunInfo]:
        return [r for r in self.runs if metric in r.metrics]

    def top_runs(self, count: int) -> list[RunInfo]:
        """The best ``count`` runs on the primary metric, best first."""
        primary = self.primary
        if primary is None:
            return []
        ranked = [r for r in self.runs if primary.name in r.metrics]
        lower = primary.lower_is_better
        ranked.sort(key=lambda r: (rank_key(r.metrics[primary.name].value, lower), r.id))
        return ranked[:count]


@dataclass
class Rules:
    include_pending: bool
    directions: Directions = field(default_factory=Directions)
    primary_metric: tuple[str, ...] = ()

    @property
    def reviews(self) -> tuple[str, ...]:
        return (Review.approved, Review.pending) if self.include_pending else (Review.approved,)


def rules_for(store: Store, include_pending: bool) -> Rules:
    return Rules(
        include_pending=include_pending,
        directions=directions(store.settings),
        primary_metric=store.settings.reports.primary_metric,
    )


def key_packages(store: Store) -> tuple[str, ...]:
    return store.settings.reports.key_packages or KEY_PACKAGES


# -- loading one experiment --------------------------------------------------------------------


def load_experiment(
    store: Store,
    experiment_id: int,
    rules: Rules,
    *,
    since: float | None = None,
    until: float | None = None,
) -> ExperimentData:
    """Everything a report says about one experiment (its runs in the period, if given)."""
    with store.read() as session:
        exp = get_row(session, Experiment, experiment_id)
        rows, run_ids = experiment_runs(session, experiment_id, since, until)
        runs = [_run_info(r) for r in rows]
        by_id = {r.id: r for r in runs}
        first_seen = _load_metrics(reported_metrics(session, run_ids, rules.include_pending), by_id)
        captures = report_captures(session, run_ids, rules.reviews)
        data = ExperimentData(
            project=project_name(session, experiment_id),
            name=exp.name,
            description=exp.description or "",
            runs=runs,
            metrics=[],
            changes=[],
            decisions=[],
            next_steps=[],
            blockers=[],
            screenshots=[],
            preferred=rules.primary_metric,
            first_seen=first_seen,
            left_out=[] if rules.include_pending else pending_left_out(session, run_ids),
            # the goal comes from the whole experiment, not the period's runs
            goal_note=latest_note(session, experiment_id, ROLE_GOAL),
        )
        # Transcripts notes were derived from (whatever their review): the drafts quote the
        # approved derived notes, never the transcript beside them.
        derived = derived_from(session, run_ids)
    _sort_captures(store, data, by_id, captures, derived)
    _check_off(data)
    data.metrics = _metric_infos(runs, rules)
    data.choose()
    data.changes = _changes(data.result_runs or runs, data.metrics)
    return data


def _run_info(run: Run) -> RunInfo:
    return RunInfo(
        id=run.id,
        name=run.name,
        status=shown_status(run),  # "crashed" when its process died, as the run page says
        started_at=run.started_at,
        ended_at=run.ended_at,
        command=run.command,
        cwd=run.cwd,
        git_commit=run.git_commit,
        git_branch=run.git_branch,
        git_dirty=run.git_dirty,
        python_version=run.python_version,
        packages_sha=run.packages_sha,
        exit_code=run.exit_code,
        imports=None if run.imports is None else run.imports.split(),
        git_diff_sha=run.git_diff_sha,
    )


def _fmt_number(value: float) -> str:
    return f"{value:.6g}"


def _load_metrics(rows: list[tuple[Any, bool]], by_id: dict[int, RunInfo]) -> dict[str, int]:
    """Each run's metrics: the latest approved value, else (if asked) the latest pending one."""
    first_seen: dict[str, int] = {}
    for (run_id, _, name, value, text, step, marked), is_pending in rows:
        if value is None or name in by_id[run_id].metrics:
            continue  # a reviewed value beats an unreviewed one
        by_id[run_id].metrics[name] = Value(
            text=text or _fmt_number(value), value=value, step=step, pending=is_pending, mark=marked
        )
        first_seen.setdefault(name, len(first_seen))
    return first_seen


def _sort_captures(
    store: Store,
    data: ExperimentData,
    by_id: dict[int, RunInfo],
    captures: Sequence[Capture],
    derived_from: set[int | None],
) -> None:
    """Params and datasets onto their runs; notes into decisions, next steps and blockers.
    Speech is quoted only as approved: a transcript (approved) when nothing was derived from
    it, else the approved notes derived from it."""
    for c in captures:
        run, extra, pending = by_id[c.run_id], c.extra or {}, c.review == Review.pending
        if c.kind == "param" and c.name:
            if c.logged_id is not None:
                continue  # a like or spoken value beside what the code logged, not the value
            if c.name in run.params and pending and not run.params[c.name].pending:
                continue  # a reviewed value beats a later unreviewed one (e.g. heard in speech)
            run.params[c.name] = Value(
                text=c.text if c.text is not None else _fmt_number(c.value or 0.0),
                value=c.value,
                pending=pending,
                mark=mark(c.source, c.liked),
            )
        elif c.kind == "dataset":
            run.datasets.append(_dataset(c, extra, pending))
        elif c.kind == "screenshot" and c.media_sha:
            data.screenshots.append(_screenshot(store, data, c, run, extra, pending))
        elif c.kind == "note" and c.text:
            role = c.role or (ROLE_OBSERVATION if observed(c.text) else None)
            parts = [(c.text.strip(), role)] if role else note_parts(c.text)
            for text, part_role in parts:
                voice = c.source == "voice"  # e.g. the rationale extracted from a transcript
                _add_note(data, Note(text, c.timestamp, run, c.source, part_role, voice, pending))
        elif (
            c.kind == "voice" and c.text and c.id not in derived_from and (c.status or "ok") == "ok"
        ):
            for text, role in note_parts(c.text):
                _add_note(data, Note(text, c.timestamp, run, c.source, role, True, pending))
    for run in by_id.values():
        if run.status in RUN_PROBLEMS:
            code = f" (exit code {run.exit_code})" if run.exit_code not in (None, 0) else ""
            when = run.ended_at or run.started_at
            text = f"{run.label} {run.status}{code}"
            data.observations.append(
                Note(text, when, run, "runnotes", ROLE_OBSERVATION, False, False)
            )
    data.observations.sort(key=lambda n: (n.timestamp, n.run.id))


def _check_off(data: ExperimentData) -> None:
    """Next steps a later run did (the params it names changed as it says): linked to that run."""
    params = {run.id: {k: v.text for k, v in run.params.items()} for run in data.runs}
    names = {name for values in params.values() for name in values}
    for note in data.next_steps:
        mentioned = plan_params(note.text, names)
        if not mentioned:
            continue
        before = params[note.run.id]
        for run in data.runs:
            later = run.started_at >= note.timestamp and run.id != note.run.id
            if later and plan_done(mentioned, before, params[run.id]):
                note.done_by = run
                break


def _add_note(data: ExperimentData, note: Note) -> None:
    if note.role == ROLE_NEXT:
        data.next_steps.append(note)
    elif note.role == ROLE_BLOCKER:
        data.blockers.append(note)
    elif note.role == ROLE_GOAL:
        pass  # the goal comes from the whole experiment (``goal_note``), not a period's runs
    elif note.role == ROLE_OBSERVATION:
        data.observations.append(note)
    elif note.role == ROLE_RATIONALE:
        data.decisions.append(note)
    elif note.role is None:  # a plain note: a plan, an observation or a decision
        kind = classify_note(note.text)
        if kind == "plan":
            data.next_steps.append(note)
        elif kind == "observation":
            data.observations.append(note)
        else:
            data.decisions.append(note)
    # other roles (run_ref, metric, param) are not prose


def _dataset(c: Capture, extra: dict[str, Any], pending: bool) -> Dataset:
    return Dataset(
        name=c.name or Path(str(extra.get("path", ""))).name,
        rows=extra.get("rows"),
        columns=extra.get("columns"),
        sha256=str(extra.get("sha256", "")),
        size=extra.get("size"),
        path=str(extra.get("path") or c.origin or ""),
        changed=extra.get("changed"),
        pending=pending,
    )


def _screenshot(
    store: Store,
    data: ExperimentData,
    c: Capture,
    run: RunInfo,
    extra: dict[str, Any],
    pending: bool,
) -> Screenshot:
    path = media_file(store, c.media_sha)
    if path is None:
        data.warnings.append(
            f"screenshot {c.media_sha[:12]} of {run.label} is missing from the "  # type: ignore[index]
            f"media folder {store.settings.media_dir}"
        )
    return Screenshot(
        sha256=c.media_sha,
        timestamp=c.timestamp,
        run=run,
        origin=c.origin or "",
        ocr_text=str(extra.get("ocr_text") or ""),
        pending=pending,
        source_path=path,
    )


def media_file(store: Store, sha: str) -> Path | None:
    """The media file for ``sha`` if it is on disk (a report names the gap instead of failing)."""
    try:
        path = store.media.path(sha)
    except RunnotesError:
        return None
    return path if path.is_file() else None


def packages_of(
    store: Store, run: RunInfo, wanted: Sequence[str], warnings: list[str]
) -> list[tuple[str, str]]:
    """The run's versions of the packages its script imports (the key ones first), else of the
    key packages, from the package listing stored at its start."""
    found: list[tuple[str, str]] = [("python", run.python_version)] if run.python_version else []
    if not run.packages_sha:
        return found
    path = media_file(store, run.packages_sha)
    if path is None:
        warnings.append(
            f"the package list of {run.label} ({run.packages_sha[:12]}) is missing "
            f"from the media folder {store.settings.media_dir}"
        )
        return found
    try:
        listing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        warnings.append(f"the package list of {run.label} is unreadable: {exc}")
        return found
    if run.imports is not None:  # what the script imports, not every installed framework
        imported = [n for n in run.imports if n in listing]
        wanted = [n for n in wanted if n in imported] + sorted(set(imported) - set(wanted))
    return found + [(name, str(listing[name])) for name in wanted if name in listing]


# -- comparing runs ----------------------------------------------------------------------------


def _metric_infos(runs: Sequence[RunInfo], rules: Rules) -> list[MetricInfo]:
    names = sorted({name for r in runs for name in r.metrics})
    infos = []
    for name in names:
        best_run = rules.directions.best_of(
            name, runs, lambda r, n=name: r.metrics[n].value if n in r.metrics else None
        )
        if best_run is not None:
            infos.append(
                MetricInfo(
                    name=name,
                    lower_is_better=rules.directions.lower_is_better(name),
                    best_run=best_run,
                    best=best_run.metrics[name],
                )
            )
    return infos


def _changes(runs: Sequence[RunInfo], metrics: Sequence[MetricInfo]) -> list[Change]:
    """Param differences between each run and the one before it, and the metric moves."""
    changes = []
    for previous, run in zip(runs, runs[1:], strict=False):
        diffs = [
            ParamDiff(name, _text(previous.params.get(name)), _text(run.params.get(name)))
            for name in sorted(previous.params.keys() | run.params.keys())
        ]
        diffs = [d for d in diffs if not same_param(d.old, d.new)]
        moves = []
        for info in metrics:
            old, new = previous.metrics.get(info.name), run.metrics.get(info.name)
            if old is None or new is None or old.value is None or new.value is None:
                continue
            improved = None if new.value == old.value else info.is_better(new.value, old.value)
            moves.append(MetricMove(info.name, old.value, new.value, improved))
        if diffs or moves:
            changes.append(Change(run=run, previous=previous, params=diffs, metrics=moves))
    return changes


def _text(value: Value | None) -> str | None:
    return None if value is None else value.text
