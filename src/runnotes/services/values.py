"""What a reader is shown of a run's values, decided once for every reader.

- **The run's value** of a name is what its code logged (:mod:`runnotes.services.metrics`); a
  like or a spoken value of that name sits beside it (:mod:`runnotes.store.annotations`). A
  value only a like or speech gave is the run's value, shown with its source: :func:`shown`.
- **Main metrics** (:func:`main_metrics`) are picked as a person reads a run: the goal's metric
  first, validation and test over training, epoch-level over per-batch series, and never a count
  or a value whose better direction is unknown (``data = 960`` is no result).
- **Params** are the same when they are the same number, however written (:func:`same_param`).
- **Notes** are decisions, observations or plans: one rule for typed notes, spoken notes and the
  drafts, :func:`runnotes.services.note_kinds.classify_note`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from runnotes.config import Settings
from runnotes.formatting import fmt_value, same_number
from runnotes.services.metrics import lower_is_better
from runnotes.store.models import Capture, Review, mark
from runnotes.store.queries import RunSummary

# Words of a metric name that make larger better (with the lower-is-better words of
# :mod:`runnotes.services.metrics`, what gives a metric a direction).
HIGHER_WORDS = frozenset(
    {
        "acc",
        "accuracy",
        "f1",
        "fbeta",
        "auc",
        "auroc",
        "roc",
        "ap",
        "map",
        "precision",
        "prec",
        "recall",
        "score",
        "iou",
        "miou",
        "dice",
        "bleu",
        "rouge",
        "rouge1",
        "rouge2",
        "rougel",
        "meteor",
        "r2",
        "ndcg",
        "mrr",
        "top1",
        "top5",
        "reward",
        "return",
        "kappa",
        "mcc",
        "psnr",
        "ssim",
        "spearman",
        "pearson",
        "corr",
        "correlation",
        "em",
        "exact",
        "hit",
        "hits",
        "win",
        "sharpe",
        "throughput",
        "fps",
    }
)
HELD_OUT = frozenset({"val", "valid", "validation", "test", "eval", "dev", "holdout"})
TRAIN = frozenset({"train", "training", "trn"})
PER_BATCH = frozenset({"batch", "step", "iter", "iteration"})
_WORDS = re.compile(r"[a-z]+[0-9]*|[0-9]+")


def _words(name: str) -> list[str]:
    return _WORDS.findall(name.lower())


def has_direction(name: str, lower: Iterable[str] = ()) -> bool:
    """Whether a reader knows which way is better for ``name`` (a result, not a count)."""
    words = _words(name)
    if "per" in words:  # a rate: judged by what it counts
        words = words[: words.index("per")]
    return lower_is_better(name, lower) or any(w in HIGHER_WORDS for w in words)


def per_batch(name: str) -> bool:
    """``loss/batch``, ``train_loss_step``: a per-batch series, not the epoch's result."""
    words = _words(name)
    return bool(words) and words[-1] in PER_BATCH


def goal_metric(goal: str, names: Iterable[str]) -> str | None:
    """The metric a goal names ("val_acc ≥ 0.97"): the longest name found in it as a word."""
    found = [
        n for n in names if re.search(rf"(?<![\w/.-]){re.escape(n)}(?![\w/-])", goal or "", re.I)
    ]
    return max(found, key=len) if found else None


def main_metrics(
    names: Iterable[str],
    *,
    goal: str = "",
    preferred: Sequence[str] = (),
    lower: Iterable[str] = (),
    coverage: dict[str, int] | None = None,
    marked: Iterable[str] = (),
    limit: int | None = None,
) -> list[str]:
    """The metrics a person looks at first, best first (see the module's rules). ``preferred``
    (config ``[reports] primary_metric``) and the goal's metric come first; ``marked`` names
    (only ever liked or said, no code logged them) come after the logged ones; ``coverage``
    (how many runs report each) breaks ties."""
    marked = set(marked)
    pool = list(dict.fromkeys(names))
    lower = tuple(lower)
    wanted = [n for n in preferred if n in pool]
    named = goal_metric(goal, pool)
    if named and named not in wanted:
        wanted.append(named)
    epoch_level = {n for n in pool if not per_batch(n)}
    coverage = coverage or {}

    def rank(name: str) -> tuple[int, int, int, int, int]:
        words = set(_words(name))
        held_out = 0 if words & HELD_OUT else (2 if words & TRAIN else 1)
        logged = int(name in marked)
        return (int(per_batch(name)), logged, held_out, -coverage.get(name, 0), pool.index(name))

    rest = sorted(
        (
            n
            for n in pool
            if n not in wanted
            and has_direction(n, lower)
            and not (per_batch(n) and epoch_level - set(wanted))
        ),
        key=rank,
    )
    chosen = wanted + rest
    return chosen if limit is None else chosen[:limit]


LIST_METRICS = 4  # metrics `runnotes runs list` shows per run


def list_metrics(
    settings: Settings, runs: Sequence[RunSummary], limit: int = LIST_METRICS
) -> Callable[[RunSummary], list[str]]:
    """For a list of runs: each run's main metrics, chosen over the whole list (so a column of
    runs shows the same names), by :func:`main_metrics`; what code logged ranks before what
    was only liked or said."""
    coverage = Counter(name for r in runs for name in r.metrics if name not in r.marks)
    coverage.update({name: 0 for r in runs for name in r.metrics})
    order = main_metrics(
        sorted(coverage),
        preferred=settings.reports.primary_metric,
        lower=settings.reports.lower_is_better,
        coverage=dict(coverage),
    )
    return lambda run: [n for n in order if n in run.metrics][:limit]


def same_param(a: str | None, b: str | None) -> bool:
    """Whether two param values are the same: as numbers when both are (``3e-4`` and
    ``0.0003``), else as text."""
    return same_number(a, b)


def shown(value: float | str | None, marked: str | None) -> str:
    """A value as lists and tables show it: ``0.9321 (liked)`` when no code logged it."""
    text = fmt_value(value)
    return f"{text} ({marked})" if marked and value is not None else text


@dataclass(frozen=True)
class Annotation:
    """A like or spoken value, as ``runs show`` and the drafts list it beside the run's value."""

    name: str
    text: str
    source: str  # "liked" or "said"
    pending: bool
    conflict: str | None

    def describe(self) -> str:
        state = " (pending review)" if self.pending else ""
        why = f": {self.conflict}" if self.conflict else ""
        return f"{self.source} {self.name}={self.text}{state}{why}"


def annotations(captures: Iterable[Capture]) -> list[Annotation]:  # type: ignore[no-redef]
    """The likes and spoken values among a run's captures (rejected ones left out)."""
    found = []
    for c in captures:
        if c.kind not in ("metric", "param") or not c.name or c.review == Review.rejected:
            continue
        source = mark(c.source, c.liked)
        if source not in ("liked", "said"):
            continue
        text = c.text if c.text is not None else fmt_value(c.value)
        found.append(Annotation(c.name, text, source, c.review == Review.pending, c.conflict))
    return found


_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_AT_LEAST = r"(?:≥|>=|>|above|over|at least|of at least|reaching|reach|to)"
_AT_MOST = r"(?:≤|<=|<|below|under|at most|of at most)"


def goal_target(goal: str, names: Iterable[str]) -> tuple[str, float] | None:
    """``(metric, target)`` when the goal states one ("val_acc ≥ 0.97", "val_loss below 0.3");
    None when it names no metric of the experiment, or no plain number for it (a percentage of
    a fraction is not guessed)."""
    name = goal_metric(goal, names)
    if name is None:
        return None
    found = re.search(
        rf"{re.escape(name)}\s*(?:of\s+)?(?:{_AT_LEAST}|{_AT_MOST})\s*{_NUMBER}(\s*%)?",
        goal,
        re.IGNORECASE,
    )
    if found is None or found.group(2):
        return None
    return name, float(found.group(1))


def plan_params(text: str, names: Iterable[str]) -> dict[str, str | None]:
    """The params a plan mentions ("try weight decay 1e-4" → ``{"weight_decay": "1e-4"}``), with
    the number that follows each within three words, if any."""
    found: dict[str, str | None] = {}
    for name in names:
        spoken = re.escape(name).replace("_", "[_ ]").replace(r"\-", "[- ]")
        hit = re.search(
            rf"(?<![\w.]){spoken}(?![\w])(?:\W+\w+){{0,2}}?\W+(?:of\s+|to\s+|=\s*)?{_NUMBER}",
            text,
            re.IGNORECASE,
        )
        if hit:
            found[name] = hit.group(1)
        elif re.search(rf"(?<![\w.]){spoken}(?![\w])", text, re.IGNORECASE):
            found[name] = None
    return found


def plan_done(
    mentioned: dict[str, str | None], before: dict[str, str | None], after: dict[str, str | None]
) -> bool:
    """Whether a run with params ``after`` did the plan written on a run with ``before``: every
    param the plan mentions (``mentioned``: :func:`plan_params` of the plan, over any names;
    those neither run has are ignored) changed, to the number it gives if it gives one. The
    plan is read once however many runs it is checked against."""
    wanted = {n: v for n, v in mentioned.items() if n in before or n in after}
    if not wanted:
        return False
    for name, number in wanted.items():
        if name not in after or same_param(before.get(name), after[name]):
            return False
        if number is not None and not same_param(number, after[name]):
            return False
    return True
