"""The agent's pieces without a screen: chords, regions, OCR clean-up and layout, settings,
and a like that cannot be stored being kept and retried."""

from __future__ import annotations

import pytest
from sqlmodel import select

from runnotes.agent import (
    AgentConfig,
    Like,
    Press,
    Snap,
    build_like,
    describe,
)
from runnotes.capture.hotkey import Chord, ChordListener, to_pynput
from runnotes.capture.layout import Box, Page, name_from_table, read_pointed
from runnotes.capture.ocr import fix_confusions
from runnotes.capture.screen import clamp_region
from runnotes.capture.window import WindowInfo
from runnotes.errors import RunnotesError
from runnotes.store.models import Capture


def test_chords_are_written_the_pynput_way() -> None:
    assert to_pynput("ctrl+alt+l") == "<ctrl>+<alt>+l"
    assert to_pynput("Super+Shift+F9") == "<cmd>+<shift>+<f9>"
    with pytest.raises(RunnotesError, match="not a key chord"):
        to_pynput("ctrl+")


def test_the_region_stays_on_the_screen() -> None:
    screen = (0, 0, 1280, 800)
    assert clamp_region(640, 400, 640, 240, screen) == (320, 280, 640, 240)
    assert clamp_region(5, 790, 640, 240, screen) == (0, 560, 640, 240)
    assert clamp_region(10, 10, 4000, 240, screen) == (0, 0, 1280, 240)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1oss=0.8125 1r=2.5e-4", "loss=0.8125 lr=2.5e-4"),
        ("weight_decay=le-05", "weight_decay=1e-05"),
        ("topl: 76.13%", "top1: 76.13%"),
        ("Ir", "lr"),
        ("rouge_!", "rouge_l"),
        ("IoU: 0.61", "IoU: 0.61"),
        ("0.93O1", "0.9301"),
    ],
)
def test_ocr_letter_digit_confusions_are_undone(raw: str, clean: str) -> None:
    assert fix_confusions(raw) == clean


def page_of(cells: list[tuple[str, float, float, float, float]], underscores: bool = False) -> Page:
    """A page whose recogniser reads back the given texts (layout rules without OCR); with
    ``underscores``, the ink test finds an underscore in every narrow gap."""
    texts = {Box(x0, y0, x1, y1): text for text, x0, y0, x1, y1 in cells}
    return Page(
        list(texts),
        lambda shapes: [(texts[s], 0.99) for s in shapes],
        underscore=(lambda a, b: True) if underscores else None,
    )


def test_an_underscore_split_by_ocr_is_joined_back() -> None:
    page = page_of(
        [("epoch 12", 0, 0, 30, 18), ("train", 60, 0, 85, 18), ("loss: 0.2314", 86, 0, 190, 18)],
        underscores=True,
    )
    reading = read_pointed(page, 170, 9)
    assert (reading.name, reading.text, reading.step) == ("train_loss", "0.2314", 12)


def test_only_the_pointed_value_is_the_like() -> None:
    page = page_of([("loss: 0.51  acc: 0.88", 0, 0, 210, 16), ("loss: 0.42", 0, 30, 100, 46)])
    reading = read_pointed(page, 190, 8)
    assert (reading.name, reading.text, reading.context) == ("acc", "0.88", {"loss": "0.51"})
    assert read_pointed(page, 60, 38).text == "0.42"
    nothing = read_pointed(page, 150, 38)  # right of the second line's text
    assert nothing.value is None and "no text under the pointer" in nothing.why
    assert read_pointed(page_of([]), 0, 0).value is None


def test_a_key_cut_where_a_dict_line_wraps_is_completed_or_in_doubt() -> None:
    cut = ("er_second': 405.2}", 0, 20, 160, 36)
    page = page_of([("{'eval_loss': 0.41, 'eval_samples_p", 0, 0, 300, 16), cut])
    reading = read_pointed(page, 125, 28)
    assert (reading.name, reading.text, reading.why) == ("eval_samples_per_second", "405.2", "")
    alone = read_pointed(page_of([cut]), 125, 28)  # the line above is not there
    assert alone.text == "405.2" and alone.why.endswith("may be cut where the line wraps")


def test_table_rows_and_cards_are_named_by_the_label_above() -> None:
    rows = (("model", "f1", "auc"), ("base", "0.8832", "0.9413"), ("large", "0.9017", "0.9588"))
    page = page_of(
        [
            (text, x, 30 * i, x + 50, 30 * i + 16)
            for i, row in enumerate(rows)
            for x, text in zip((0, 100, 200), row, strict=True)
        ]
    )
    reading = read_pointed(page, 120, 68)
    assert reading.name is None and reading.text == "0.9017"
    assert name_from_table(page, reading, 120, 68, None)
    assert (reading.name, reading.qualifier, reading.context) == ("f1", "large", {"auc": "0.9588"})
    cards = page_of([("val_acc", 10, 10, 80, 26), ("93.2%", 10, 40, 90, 70)])
    card = read_pointed(cards, 40, 50)
    name_from_table(cards, card, 40, 50, None)
    assert (card.name, card.text, card.unit) == ("val_acc", "93.2%", "%")


def test_settings_are_checked() -> None:
    config = AgentConfig.from_section({"like": "ctrl+alt+k", "private": "bank,vault"}, ocr=False)
    assert (config.like, config.private, config.ocr) == ("ctrl+alt+k", ("bank", "vault"), False)
    assert config.private_match(WindowInfo("My Vault", "KeePassXC")) == "vault"
    with pytest.raises(RunnotesError, match="unknown \\[agent\\] setting"):
        AgentConfig.from_section({"liek": "x"})
    with pytest.raises(RunnotesError, match="bad private pattern"):
        AgentConfig.from_section({"private": ["("]})


def _selection_like(text: str) -> Like:
    press = Press(at=1.0, t0=0.0, pointer=(5, 5))
    snap = Snap(press, WindowInfo("train.py", "XTerm", 42), text, "selection", None)
    return build_like(snap, None)


def test_a_selection_becomes_approved_liked_values() -> None:
    like = _selection_like("epoch 3  val_acc: 0.9321  lr=3e-4")
    assert [(c.kind, c.name, c.text, c.step, c.review) for c in like.captures] == [
        ("metric", "val_acc", "0.9321", 3, "approved"),
        ("param", "lr", "3e-4", 3, "approved"),
    ]
    assert all(c.origin == "XTerm: train.py" and c.liked for c in like.captures)


def test_a_like_that_cannot_be_stored_is_kept_and_retried(store) -> None:  # type: ignore[no-untyped-def]
    """A full disk or a broken media folder: the like stays in memory until a retry succeeds."""
    from runnotes.agent import Agent

    lines: list[str] = []
    agent = Agent(store, AgentConfig(ocr=False, notify=False), lines.append)
    like = _selection_like("val_loss: 0.4418")
    like.media["region"] = b"\x89PNG fake region"
    media_root = store.media.root
    media_root.parent.mkdir(parents=True, exist_ok=True)
    media_root.write_text("not a folder")  # every media write now fails with an OSError
    assert agent._store(like) is False
    assert agent.unsaved == [like] and "kept in memory" in lines[-1]
    media_root.unlink()
    agent._retry()
    assert agent.unsaved == []
    assert lines[-1].startswith('liked val_loss=0.4418 from "XTerm: train.py"')
    with store.read() as session:
        names = [c.name for c in session.exec(select(Capture)).all()]
    assert names == [None, "val_loss"]  # the screenshot row, then the value


def test_feedback_names_values_window_and_run() -> None:
    from runnotes.agent import Stored

    like = _selection_like("val_acc: 0.9321")
    line = describe(Stored(like, 12, [1], 3.0))
    assert line == 'liked val_acc=0.9321 from "XTerm: train.py" → run 12'


def test_the_key_listener_ends_when_stopped(xdisplay: str) -> None:
    """Without a key event after ``stop`` the listener thread still ends (pynput alone waits)."""
    listener = ChordListener([Chord("like", "ctrl+alt+l", lambda: None)])
    listener.start()
    listener.stop()
    assert not listener.listener.is_alive()


def test_a_liked_number_equal_to_a_logged_value_is_linked_to_it(store) -> None:  # type: ignore[no-untyped-def]
    """The screen shows 0.8421 and nothing names it: the store's val_acc at step 900 does."""
    from runnotes.agent import Stored, _reading_capture
    from runnotes.capture.known import find_known
    from runnotes.capture.layout import Reading
    from runnotes.store.models import Source
    from runnotes.store.runs import NewCapture, add_captures, create_run

    run = create_run(store, name="resnet18")
    add_captures(
        store,
        run.id,
        [
            NewCapture(kind="metric", source=Source.sdk, name="val_acc", value=0.842137, step=900),
            NewCapture(kind="param", source=Source.sdk, name="batch_size", value=64.0),
        ],
    )
    (known,) = find_known(store, "0.8421")
    assert (known.name, known.run_id, known.step) == ("val_acc", run.id, 900)
    assert find_known(store, "64") == []  # two digits equal too much by chance
    assert [k.name for k in find_known(store, "64", "batch_size")] == ["batch_size"]
    like = _selection_like("")
    capture = _reading_capture(like.snap, Reading(value=0.8421, text="0.8421"), store, {}, like)
    assert (capture.name, capture.step, capture.review) == ("val_acc", 900, "approved")
    assert capture.extra["known"]["capture_id"] == known.capture_id
    like.captures = [capture]
    assert "(= val_acc of run" in describe(Stored(like, run.id, [1], 1.0))
    named = _reading_capture(
        like.snap, Reading(value=0.8421, text="0.8421", name="acc"), store, {}, like
    )
    assert named.name == "val_acc" and named.review == "pending"  # the screen said otherwise
    # The browser extension's DOM value goes through the same rule (capture/judge.py).
    from runnotes.capture.browser import BrowserLike, to_capture

    dom = to_capture(BrowserLike(text="0.8421", name="acc", namedBy="column"), 1.0, store)
    assert (dom.name, dom.step, dom.review) == ("val_acc", 900, "pending")
    assert dom.extra["unsure"] == "the page says 'acc'" and dom.extra["screen_name"] == "acc"
    unnamed = to_capture(BrowserLike(text="0.8421"), 1.0, store)
    assert (unnamed.name, unnamed.review) == ("val_acc", "approved")


def test_selected_digits_that_the_screen_does_not_show_are_no_value() -> None:
    from runnotes.capture.layout import Reading
    from runnotes.capture.reading import complete

    seen = Reading(value=0.399, text="0.399", name="loss", named_by="line")
    assert complete(seen, "399") is seen  # a double-click stopped at the dot: completed
    other = Reading(value=0.463, text="0.463", name="valid_loss", named_by="line")
    assert complete(other, "399").value is None  # maybe a piece of another number: none
    assert complete(Reading(why="no text under the pointer"), "399").value is None
    unchecked = complete(None, "399")  # no OCR: the selection stands, for review
    assert (unchecked.text, unchecked.why) == ("399", "the selection was not checked on the screen")


def test_the_desktop_is_chosen_from_the_session() -> None:
    from runnotes.capture.desktop import session_kind

    assert session_kind({"DISPLAY": ":0"}) == "x11"
    assert session_kind({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert session_kind({"XDG_SESSION_TYPE": "wayland"}) == "wayland"
    assert session_kind({}) == ""
    assert session_kind({"WAYLAND_DISPLAY": "w", "RUNNOTES_DESKTOP": "x11"}) == "x11"
    with pytest.raises(RunnotesError, match="x11 or wayland"):
        session_kind({"RUNNOTES_DESKTOP": "cocoa"})


def test_portal_triggers_and_slurp_geometry() -> None:
    from runnotes.capture.portal import to_trigger
    from runnotes.capture.wayland import parse_geometry

    assert to_trigger("ctrl+alt+l") == "CTRL+ALT+l"
    assert to_trigger("super+shift+F9") == "LOGO+SHIFT+F9"
    assert parse_geometry("860,0 420x36\n") == (860, 0, 420, 36)
    assert parse_geometry("selection cancelled") is None
    assert parse_geometry("1,2 0x5") is None


def test_the_terminal_cell_under_the_pointer() -> None:
    from runnotes.capture.terminal import cell_at

    rect = (40, 60, 404, 204)  # xterm: 80 × 20 cells of 5 × 10 px and a 2 px border
    assert cell_at(rect, 80, 20, 42 + 5 * 34 + 2, 62 + 10 * 1 + 5) == (34, 1)
    assert cell_at(rect, 80, 20, 41, 61) is None  # on the border
    assert cell_at(rect, 80, 20, 500, 100) is None  # outside the window


def test_an_ocr_name_with_i_or_l_in_doubt_waits_for_review(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from runnotes.capture.layout import Reading
    from runnotes.capture.ocr import OcrEngine

    engine = OcrEngine()
    for name, doubt in (("TruthfuIQA", True), ("mIoU", True), ("val_loss", False), ("MMLU", False)):
        monkeypatch.setattr(engine, "_read_at", lambda *a, n=name: Reading(0.5, "0.5", n))
        assert bool(engine.read_at(None, 0, 0).why) is doubt, name


def test_kitty_s_listing_gives_the_grid_of_a_single_window_only() -> None:
    """``kitty @ ls`` as kitty 0.26 prints it (fields trimmed to those read)."""
    from runnotes.capture.terminal import kitty_grid

    one = {"id": 1, "columns": 91, "lines": 23, "is_focused": True}
    window = {"id": 1, "is_focused": True, "platform_window_id": 2097164}
    listing = [{**window, "tabs": [{"id": 1, "windows": [one]}]}]
    assert kitty_grid(listing) == (1, 91, 23)
    split = [{**window, "tabs": [{"id": 1, "windows": [one, {**one, "id": 2}]}]}]
    assert kitty_grid(split) is None  # a split: the OS window's grid is not the window's
    tabs = [{**window, "tabs": [{"id": 1, "windows": [one]}, {"id": 2, "windows": [one]}]}]
    assert kitty_grid(tabs) is None  # a tab bar takes a row
    assert kitty_grid(None) is None


def test_wezterm_s_listing_places_the_pointer_in_its_pane() -> None:
    """``wezterm cli list --format json`` in its documented form (WezTerm is not in Debian: not
    recorded from the real program). 80 × 24 cells of 8 × 16 px in a 656 × 440 window: one cell
    of padding left and right, half a cell below, the tab bar above."""
    from runnotes.capture.terminal import wezterm_cell
    from runnotes.capture.window import WindowInfo

    size = {"rows": 24, "cols": 80, "pixel_width": 640, "pixel_height": 384, "dpi": 96}
    pane = {"window_id": 0, "tab_id": 0, "pane_id": 3, "title": "train", "is_active": True}
    window = WindowInfo("train", "org.wezfurlong.wezterm", 4242, (100, 50, 656, 440))
    top = 50 + 440 - 384 - 8  # the grid's top: above it the tab bar
    pointer = (100 + 8 + 34 * 8 + 4, top + 5 * 16 + 8)
    assert wezterm_cell([{**pane, "size": size}], window, pointer) == (3, (34, 5))
    split = [{**pane, "size": size}, {**pane, "pane_id": 4, "is_active": False, "size": size}]
    assert wezterm_cell(split, window, pointer) is None
    assert wezterm_cell([{**pane, "size": size}], window, (101, top + 8)) is None  # padding


def test_a_terminal_s_text_gives_the_pointed_character() -> None:
    from runnotes.capture.a11y import read_pointed_text
    from runnotes.capture.terminal import pointed_at

    lines = ["epoch 12  val_acc: 0.9321  loss: 0.4471", ""]
    pointed = pointed_at(lines, lines[0].index("0.4471") + 2, 0)
    assert pointed is not None and pointed.role == "terminal"
    reading = read_pointed_text(pointed)
    assert reading is not None and (reading.name, reading.text) == ("loss", "0.4471")
    assert pointed_at(lines, 70, 0) is None and pointed_at(lines, 0, 5) is None
