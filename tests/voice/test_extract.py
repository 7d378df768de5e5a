"""Extraction alone, on the note sets' text, plus number and name normalisation."""

from __future__ import annotations

import pytest

from runnotes.voice.extract import extract, match_known
from runnotes.voice.notes import _mention_capture
from runnotes.voice.numbers import to_digits
from runnotes.voice.transcribe import Segment, clean_text, vocabulary_prompt
from voice.notesets import Score, items, load


def _score(name: str) -> tuple[Score, int]:
    score, cases = Score(), load(name)
    for case in cases:
        score.add(case, items(extract([case.text], case.known)))
    return score, len(cases)


@pytest.mark.slow
def test_held_out_notes_text_only(capsys: pytest.CaptureFixture[str]) -> None:
    """The sentences written before tuning (heldout.txt and the audio sets' text)."""
    score = Score()
    for name in ("heldout", "audio", "audio2"):
        score.merge(_score(name)[0])
    dev, dev_cases = _score("dev")
    with capsys.disabled():
        print(f"\nextraction, text only: development ({dev_cases} notes) {dev}; held out {score}")
    assert dev_cases >= 200 and score.expected >= 100
    assert score.recall >= 0.95 and score.precision >= 0.97, "\n".join(score.misses)
    assert dev.recall >= 0.95 and dev.precision >= 0.95, "\n".join(dev.misses)


@pytest.mark.parametrize(
    ("heard", "item"),
    [  # the sentences issue 14 found nothing (or the wrong thing) in
        ("The validation loss bottomed out around 0.41 at epoch 12.", ("val_loss", 0.41)),
        ("Recall on the positive class reached 0.78.", ("recall", 0.78)),
        ("macro F1 came out at 0.72 on the test split.", ("test_macro_f1", 0.72)),
        ("A beam size of 5 gives the best trade off.", ("beam_size", 5)),
        ("Sequence length was bumped up to 512 tokens.", ("seq_len", 512)),
        ("Max depth 6 over fits less than max depth 10.", ("max_depth", 6)),
        ("BLEU score improved by 2 points to 31.5.", ("bleu", 31.5)),
        ("Mean average precision is now 0.62.", ("map", 0.62)),
        ("Training loss plateaued at 0.23 after 40 epochs.", ("train_loss", 0.23)),
    ],
)
def test_what_a_reader_finds(heard: str, item: tuple) -> None:
    found = {(name, value) for name, value, _ in items(extract([heard]))}
    assert item in found, found


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("zero point zero zero zero three", "0.0003"),
        ("dropout of point two", "dropout of 0.2"),
        ("one e minus four", "1e-4"),
        ("3 e minus 4", "3e-4"),
        # "and" joins a number only after its hundreds: two numbers listed, not text2num's 5250
        ("patience fifty and two hundred fifty epochs", "patience 50 and 250 epochs"),
        ("between three hundred and five hundred", "between 300 and 500"),
        ("two hundred and fifty six", "256"),
        ("1E minus 4", "1e-4"),
        ("ninety one point four percent", "91.4%"),
        ("1,000 steps", "1000 steps"),
        ("1.2 million examples", "1200000 examples"),
        ("one point five million", "1500000"),
        ("ran it for 10 to the 7 frames", "ran it for 10000000 frames"),
        ("three times ten to the power of four samples", "30000 samples"),
        ("from 10 to 40 epochs", "from 10 to 40 epochs"),
    ],
)
def test_spoken_numbers_become_digits(spoken: str, digits: str) -> None:
    assert to_digits(spoken) == digits


def test_names_match_the_runs_own_spelling() -> None:
    assert match_known("learning rate", ["lr", "batch_size"]) == "lr"
    assert match_known("val_accuracy", ["val_acc"]) == "val_acc"
    assert match_known("dropout", ["val_acc"]) == "dropout"
    found = items(extract(["Val acc is now 0.93."], {"val_acc": "metric"}))
    assert found == {("val_acc", 0.93, "metric")}
    found = items(extract(["The attention window is 256."], {"attn_window": "param"}))
    assert found == {("attn_window", 256.0, "param")}


def test_a_name_in_no_list_reads_as_snake_case() -> None:
    assert items(extract(["The focal weight was set to 2."])) == {("focal_weight", 2.0, "param")}
    assert items(extract(["The hit rate reached 0.4."])) == {("hit_rate", 0.4, "metric")}


def test_mentions_point_at_their_segment() -> None:
    found = extract(
        ["Validation loss is 0.4.", "I set dropout to 0.3 because it overfits.", "Next: 0.5."]
    )
    roles = {(m.role, m.segment) for m in found}
    assert roles == {("metric", 0), ("param", 1), ("rationale", 1), ("next_step", 2)}


def test_the_goal_is_a_pending_goal_note_not_a_value() -> None:
    (goal,) = extract(["Our goal is to get validation accuracy above 90% on the test set."])
    assert goal.role == "goal" and goal.kind == "note"
    capture = _mention_capture(goal, 7, [Segment(0.0, 3.0, goal.sentence, confidence=0.8)])
    assert capture.kind == "note" and capture.review == "pending"
    assert capture.role == "goal" and capture.text == goal.sentence


def test_run_references_and_what_is_not_one() -> None:
    found = extract(["Run 7 beats run 12; compare with experiment 3."])
    assert {m.run for m in found if m.role == "run_ref"} == {7, 12, 3}
    assert not items(found)
    for heard in ("We run 300 trees.", "I scheduled the run for tomorrow.", "Run free."):
        assert not [m for m in extract([heard]) if m.role == "run_ref"], heard
    assert not [m for m in extract(["I want to do that again."]) if m.role == "next_step"]


def test_whisper_inventions_are_dropped_or_flagged() -> None:
    assert clean_text(" Thank you.") == ("", ["hallucination"])
    assert clean_text("Thanks for watching!") == ("", ["hallucination"])
    text, flags = clean_text("learning rate 0-0-0-0-0-0-0-0-0-3")
    assert flags == ["repetition"] and "0-0-0-0" not in text
    assert clean_text("Accuracy is 91%.") == ("Accuracy is 91%.", [])


def test_a_name_only_the_subject_gives_is_asked_not_offered() -> None:
    """Names in no list taken from the plain words of the sentence's subject were right in fewer
    than half their offers on the outside sets (session 12): the value is kept as a question for
    the reviewer. A subject written as a name is ("the WQI climbed to 0.83", "the max_grad_norm
    is 1.0"), and so is a setting's object ("raised the total updates from 300 to 900")."""
    (mention,) = [m for m in extract(["The hop penalty ended up at 0.35."]) if m.value]
    assert (mention.name, mention.value, mention.unsure) == (
        "hop_penalty",
        0.35,
        "named after the sentence's subject: is it hop_penalty?",
    )
    assert not items([mention])
    known = {"hop_penalty": "metric"}  # the run logs it: its own name, nothing to ask
    assert items(extract(["The hop penalty ended up at 0.35."], known)) == {
        ("hop_penalty", 0.35, "metric")
    }


def test_values_nothing_tells_apart_are_asked_not_offered() -> None:
    """Several values of one name with nothing to tell which is the run's, and results of two
    things compared: each waits in review as a question; none is offered, none is lost."""
    cases = {
        "On vox1-O I got EER 1.12%, and without TTA I got EER 1.0052.": [
            ("eer", 1.12, "eer said 2 times (1.12%, 1.0052): is this one the run's?"),
            ("eer", 1.0052, "eer said 2 times (1.12%, 1.0052): is this one the run's?"),
        ],
        "fp32 reaches 99% accuracy but int8 gives 88% accuracy.": [
            ("accuracy", 99.0, "said of one of two things compared: is accuracy the run's?"),
            ("accuracy", 88.0, "said of one of two things compared: is accuracy the run's?"),
        ],
    }
    for text, asked in cases.items():
        mentions = [m for m in extract([text]) if m.value is not None]
        assert [(m.name, m.value, m.unsure) for m in mentions] == asked
        assert not items(mentions)


def test_a_value_it_had_before_is_not_its_value() -> None:
    assert items(extract(["Validation loss went from 0.6 to 0.55."])) == {
        ("val_loss", 0.55, "metric")
    }
    assert not items(extract(["Validation loss went from 0.60. 0.55 after augmentation."]))


@pytest.mark.parametrize(
    "heard",
    [
        "I lowered the learning rate to 0.0 near 0.0 near 0.3, because it diverged.",
        "Learning rate 0.0-0-0-0-3 now.",
    ],
)
def test_a_number_broken_into_pieces_gives_no_value(heard: str) -> None:
    assert not items(extract([heard]))


def test_the_vocabulary_prompt_says_names_as_people_say_them() -> None:
    prompt = vocabulary_prompt(["val_acc", "lr", "top1_accuracy", "my-metric"], ["baseline"])
    assert prompt.count("validation accuracy") == 1 and prompt.count("learning rate") == 1
    assert "val_acc" not in prompt and "lr," not in prompt
    assert prompt.endswith("top 1 accuracy, my metric, baseline.")


@pytest.mark.slow
def test_notes_nobody_here_wrote_text_only(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 22's collected sets (public threads, model cards; sources in the files).

    outside … outside7 were held out when first measured and then used to develop the rules
    (docs/voice-notes.md has every figure; outside7: 0.906 / 0.772 blind, 0.906 / 0.778 after its
    round, 0.986 / 0.846 after the next round, whose rules came from its misses). outside8
    (collected next, committed alone in 3f29fb5) was held out: measured once, blind (0.852 / 0.626),
    0.861 / 0.626 after its round, and 0.933 / 0.755 after the next round, whose rules came from its
    misses. outside9 (collected after it, committed alone in cd1ae92): 0.800 / 0.541 blind,
    0.796 / 0.541 after its round; the tenth session's first round came from its misses (0.870 /
    0.679). outside10 (committed alone in 2663817): 0.812 / 0.429 blind, 0.813 / 0.522 after that
    round; the second round came from its misses (0.856 / 0.577). outside11 (committed alone in
    f4945eb, before the second round): 0.784 / 0.453 with the session's first rules, 0.791 / 0.472
    after the first round, 0.801 / 0.482 after the second; a third round came from its misses
    (0.829 / 0.497). outside12 (committed alone in 3900630, before the third round): 0.826 / 0.533
    with the session's first rules, 0.866 / 0.597 after the second round, 0.870 / 0.597 after the
    third, its misses not read. From the eleventh session an optional item that spells an expected
    one otherwise counts for it (notesets.py); outside13 (committed alone in 5a6ca6c) measured
    0.795 / 0.559 blind and 0.819 / 0.576 after the session's round D (rules from outside9 …
    outside11's misses), then was a development set for round E (0.836 / 0.595); outside14
    (committed alone in 8b1c6c7, misses never read): 0.742 / 0.483 with the session's first
    rules, 0.760 / 0.494 after round D, 0.762 / 0.492 after round E; in the twelfth session its
    misses were read for rounds F and G (0.799 / 0.517). outside15 (committed alone in 0562dec,
    misses never read): 0.794 / 0.533 with the session's first rules and after rounds F and G,
    0.795 / 0.537 after the thirteenth session's round H.
    Guards against a regression, kept 0.02–0.03 below the measured figures: issue 22's bar
    (precision ≥ 0.97, recall ≥ 0.90 on held-out text) is not met on outside8 … outside15.
    """
    guards = {
        "outside": (0.93, 0.95),
        "outside2": (0.95, 0.93),
        "outside3": (0.95, 0.93),
        "outside4": (0.96, 0.93),
        "outside5": (0.95, 0.91),
        "outside6": (0.95, 0.92),
        "outside7": (0.96, 0.82),
        "outside8": (0.93, 0.78),
        "outside9": (0.86, 0.70),
        "outside10": (0.85, 0.62),
        "outside11": (0.87, 0.66),
        "outside12": (0.88, 0.72),
        "outside13": (0.81, 0.57),
        "outside14": (0.77, 0.49),
        "outside15": (0.77, 0.51),
    }
    for name, (precision, recall) in guards.items():
        score, cases = _score(name)
        with capsys.disabled():
            print(f"\ntext only: {name} ({cases} notes) {score}; {score.values_alone()}")
        assert score.precision >= precision and score.recall >= recall, "\n".join(score.misses)


@pytest.mark.slow
def test_notes_on_a_run_that_logged_their_names(capsys: pytest.CaptureFixture[str]) -> None:
    """A note is taken down about a run whose values are logged: spoken names then match the
    run's own (``known``). Simulated by giving each note the names its labeller expected as the
    run's; measured 2026-12-07: outside15 0.794 / 0.533 → 0.913 / 0.705, outside12 0.912 / 0.749
    → 0.963 / 0.888 — most of the gap to the bars is how a name is spelled, not which value."""
    for name in ("outside10", "outside11", "outside12", "outside13", "outside14", "outside15"):
        plain, logged = Score(), Score()
        for case in load(name):
            plain.add(case, items(extract([case.text], case.known)))
            known = case.known | {item: kind for item, _, kind in case.expected}
            logged.add(case, items(extract([case.text], known)))
        with capsys.disabled():
            print(f"\n{name}: {plain}; on a run that logged its names {logged}")
        assert logged.recall > plain.recall and logged.precision > plain.precision


@pytest.mark.parametrize("name", ["outside14", "outside15"])
def test_a_second_labeller_agrees_as_far_as_people_do(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A set labelled twice, by people who each followed the sets' written conventions: how far
    two readers agree bounds what any extractor can score. Measured 2026-12-07, the second
    labelling's items against the first's labels and the other way round: outside15 0.950 /
    0.933 and 0.952 / 0.938, outside14 0.939 / 0.925 and 0.988 / 0.961 — one way or both below
    issue 22's precision bar of 0.97."""
    first, second = load(name), load(f"{name}_b")
    assert [case.text for case in first] == [case.text for case in second]
    one_way, other_way = Score(), Score()
    for a, b in zip(first, second, strict=True):
        one_way.add(a, set(b.expected))
        other_way.add(b, set(a.expected))
    with capsys.disabled():
        print(f"\ntwo labellers on {name}: {one_way}; the other way round {other_way}")
    assert min(one_way.precision, other_way.precision, one_way.recall, other_way.recall) >= 0.9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a short written name right before or after its value, as results are listed
        (
            "The new decoder gives SSIM 0.913, LPIPS 0.121 and FVD 310.5 on the held-out clips.",
            {("ssim", 0.913, "metric"), ("lpips", 0.121, "metric"), ("fvd", 310.5, "metric")},
        ),
        (
            "On the val split we now reach 0.431 NDS with the bigger backbone.",
            {("nds", 0.431, "metric")},
        ),
        # one word or letter in a list of settings, whole numbers too
        (
            "Using T 4, tau 0.07 and K 8.",
            {("t", 4.0, "param"), ("tau", 0.07, "param"), ("k", 8.0, "param")},
        ),
        # a capitalised word before a whole number is a model's or a data set's name, no setting
        (
            "Fine-tuned ResNet 34 on CIFAR 100 and the accuracy is 71.2%.",
            {("accuracy", 71.2, "metric")},
        ),
        # a ranking metric at a cut-off: the cut-off is part of its name, never its value
        ("Precision at 5 comes out at 0.62.", {("precision_at_5", 0.62, "metric")}),
        # what a page or a leaderboard shows is theirs
        (
            "The leaderboard shows 88.1 accuracy while my run sits at 85.3 accuracy.",
            {("accuracy", 85.3, "metric")},
        ),
        # one metric on several data sets: each value is the metric's
        (
            "Top-1 accuracy is 76.1% on ImageNet, 64.0% on the sketch set and 41.5% on ObjectNet.",
            {
                ("top1_accuracy", 76.1, "metric"),
                ("top1_accuracy", 64.0, "metric"),
                ("top1_accuracy", 41.5, "metric"),
            },
        ),
        ("We measured a CER of 4.7 on our internal calls.", {("cer", 4.7, "metric")}),
        ("So far: FVD 310.5.", {("fvd", 310.5, "metric")}),
        # which one of how many is no setting
        ("At batch 5 of 20 the loss is 0.7.", {("loss", 0.7, "metric")}),
        ("Fold 3 of 5 has an F1 of 0.64.", {("f1", 0.64, "metric")}),
        (
            "Eval so far: region PRO 0.91, mask ROC 0.97.",
            {("region_pro", 0.91, "metric"), ("mask_roc", 0.97, "metric")},
        ),
        # a number inside a hardware name, an index list, a thing that got a result
        (
            "Trained on two RTX 3090 GPUs with batch size 48.",
            {("num_gpus", 2.0, "param"), ("batch_size", 48.0, "param")},
        ),
        ("We decayed at epochs 30 and 60 and the loss is 0.9.", {("loss", 0.9, "metric")}),
        ("The vanilla transformer gets 0.412 on this split.", set()),
        ("My teacher vgg16 is at 71.3 on the test data.", set()),
        # a value that falls to zero is still the value it settles on
        ("The recall started at 0.12 and now stays at 0.0.", {("recall", 0.0, "metric")}),
        (
            "Our solver scores pass at 5 of 0.62 and pass at 20 0.81.",
            {("pass_at_5", 0.62, "metric"), ("pass_at_20", 0.81, "metric")},
        ),
        ("One more pass over the data and the loss is 0.31.", {("loss", 0.31, "metric")}),
        # a hyphenated written name is one name
        ("Final: PQ-TH 51.2 on the val images.", {("pq_th", 51.2, "metric")}),
        # a written short name as the subject of its value
        ("After the fix the WQI climbed to 0.83.", {("wqi", 0.83, "metric")}),
        ("Sadly my mAPH is only 61.2 so far.", {("maph", 61.2, "metric")}),
        ("The LSTM baseline yields 0.72 on this task.", set()),
        (
            "I got SSIM 0.81 and LPIPS 0.22 after 300 epochs.",
            {("ssim", 0.81, "metric"), ("lpips", 0.22, "metric"), ("epochs", 300.0, "param")},
        ),
        # a fraction or a bound is no value
        ("The step size is alpha over 4 and the loss is 0.52.", {("loss", 0.52, "metric")}),
        ("On the holdout the FID stays over 40.", set()),
        # several values tried for one name: which one is this run's is a guess
        ("We tried warmup 500, 1000 and 2000 and the loss is 1.9.", {("loss", 1.9, "metric")}),
        # "respectively": the values in the names' order
        (
            "Loss and accuracy came out at 0.42 and 88.1% respectively.",
            {("loss", 0.42, "metric"), ("accuracy", 88.1, "metric")},
        ),
        (
            "The recall and precision are 0.58 and 0.91 respectively.",
            {("recall", 0.58, "metric"), ("precision", 0.91, "metric")},
        ),
        # a name of data or a model with its number is no setting
        ("Fine-tuned on Common Voice 11, learning rate 1e-5.", {("lr", 1e-5, "param")}),
        # the warmup's own length is said, the epochs are the run's
        (
            "We use 300 warmup steps and 40 epochs.",
            {("warmup_steps", 300.0, "param"), ("epochs", 40.0, "param")},
        ),
        # a one-word short form after a noun of its own is another quantity
        ("We got a median rank of 12.5 on the queries.", {("median_rank", 12.5, "metric")}),
        ("With 20 sampler steps the FID is 9.4.", {("fid", 9.4, "metric")}),
        (
            "Linear warmup of 400 steps, lr 2e-4.",
            {("warmup_steps", 400.0, "param"), ("lr", 2e-4, "param")},
        ),
        # a value after the words of its own name is no thing compared; a setting named "test …"
        # gives no split to the results
        (
            "FedProx over 50 clients, test fraction 0.1, mu 0.01 and lr 0.05 yields solid"
            " results, about 91% accuracy.",
            {
                ("test_fraction", 0.1, "param"),
                ("mu", 0.01, "param"),
                ("lr", 0.05, "param"),
                ("accuracy", 91.0, "metric"),
            },
        ),
        ("Our teacher scored about 81% and the pruned student 76%.", set()),
        # an average of a length or a speed is measured, not set
        (
            "The agent reaches a success rate of 62%, mean episode length 140.5 and mean"
            " speed 0.8.",
            {
                ("success_rate", 62.0, "metric"),
                ("mean_episode_length", 140.5, "metric"),
                ("mean_speed", 0.8, "metric"),
            },
        ),
        # an item of a list of settings is named by its words, from the comma to the value
        (
            "Trained with max new tokens 256, rollouts per prompt 8 and lr 1e-6.",
            {
                ("max_new_tokens", 256.0, "param"),
                ("rollouts_per_prompt", 8.0, "param"),
                ("lr", 1e-6, "param"),
            },
        ),
        (
            "Evaluated on relation vectors of dimension 100 and the MRR is 0.31.",
            {("mrr", 0.31, "metric")},
        ),
        # a setting in a list is not a result because a metric's word is part of the setting
        # before it (whose own name, with a listed name inside, is left unsaid)
        (
            "We ran with max IoU dist 0.6, track buffer 30 and got MOTA 71.2.",
            {("track_buffer", 30.0, "param"), ("mota", 71.2, "metric")},
        ),
        # a written name in capitals with a digit is a result's ("CER2", not "k1")
        (
            "With beam size 4, CHRF2 51.3 and TER 40.2.",
            {("beam_size", 4.0, "param"), ("chrf2", 51.3, "metric"), ("ter", 40.2, "metric")},
        ),
        # a word value right before its own name
        (
            "We trained with the Lion optimizer and lr 3e-5.",
            {("optimizer", "lion", "param"), ("lr", 3e-5, "param")},
        ),
        # a bound, a limit neared or a request is no run's value
        (
            "It was trained for at least 300 epochs and the loss is 0.21.",
            {("loss", 0.21, "metric")},
        ),
        (
            "The train accuracy approaches 99%, but the val accuracy sits around 71%.",
            {("val_accuracy", 71.0, "metric")},
        ),
        ("Please use lr 2e-4 and 8 epochs for the base model.", set()),
        # the point a value is measured at is no value; a range with its "%" is none either
        (
            "We get a recall of 0.41 at FPR 0.01 and an AUC of 0.93.",
            {("recall", 0.41, "metric"), ("auc", 0.93, "metric")},
        ),
        ("Top-1 accuracy is around 83% to 84% on that split.", set()),
        ("The run ends at WER 0.187 on the dev set.", {("val_wer", 0.187, "metric")}),
        # a number that is part of the name before it is no broken piece of the value after it
        (
            "After 24 epochs we have mAP 0.47, mAP 50 0.68 and mAP 75 0.51.",
            {
                ("epochs", 24.0, "param"),
                ("map", 0.47, "metric"),
                ("map50", 0.68, "metric"),
                ("map75", 0.51, "metric"),
            },
        ),
        # a name in no list with a mean in it is a result's
        (
            "With batch size 8, region J mean 0.61, boundary F mean 0.66.",
            {
                ("batch_size", 8.0, "param"),
                ("region_j_mean", 0.61, "metric"),
                ("boundary_f_mean", 0.66, "metric"),
            },
        ),
        # segmentation's two accuracies are two metrics
        (
            "Eval gives mean IoU 0.41, mean accuracy 0.52 and overall accuracy 0.83.",
            {
                ("miou", 0.41, "metric"),
                ("mean_accuracy", 0.52, "metric"),
                ("overall_accuracy", 0.83, "metric"),
            },
        ),
        # a hardware model number after its maker's name is no value
        ("Ran it on a single Quadro RTX 8000 for 30 epochs.", {("epochs", 30.0, "param")}),
        # a split said before a name in no list is its split prefix
        ("The validation SRCC is 0.71 on the pairs.", {("val_srcc", 0.71, "metric")}),
        # "than expected" compares with an expectation; it starts no plan
        (
            "Accuracy came out lower than expected, with precision 0.61 and recall 0.44.",
            {("precision", 0.61, "metric"), ("recall", 0.44, "metric")},
        ),
        # "test set" is the data, not "set to": the written names after it are results
        (
            "On the held-out test set PESQ 3.1, CSIG 4.2 and COVL 3.6.",
            {
                ("pesq", 3.1, "metric"),
                ("csig", 4.2, "metric"),
                ("covl", 3.6, "metric"),
            },
        ),
        # the twelfth session's rules (round F), phrased apart from the notes they came from:
        # another person's result, and a name said as someone else's in its own clause
        (
            "My labmate reached a recall of 0.81, but I got 0.77 with the same split.",
            {("recall", 0.77, "metric")},
        ),
        ("Your F1 on that benchmark was 0.88.", set()),
        # a magnitude letter scales a count, not a measurement with many decimals
        ("The tracker keeps an RMSE of 12.3456 m over the route.", {("rmse", 12.3456, "metric")}),
        # a written name is whole, and its last part tells its kind; a result is no setting
        (
            "After 3 epochs the logs show critic_loss 1.25.",
            {("epochs", 3.0, "param"), ("critic_loss", 1.25, "metric")},
        ),
        ("I got min_ade 0.71 on the benchmark.", {("min_ade", 0.71, "metric")}),
        # a sweep said with "experimented", a hedge between a short name and its value
        ("I experimented with warmup steps from 100 to 2000 and nothing changed.", set()),
        ("I got an EPE of roughly 2.35 on the clean pass.", {("epe", 2.35, "metric")}),
        # labels, not measures: a number written with a leading zero, a data set's version,
        # the part of a run an ordinal counts, which one of a numbered thing
        (
            "Evaluated on scene 0021 we get a chamfer distance of 0.018.",
            {("chamfer_distance", 0.018, "metric")},
        ),
        ("It gets F1 0.71 on SQUAD 2.0.", {("f1", 0.71, "metric")}),
        ("I decay the lr by 0.5 every 5 epochs after the first 30.", set()),
        ("The stage 2 accuracy is 81.5.", {("accuracy", 81.5, "metric")}),
        # a split said right after a value is its own, and does not reach the values after it
        (
            "It reaches 0.91 accuracy on train and 0.84 accuracy on the validation set.",
            {("train_accuracy", 0.91, "metric"), ("val_accuracy", 0.84, "metric")},
        ),
        (
            "My model got 0.64 AUC on training data, then 0.61 AUC on the external cohort.",
            {("train_auc", 0.64, "metric"), ("auc", 0.61, "metric")},
        ),
        # a ranking metric's cut-off written with "@"; accuracy at k is the top-k accuracy;
        # a value "in your code" is someone else's
        (
            "Retrieval gives R@1 0.31 and R@10 0.72, with acc@1 of 64.2 on the probe.",
            {
                ("recall_at_1", 0.31, "metric"),
                ("recall_at_10", 0.72, "metric"),
                ("top1_accuracy", 64.2, "metric"),
            },
        ),
        ("The hits@10 of the three baselines is about 0.4 in your code.", set()),
        # the digit of a name said before a split is no value the split is said after
        (
            "Its top 1 accuracy on the test set came out at 71.2%.",
            {("test_top1_accuracy", 71.2, "metric")},
        ),
    ],
)
def test_names_in_no_list_and_whose_value_it_is(text: str, expected: set) -> None:
    assert items(extract([text], {})) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a listed name before a setting's last word is what the setting is of
        (
            "With an lr decay of 0.97 per epoch we reach 81% accuracy.",
            {("lr_decay", 0.97, "param"), ("accuracy", 81.0, "metric")},
        ),
        ("I bumped the loss scale to 1024.", {("loss_scale", 1024.0, "param")}),
        ("The kl weight was set to 0.001 after warmup.", {("kl_weight", 0.001, "param")}),
        # a listed name before a change is no value of that name
        ("The accuracy drop after quantization was 1.3 points.", set()),
        ("Our lr drop comes at 120.", set()),
        # a number with a name of its own before it is not one of an unnamed pair
        (
            "Runs use hop length 200 and 30 epochs.",
            {("hop_length", 200.0, "param"), ("epochs", 30.0, "param")},
        ),
    ],
)
def test_a_setting_of_a_listed_name(sentence: str, expected: set) -> None:
    assert items(extract([sentence])) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a number closing the name of a data set or a card, as Whisper writes it (lower case)
        (
            "we fine-tuned on librispeech clean 100 with a batch size of 8",
            {("batch_size", 8.0, "param")},
        ),
        ("the job ran on one titan rtx 4090 for 3 epochs", {("epochs", 3.0, "param")}),
        # a setting's own name after "on" is no data set
        (
            "trained on batch size 48 for 12 epochs",
            {("batch_size", 48.0, "param"), ("epochs", 12.0, "param")},
        ),
    ],
)
def test_a_number_in_the_name_of_what_it_ran_on(sentence: str, expected: set) -> None:
    assert items(extract([sentence])) == expected
