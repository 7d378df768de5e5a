"""Word error rate of a transcript against what was said."""

from __future__ import annotations

from runnotes.voice.numbers import to_digits


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length), on digit-normalised lower-case words."""

    def words(text: str) -> list[str]:
        text = to_digits(text).replace("-", " ")
        return [w.strip(".,!?:;").lower() for w in text.split() if w.strip(".,!?:;")]

    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)
