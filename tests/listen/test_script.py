"""The spoken script: numbers said as people say them, every one a stored value, two minutes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from text_to_num import alpha2digit

from listen.many import add_note, build_many
from reports.conftest import build_sample
from runnotes.reports import data as reportdata
from runnotes.reports.listen import Subject, find_subject, script_for, write_listen
from runnotes.reports.listen_script import MAX_WORDS, Script
from runnotes.reports.speech import wav_seconds
from runnotes.reports.spoken import say_name, say_number
from runnotes.store import Store

MAX_SECONDS = 150.0  # the acceptance bar: 2.5 minutes for an experiment of 50 runs


@pytest.mark.parametrize(
    ("value", "percent", "said"),
    [
        (0.9137, True, "ninety-one point four percent"),
        (3e-4, False, "three e minus four"),
        (2.5e-4, False, "two point five e minus four"),
        (0.01, False, "zero point zero one"),
        (64.0, False, "sixty-four"),
        (1500.0, False, "one thousand five hundred"),
        (18.234, False, "eighteen point two"),
    ],
)
def test_numbers_are_said_as_people_say_them(value: float, percent: bool, said: str) -> None:
    assert say_number(value, percent=percent).words == said


def test_names_are_said_as_people_say_them() -> None:
    assert say_name("val_acc", expand=True) == "validation accuracy"
    assert say_name("lr", expand=True) == "learning rate"
    assert say_name("higher-lr") == "higher L R"


def _store_values(data: reportdata.ExperimentData) -> set[float]:
    values = {v.value for r in data.runs for v in [*r.metrics.values(), *r.params.values()]}
    values |= {d.rows for r in data.runs for d in r.datasets if d.rows is not None}
    return {v for v in values if v is not None}


def _counts(data: reportdata.ExperimentData) -> int:
    """The largest count the script may say (runs, or items of a list it summarises)."""
    lists = [data.runs, data.changes, data.decisions, data.observations]
    return max(len(x) for x in [*lists, data.blockers, data.next_steps])


def check_numbers(script: Script, data: reportdata.ExperimentData) -> None:
    """Every spoken number is a stored value (rounded as said) or a count; nothing else in the
    script is a number except inside names and a person's quoted words."""
    stored = _store_values(data)
    for spoken in script.numbers:
        is_count = spoken.value == int(spoken.value) and 0 <= spoken.value <= _counts(data)
        assert spoken.value in stored or is_count, spoken
        assert float(spoken.shown) == pytest.approx(spoken.value * spoken.scale, rel=5e-3)
    rest = script.text
    for part in sorted(
        [*(n.words for n in script.numbers), *script.quotes, *script.names], key=len, reverse=True
    ):
        rest = rest.replace(part, " ")
    assert not re.search(r"\d", alpha2digit(rest, "en")), rest


def test_every_number_in_the_script_is_a_stored_value(store: Store) -> None:
    build_sample(store)
    build_many(store, runs=12)
    for name in ("resnet", "tokenizer", "empty", "sweep"):
        subject = find_subject(store, name)
        script = script_for(store, subject)
        data = reportdata.load_experiment(
            store, subject.experiment_id, reportdata.rules_for(store, False)
        )
        check_numbers(script, data)
        assert script.numbers, name if name != "empty" else None


def test_the_script_tells_the_best_run_and_says_what_has_no_data(store: Store) -> None:
    build_sample(store)
    text = script_for(store, find_subject(store, "resnet")).text
    assert "The best validation accuracy is ninety-three point two percent" in text
    assert "reached by the run lower L R" in text
    assert "Blocker, on the run more dropout: Blocked by the GPU quota" in text
    empty = script_for(store, find_subject(store, "empty")).text
    assert "No goal was written down." in empty
    assert "No metric was reported, so there is no best run yet." in empty
    assert "No next step." in empty and "|" not in empty


def test_a_run_is_summarised_alone(store: Store) -> None:
    build_sample(store)
    subject = find_subject(store, "lower-lr")
    assert subject.run_name == "lower-lr" and subject.experiment == "resnet"
    text = script_for(store, subject).text
    assert text.startswith("A summary of the run lower L R, in resnet.")
    assert "It has one run." in text and "more dropout" not in text


def test_fifty_runs_fit_in_two_and_a_half_minutes(store: Store, tmp_path: Path) -> None:
    build_many(store, runs=50)
    subject = find_subject(store, "sweep")
    done = write_listen(store, subject, tmp_path / "sweep.wav")
    assert done.script.words <= MAX_WORDS
    assert done.spoken is not None and done.spoken.engine == "espeak-ng"
    assert wav_seconds(done.audio) <= MAX_SECONDS
    assert "The README has" in done.script.text  # what did not fit is counted, not dropped
    data = reportdata.load_experiment(
        store, subject.experiment_id, reportdata.rules_for(store, False)
    )
    check_numbers(done.script, data)


def test_audio_is_spoken_again_only_when_the_script_changed(store: Store, tmp_path: Path) -> None:
    sample = build_sample(store)
    subject: Subject = find_subject(store, "resnet")
    out = tmp_path / "resnet.wav"
    first = write_listen(store, subject, out)
    assert first.spoken is not None and out.is_file()
    assert first.script_path.read_text() == first.script.text
    again = write_listen(store, subject, out)
    assert again.spoken is None  # same script: the audio is kept
    add_note(store, sample.runs["lower-lr"], sample.t0 + 5000, "next try mixup", role="next_step")
    changed = write_listen(store, subject, out)
    assert changed.spoken is not None and "next try mixup" in changed.script.text


def test_no_voice_is_a_one_line_error(store: Store, home: Path) -> None:
    import sys

    from conftest import run_cli

    build_sample(store)
    bare = {"PATH": str(Path(sys.executable).parent), "RUNNOTES_LISTEN_ENGINE": "espeak-ng"}
    done = run_cli("listen", "resnet", env=bare, check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "runnotes: error: no speech engine: install espeak-ng (apt-get install espeak-ng) "
        "or the speech extra (pip install 'runnotes[speech]')"
    ]
