"""The spoken summary's script: the README draft's facts, written for the ear.

Short sentences, no tables, numbers in words (:mod:`runnotes.reports.spoken`), in the order a
colleague would tell it: the goal, what was tried and why, the best result and how to reproduce
it, what changed in the data, blockers, what is next. It is built from the same
:class:`~runnotes.reports.data.ExperimentData` as the README, and every number in it is a
:class:`~runnotes.reports.spoken.Spoken` holding the stored value it says; a person's own words
(notes, voice notes) are kept as :attr:`Script.quotes`, so a test can check that nothing else in
the script is a number. A section with nothing to say says so in one short sentence.

Two minutes at most: about ``MAX_WORDS`` words at the voices' pace. The opening (goal, best
result, how to reproduce) always fits; the other sections then take one item each in turn while
words are left, newest first, and a count says what was left for the README.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from runnotes.reports.data import ExperimentData, MetricInfo, Note, RunInfo
from runnotes.reports.spoken import Spoken, is_percent, say_name, say_number, say_value

MAX_WORDS = 290  # at 150 words a minute (espeak-ng's pace here, Piper's joe) ≈ 2 minutes
QUOTE_WORDS = 30  # a long note is cut (with "and so on"): the README has it whole
MAX_EXTRA_METRICS = 2  # besides the headline metric, said for the best run


@dataclass
class Script:
    """The sentences to speak, with the stored numbers and the quoted words they contain."""

    sentences: list[str] = field(default_factory=list)
    numbers: list[Spoken] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # a person's words, read as written
    names: list[str] = field(default_factory=list)  # run, metric and data names as said

    @property
    def text(self) -> str:
        return "\n".join(self.sentences) + "\n"

    @property
    def words(self) -> int:
        return sum(len(s.split()) for s in self.sentences)

    def number(self, value: float, metric: str = "") -> str:
        spoken = say_number(value, percent=is_percent(metric, value))
        self.numbers.append(spoken)
        return spoken.words

    def name(self, name: str, *, expand: bool = False) -> str:
        said = say_name(name, expand=expand)
        self.names.append(said)
        return said

    def quote(self, text: str) -> str:
        words = text.split()
        cut = " ".join(words[:QUOTE_WORDS]).rstrip(".,;:")
        said = cut + (", and so on" if len(words) > QUOTE_WORDS else "")
        self.quotes.append(said)
        return said


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _plural(count: int, one: str, many: str, s: Script) -> str:
    return f"{s.number(count)} {one if count == 1 else many}"


def build_script(
    data: ExperimentData, datasets: list | None = None, run: str | None = None
) -> Script:
    """The spoken summary of ``data`` (one experiment, or just its ``run``); ``datasets``: the
    best run's data fingerprints."""
    s = Script()
    what = f"the run {s.name(run)}, in" if run else "the experiment"
    s.sentences.append(_sentence(f"A summary of {what} {s.name(data.name)}"))
    goal = data.goal
    s.sentences.append(
        _sentence(f"The goal: {s.quote(goal)}") if goal else "No goal was written down."
    )
    if not data.runs:
        s.sentences.append("It has no runs yet, so there is nothing more to say.")
        return s
    failed = [r for r in data.runs if r.status in ("failed", "killed", "crashed")]
    count = _plural(len(data.runs), "run", "runs", s)
    extra = f", and {_plural(len(failed), 'of them', 'of them', s)} failed" if failed else ""
    s.sentences.append(_sentence(f"It has {count}{extra}"))
    _best(s, data)
    _reproduce(s, data, datasets or [])
    _rest(s, data)
    s.sentences.append("That is the summary. The README draft has the details.")
    return s


def _best(s: Script, data: ExperimentData) -> None:
    primary = data.primary
    run = data.headline_run
    if primary is None or run is None or primary.best.value is None:
        s.sentences.append("No metric was reported, so there is no best run yet.")
        return
    value = s.number(primary.best.value, primary.name)
    pending = ", not yet reviewed" if primary.best.pending else ""
    name = s.name(primary.name, expand=True)
    best = "The" if name.startswith("best ") else "The best"  # not "the best best accuracy"
    s.sentences.append(
        _sentence(f"{best} {name} is {value}{pending}, reached by the run {s.name(run.name)}")
    )
    s.sentences.append(_sentence(f"{primary.direction.capitalize()} for this metric"))
    others = [m for m in data.main_metrics if m.name != primary.name and m.name in run.metrics]
    said = [_metric_of(s, run, m) for m in others[:MAX_EXTRA_METRICS]]
    if said:
        s.sentences.append(_sentence(f"That run also has {' and '.join(said)}"))


def _metric_of(s: Script, run: RunInfo, metric: MetricInfo) -> str:
    value = run.metrics[metric.name].value
    assert value is not None  # main metrics are reported values
    return f"{s.name(metric.name, expand=True)} {s.number(value, metric.name)}"


def _reproduce(s: Script, data: ExperimentData, datasets: list) -> None:
    run = data.headline_run
    assert run is not None
    how = []
    if run.command:
        how.append("its command")
    if run.git_commit:
        how.append("its git commit")
    if how:
        tail = ", with uncommitted changes kept with the run" if run.git_dirty else ""
        s.sentences.append(
            _sentence(f"To reproduce it, use {' and '.join(how)}, written in the README{tail}")
        )
    else:
        s.sentences.append("Its command and git commit were not recorded.")
    for d in datasets[:2]:
        rows = f", {_plural(d.rows, 'row', 'rows', s)}" if d.rows is not None else ""
        s.sentences.append(_sentence(f"It used the data {s.name(d.name)}{rows}"))
    if not datasets:
        s.sentences.append("No data fingerprint was recorded for it.")


def _rest(s: Script, data: ExperimentData) -> None:
    """What was tried and why, data changes, blockers, next steps: one item of each in turn."""
    sections: list[tuple[str, list[Callable[[], str]], str]] = [
        ("changes", [_change(s, c) for c in reversed(data.changes)], "No run changed a setting."),
        ("notes", [_note(s, n, "Noted") for n in reversed(data.decisions)], "No note says why."),
        ("observations", [_note(s, n, "Noticed") for n in reversed(data.observations)], ""),
        ("blockers", [_note(s, n, "Blocker") for n in reversed(data.blockers)], "No blockers."),
        ("next steps", [_note(s, n, "Next") for n in reversed(data.next_steps)], "No next step."),
    ]
    chosen: dict[str, list[str]] = {name: [] for name, _, _ in sections}
    # Kept back: one "The README has N more …" (7 words) per section and the closing (10).
    budget = MAX_WORDS - s.words - 7 * len(sections) - 10
    progress = True
    while progress:
        progress = False
        for name, items, _ in sections:
            if len(chosen[name]) < len(items):
                mark = len(s.numbers), len(s.quotes), len(s.names)
                sentence = items[len(chosen[name])]()
                if len(sentence.split()) > budget:
                    _undo(s, mark)
                    continue
                budget -= len(sentence.split())
                chosen[name].append(sentence)
                progress = True
    for name, items, empty in sections:
        said = list(reversed(chosen[name]))  # back in the order it happened
        s.sentences.extend(said)
        if len(said) < len(items):
            left = len(items) - len(said)
            s.sentences.append(_sentence(f"The README has {s.number(left)} more {name}"))
        elif not items and empty:
            s.sentences.append(empty)


def _undo(s: Script, mark: tuple[int, int, int]) -> None:
    del s.numbers[mark[0] :], s.quotes[mark[1] :], s.names[mark[2] :]


def _change(s: Script, change) -> Callable[[], str]:
    def say() -> str:
        parts = []
        for d in change.params[:2]:
            old = change.previous.params.get(d.name)
            new = change.run.params.get(d.name)
            name = s.name(d.name, expand=True)
            if old is None or new is None:
                state = "set" if new is not None else "dropped"
                parts.append(f"{state} {name}")
            else:
                parts.append(f"changed {name} from {_param(s, old)} to {_param(s, new)}")
        tried = " and ".join(parts) or "kept the same settings"
        moved = ""
        for mv in change.metrics[:1]:
            verb = {True: "improving", False: "worsening", None: "leaving"}[mv.improved]
            moved = (
                f", {verb} {s.name(mv.name, expand=True)} from "
                f"{s.number(mv.old, mv.name)} to {s.number(mv.new, mv.name)}"
            )
        return _sentence(f"The run {s.name(change.run.name)} {tried}{moved}")

    return say


def _param(s: Script, value) -> str:
    words, spoken = say_value(value.text, value.value)
    if spoken is not None:
        s.numbers.append(spoken)
    else:
        s.names.append(words)
    return words


def _note(s: Script, note: Note, label: str) -> Callable[[], str]:
    def say() -> str:
        text = _SPOKEN_PUNCT.sub(" ", note.text.replace("→", " to "))
        return _sentence(f"{label}, on the run {s.name(note.run.name)}: {s.quote(text)}")

    return say


_SPOKEN_PUNCT = re.compile(r"[`*_#|<>\[\]]+")  # marks a voice would read out as words
