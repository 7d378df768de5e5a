"""Text from the accessibility bus (AT-SPI) instead of pixels, where the window publishes it.

Without a bus: the layout rules on exact text (a line, a column in a printed report, a table
cell's header) and how a like combines the application's digits with OCR's name. With a real
one: Debian's Chromium on Xvfb publishes its page's text over AT-SPI (a D-Bus session bus and
at-spi-bus-launcher started for the test), and the value under a point is read exactly.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agent import realtools
from runnotes.agent import Press, Snap, build_like
from runnotes.capture.a11y import A11yBus, Pointed, read_pointed_text
from runnotes.capture.layout import Reading
from runnotes.capture.window import WindowInfo

REPORT = """              precision    recall  f1-score   support

         cat     0.9000    0.9000    0.9000        30
         dog     0.8966    0.8667    0.8814        30
"""
TRAINER = "{'eval_loss': 0.4123, 'eval_accuracy': 0.8867, 'epoch': 3.0}"
KERAS = (
    "Epoch 3/4\n469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9724 - loss: 0.0918"
    " - val_accuracy: 0.9731 - val_loss: 0.0874\nEpoch 4/4\n"
)


@pytest.mark.parametrize(
    ("pointed", "name", "text", "qualifier", "step"),
    [
        (Pointed(TRAINER, TRAINER.index("8867"), "static"), "eval_accuracy", "0.8867", None, None),
        (Pointed(REPORT, REPORT.index("0.8814") + 3, "static"), "f1-score", "0.8814", "dog", None),
        (Pointed("0.92", 2, "static", "val_acc", "vit-tiny"), "val_acc", "0.92", "vit-tiny", None),
        # a terminal's text: the epoch printed on its own line above the bar
        (Pointed(KERAS, KERAS.index("0.9731"), "terminal"), "val_accuracy", "0.9731", None, 3),
    ],
)
def test_exact_text_is_named_by_the_same_layout_rules(
    pointed: Pointed, name: str, text: str, qualifier: str | None, step: int | None
) -> None:
    reading = read_pointed_text(pointed)
    assert reading is not None
    assert (reading.name, reading.text, reading.qualifier, reading.step) == (
        name,
        text,
        qualifier,
        step,
    )


def test_no_number_at_the_point_leaves_it_to_ocr() -> None:
    assert read_pointed_text(Pointed("resnet18-lr3e-4", 3, "static", "Run")) is None
    assert read_pointed_text(Pointed("0.9287", -1, "static")) is None


def test_the_applications_digits_win_over_ocrs_and_a_mismatch_is_reviewed() -> None:
    from runnotes.capture.reading import exact_digits

    exact = read_pointed_text(Pointed("0.9287", 2, "static"))
    assert exact is not None and exact.name is None  # a bare number: OCR finds its name
    seen = Reading(value=0.9281, text="0.9281", name="val_acc", named_by="title", score=0.95)
    merged = exact_digits(seen, exact)
    assert (merged.name, merged.text, merged.score) == ("val_acc", "0.9287", 1.0)
    assert "where the application says '0.9287'" in merged.why
    agreeing = Reading(value=0.9287, text="0.9287", name="val_acc", named_by="title")
    assert exact_digits(agreeing, exact).why == ""


def test_a_named_value_from_the_bus_needs_no_ocr() -> None:
    snap = Snap(
        Press(time.time(), time.monotonic(), (10, 10)),
        WindowInfo("report - Chromium", "chromium", 1),
        "",
        "",
        None,
        pointed=Pointed(TRAINER, TRAINER.index("4123"), "static"),
    )
    like = build_like(snap, None)
    (value,) = like.captures
    assert (value.name, value.text, value.via, value.review) == (
        "eval_loss",
        "0.4123",
        "a11y",
        "approved",
    )


PAGE = """<html><body style="font-family: sans-serif; font-size: 15px; margin: 30px">
<h3>cifar10 sweep</h3>
<table border=1 cellpadding=6>
<thead><tr><th>Run</th><th>val_acc</th><th>val_loss</th></tr></thead>
<tbody><tr><td>resnet18-lr3e-4</td><td id=a>0.9412</td><td>0.2013</td></tr>
<tr><td>vit-tiny-lr5e-4</td><td id=b>0.9287</td><td>0.2391</td></tr></tbody></table>
<pre id=dict>{trainer}</pre>
<pre id=report>{report}</pre>
</body></html>"""

TARGETS = [  # (selector, text, name, qualifier)
    ("#a", "0.9412", "val_acc", "resnet18-lr3e-4"),
    ("#b", "0.9287", "val_acc", "vit-tiny-lr5e-4"),
]


@pytest.mark.slow
def test_chromium_publishes_the_text_under_the_pointer(xdisplay: str, tmp_path: Path) -> None:
    from Xlib import display as xlib_display

    from runnotes.capture.window import active_window

    page = tmp_path / "sweep.html"
    page.write_text(PAGE.format(trainer=TRAINER, report=REPORT))
    with realtools.a11y_session():
        browser = realtools.Browser()
        bus = A11yBus.open()
        assert bus is not None
        try:
            browser.goto(page.as_uri(), "table")
            time.sleep(1.5)
            conn = xlib_display.Display(xdisplay)
            pid = active_window(conn).pid
            assert pid is not None
            script = "[...document.querySelectorAll('#a, #b')].map(e => ({box: textBox(e)}))"
            cells = browser.boxes(script)
            ranges = [("dict", TRAINER, "0.8867", "eval_accuracy", None)]
            ranges.append(("report", REPORT, "0.8814", "f1-score", "dog"))
            found = []
            for (_, text, name, qualifier), cell in zip(TARGETS, cells, strict=True):
                found.append((cell["pointer"], text, name, qualifier))
            for element, whole, digits, name, qualifier in ranges:
                start = whole.index(digits)
                script = (
                    realtools.RANGE_BOX_JS
                    + f"return {{box: rangeBox(document.getElementById('{element}'), "
                    + f"{start}, {start + len(digits)})}};"
                )
                (box,) = browser.boxes(f"[(() => {{ {script} }})()]")
                found.append((box["pointer"], digits, name, qualifier))
            for (x, y), digits, name, qualifier in found:
                pointed = bus.pointed(x, y, pid)
                assert pointed is not None, (x, y, digits)
                reading = read_pointed_text(pointed)
                assert reading is not None, pointed
                assert (reading.text, reading.name, reading.qualifier) == (digits, name, qualifier)
            conn.close()
        finally:
            bus.close()
            browser.close()
