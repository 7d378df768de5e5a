"""OCR accuracy on 48 rendered crops (terminal, notebook table, dashboard cards; light and dark;
three fonts and sizes each), read the way the agent reads them: ≥ 95 % of values exact.
A log line names its own numbers, so only that line is recognised (the agent's OCR speed)."""

from __future__ import annotations

import numpy as np
import pytest

from runnotes.capture.ocr import OcrEngine

pytestmark = pytest.mark.slow


def test_at_least_95_percent_of_values_are_exact(ocr_crops: list) -> None:
    engine = OcrEngine()
    cases = ocr_crops
    assert len(cases) >= 40
    layouts = {c.name.split("-")[0].rstrip("0123456789") for c in cases}
    assert layouts == {"terminal", "table", "cards"}
    exact = total = 0
    misses, over_read = [], []
    for crop in cases:
        found = engine.read_near(np.asarray(crop.image)[:, :, ::-1].copy(), *crop.pointer)
        if crop.name.startswith("terminal") and "\n" in found.all_text:
            over_read.append(f"{crop.name}: read {found.all_text!r}")
        for name, text in crop.expect.items():
            total += 1
            if found.texts.get(name) == text and found.values[name] == float(text.rstrip("%")):
                exact += 1
            else:
                misses.append(f"{crop.name}: {name}={text} read as {found.texts.get(name)!r}")
    assert exact / total >= 0.95, "\n".join(misses)
    assert total >= 120
    assert not over_read, "\n".join(over_read)
