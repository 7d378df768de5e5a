"""The background agent: a chord "likes" what is on screen and stores it on the active run.

Three stages keep the key listener free and nothing lost:

1. the key callback (pynput's thread) records the time and the pointer and queues a press;
2. the *snap* thread reads what is fleeting right away — active window, selection, pixels
   (milliseconds) — so a burst of presses each keeps its own moment;
3. the *worker* thread does the slow part — PNG encoding, OCR, parsing, the database commit —
   and only then gives feedback. A like that cannot be stored (full disk, locked database) stays
   in memory and is retried; nothing here ever stops the agent.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from runnotes.backend import Backend
from runnotes.backend.local import backend_of
from runnotes.capture.a11y import A11yBus, Pointed
from runnotes.capture.desktop import Desktop, Reader, open_desktop
from runnotes.capture.hotkey import Chord
from runnotes.capture.judge import judge
from runnotes.capture.known import Known
from runnotes.capture.layout import Reading
from runnotes.capture.ocr import OcrEngine
from runnotes.capture.parse import NUMBER, parse_text
from runnotes.capture.reading import read_value
from runnotes.capture.screen import Shot, clamp_region
from runnotes.capture.terminal import pointed_in_terminal
from runnotes.capture.window import WindowInfo
from runnotes.config import AGENT_CHORDS, AGENT_REGION, AGENT_VOICE_SOURCE
from runnotes.errors import RunnotesError
from runnotes.store.db import Store
from runnotes.store.models import Kind, Review, Source
from runnotes.store.runs import NewCapture, target_run_id

RETRY_S = 5.0
_BARE_SELECTION = re.compile(rf"^\s*({NUMBER})%?\s*$")
# Names that configure a run rather than measure it: liked as params.
PARAM_NAMES = {
    "lr",
    "learning_rate",
    "batch_size",
    "bs",
    "dropout",
    "weight_decay",
    "wd",
    "momentum",
    "seed",
    "epochs",
    "warmup",
    "warmup_steps",
    "max_steps",
    "beta1",
    "beta2",
    "eps",
    "temperature",
    "num_layers",
    "hidden_size",
    "grad_accum",
}
PRIVATE_DEFAULT = (
    "keepass",
    "1password",
    "bitwarden",
    "lastpass",
    "password",
    "seahorse",
    "signal",
    "slack",
    "discord",
    "telegram",
    "whatsapp",
    "element",
    "mattermost",
    "thunderbird",
    "evolution",
    "geary",
    "outlook",
    "mail",
)


@dataclass
class AgentConfig:
    """Chords and behaviour; from ``[agent]`` in config.toml, ``RUNNOTES_AGENT_*`` and flags."""

    like: str = AGENT_CHORDS["like"]
    region: str = AGENT_CHORDS["region"]
    voice: str = AGENT_CHORDS["voice"]
    note: str = AGENT_CHORDS["note"]
    pause: str = AGENT_CHORDS["pause"]
    region_width: int = AGENT_REGION[0]
    region_height: int = AGENT_REGION[1]
    ocr: bool = True
    a11y: bool = True  # exact text from the accessibility bus where the window publishes it
    clipboard_seconds: float = 5.0
    region_picker: str = "slurp"  # Wayland: prints the rectangle the user draws, "X,Y WxH"
    private: tuple[str, ...] = PRIVATE_DEFAULT
    voice_source: str = AGENT_VOICE_SOURCE
    notify: bool = True

    @classmethod
    def from_section(cls, section: dict[str, Any], **flags: Any) -> AgentConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(section) - known)
        if unknown:
            raise RunnotesError(f"unknown [agent] setting(s): {', '.join(unknown)}")
        values = {**section, **{k: v for k, v in flags.items() if v is not None}}
        if isinstance(values.get("private"), str):
            values["private"] = tuple(p for p in values["private"].split(",") if p.strip())
        try:
            config = cls(**values)
        except TypeError as exc:
            raise RunnotesError(f"bad [agent] settings: {exc}") from exc
        for pattern in config.private:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RunnotesError(f"bad private pattern {pattern!r}: {exc}") from exc
        return config

    def open_desktop(self) -> Desktop:
        """This session's desktop, with the settings that concern it."""
        return open_desktop(
            clipboard_seconds=self.clipboard_seconds, region_picker=self.region_picker
        )

    def private_match(self, window: WindowInfo) -> str | None:
        """The first private pattern the window's class or title matches (case-insensitive)."""
        for pattern in self.private:
            if re.search(pattern, window.wm_class, re.I) or re.search(pattern, window.title, re.I):
                return pattern
        return None


@dataclass
class Press:
    """A chord press as the listener saw it."""

    at: float  # wall clock, stored as the capture time
    t0: float  # monotonic, for latency
    pointer: tuple[int, int] | None  # None where the desktop does not tell (Wayland)
    region: tuple[int, int, int, int] | None = None  # region mode: the dragged rectangle
    shot: Shot | None = None  # region mode on desktops that hand over the picture only


@dataclass
class Snap:
    """Everything fleeting about a press, read right after it."""

    press: Press
    window: WindowInfo
    selection: str
    via: str  # "selection", "clipboard" or "" (nothing selected)
    private: str | None
    region: Shot | None = None
    full: Shot | None = None
    pointed: Pointed | None = None  # the text object under the pointer (accessibility bus)


@dataclass
class Like:
    """A like ready to store: kept in memory until the commit succeeds."""

    snap: Snap
    captures: list[NewCapture]
    media: dict[str, bytes] = field(default_factory=dict)  # "region"/"full" → PNG
    reading: Reading | None = None
    known: Known | None = None
    via: str = ""
    why: str = ""


@dataclass
class Stored:
    like: Like
    run_id: int
    ids: list[int]
    latency_ms: float


def check_environment(desktop: Desktop) -> list[str]:
    """Warnings for what only limits the agent (the desktop itself was checked when opened)."""
    warnings = [
        f"{cap.name}: {cap.how}" + (f" — {cap.fix}" if cap.fix else "")
        for cap in desktop.capabilities()
        if not cap.works and cap.name in ("chords", "push-to-talk", "selection", "region")
    ]
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        warnings.append("no OCR engine (pip install 'runnotes[screen]'): likes need a selection")
    return warnings


def _kind(name: str) -> str:
    return Kind.param if name.lower() in PARAM_NAMES else Kind.metric


def _from_selection(snap: Snap) -> tuple[dict[str, float], dict[str, str], int | None]:
    """The pairs a selection names itself (``val_acc: 0.93``): exact text, all of them.

    A region rectangle is a fresh choice, so it wins over any selection left from before.
    """
    if not snap.selection or snap.press.region is not None:
        return {}, {}, None
    parsed = parse_text(snap.selection)
    return parsed.values, parsed.texts, parsed.step


def _bare_selection(snap: Snap) -> str | None:
    """A selection that is only a number (or part of one: a double-click stops at the dot)."""
    if snap.press.region is not None:
        return None
    match = _BARE_SELECTION.match(snap.selection or "")
    return match.group(1) if match else None


def read_screen(snap: Snap, ocr: OcrEngine) -> Reading:
    """OCR of the full-screen grab at the pointer (or in the dragged rectangle)."""
    assert snap.full is not None and snap.press.pointer is not None
    fx, fy = snap.full.region[:2]
    x, y = snap.press.pointer
    rect = snap.press.region
    if rect is not None:
        rect = (rect[0] - fx, rect[1] - fy, rect[2], rect[3])
    return ocr.read_at(snap.full.bgra(), x - fx, y - fy, rect)


def build_like(snap: Snap, ocr: OcrEngine | None, store: Store | None = None) -> Like:
    """Turn a snap into captures: the selection's pairs, else the one value under the pointer."""
    like = Like(snap, [])
    values, texts, step = _from_selection(snap)
    origin = snap.window.origin()
    base = {"window": snap.window.as_dict()}
    if snap.region is not None:
        like.media["region"] = snap.region.png()
    if snap.full is not None:
        like.media["full"] = snap.full.png()
    if snap.private:
        like.why = f"no screenshot: the window matches private pattern {snap.private!r}"
    if values:
        like.via = snap.via
        for name, value in values.items():
            like.captures.append(
                _value_capture(
                    snap,
                    name,
                    value,
                    texts.get(name, str(value)),
                    step,
                    Review.approved,
                    like.via,
                    dict(base),
                )
            )
        return like
    screen = None
    if ocr is not None and snap.full is not None and not snap.private:
        screen = lambda: read_screen(snap, ocr)  # noqa: E731 - read only when needed
    reading, like.via = read_value(snap.pointed, screen, _bare_selection(snap), snap.via)
    like.reading = reading
    if reading is None or reading.value is None:
        like.why = like.why or (reading.why if reading else "")
        if snap.selection.strip():
            like.captures.append(
                NewCapture(
                    kind=Kind.note,
                    source=Source.hotkey,
                    text=snap.selection.strip(),
                    origin=origin,
                    review=Review.approved,
                    liked=True,
                    via=snap.via,
                    extra=dict(base),
                    timestamp=snap.press.at,
                )
            )
        return like
    like.captures.append(_reading_capture(snap, reading, store, dict(base), like))
    return like


def _reading_capture(
    snap: Snap, reading: Reading, store: Store | None, extra: dict[str, Any], like: Like
) -> NewCapture:
    """One capture for the pointed value, named and reviewed by the one rule for every source
    (``capture/judge.py``)."""
    for key in ("qualifier", "context", "line"):
        if getattr(reading, key):
            extra[key] = getattr(reading, key)
    judged = judge(
        store,
        reading.text,
        reading.name,
        reading.step,
        score=reading.score,
        doubts=[reading.why] if reading.why else [],
        named_by=reading.named_by,
        extra=extra,
    )
    like.known = judged.known
    like.why = like.why or judged.why
    return _value_capture(
        snap,
        judged.name,
        reading.value,
        reading.text,
        judged.step,
        judged.review,
        like.via,
        judged.extra,
    )


def _value_capture(
    snap: Snap,
    name: str,
    value: float | None,
    text: str,
    step: int | None,
    review: str,
    via: str,
    extra: dict[str, Any],
) -> NewCapture:
    if text.endswith("%"):
        extra = {**extra, "unit": "%"}
    return NewCapture(
        kind=_kind(name),
        source=Source.hotkey,
        name=name,
        value=value,
        text=text,
        step=step,
        origin=snap.window.origin(),
        review=review,
        liked=True,
        via=via,
        extra=extra,
        timestamp=snap.press.at,
    )


def commit(backend: Backend, like: Like) -> tuple[int, list[int]]:
    """Store the PNGs, then the captures pointing at them, where runs live (this store or the
    team server); safe to repeat after a failure."""
    run_id = backend.run_ref(None).id
    snap = like.snap
    shas = {
        key: backend.put_media(data, "image/png", ".png", f"{key}.png")
        for key, data in like.media.items()
    }
    captures = list(like.captures)
    if "region" in shas:
        for capture in captures:
            capture.media_sha = shas["region"]
        captures.insert(
            0,
            NewCapture(
                kind=Kind.screenshot,
                source=Source.hotkey,
                origin=snap.window.origin(),
                review=Review.approved,
                media_sha=shas["region"],
                timestamp=snap.press.at,
                liked=True,
                via=like.via,
                extra={
                    "full_sha": shas.get("full"),
                    "region": list(snap.region.region) if snap.region else None,
                    "pointer": list(snap.press.pointer) if snap.press.pointer else None,
                    "window": snap.window.as_dict(),
                    "ocr_text": like.reading.line if like.reading else None,
                    "why": like.why or None,
                },
            ),
        )
    return run_id, backend.add_captures(run_id, captures)


def _shown(capture: NewCapture) -> str:
    qualifier = (capture.extra or {}).get("qualifier")
    name = f"{capture.name} [{qualifier}]" if qualifier else capture.name
    pending = " (pending review)" if capture.review == Review.pending else ""
    return f"{name}={capture.text}{pending}"


def describe(stored: Stored) -> str:
    """The feedback line: ``liked val_acc=0.9321 from "xterm: train.py" → run 12``."""
    like = stored.like
    values = [_shown(c) for c in like.captures if c.kind in (Kind.metric, Kind.param)]
    what = ", ".join(values) or (
        "the selected text"
        if like.captures and like.captures[-1].kind == Kind.note
        else "a screenshot (no value found)"
    )
    if like.known is not None:
        what += f" (= {like.known.describe()})"
    line = f'liked {what} from "{like.snap.window.origin()}" → run {stored.run_id}'
    return f"{line} ({like.why})" if like.why else line


class Agent:
    """Listens for chords and turns them into captures; see the module docstring for the stages.

    Everything desktop-specific goes through ``desktop`` (``runnotes.capture.desktop``), opened
    once at start from the session; the like logic here is the same on every desktop."""

    def __init__(
        self,
        store: Store | None,
        config: AgentConfig,
        say: Callable[[str], None],
        desktop: Desktop | None = None,
        backend: Backend | None = None,
    ) -> None:
        """Likes and notes go to ``backend`` (default: ``store``'s); ``store``, the local one,
        names what is read and keeps voice notes (None on a team server's client)."""
        self.store = store
        self.backend = backend or backend_of(store)  # type: ignore[arg-type]
        self.config = config
        self.say = say
        self.desktop = desktop
        self.paused = False
        self.ocr: OcrEngine | None = OcrEngine() if config.ocr else None
        self.presses: queue.Queue[Press | None] = queue.Queue()
        self.snaps: queue.Queue[Snap | None] = queue.Queue()
        self.unsaved: list[Like] = []
        self.on_stored: list[Callable[[Stored], None]] = []  # hooks (benchmarks, tests)
        self._voice: queue.Queue[str] = queue.Queue()
        self._ui_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._listener: Any = None
        self._notify = config.notify
        self.a11y: A11yBus | None = None  # opened by start(): used by the snap thread only

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.ocr is not None:
            try:
                self.ocr.load()  # over a second: pay it now, not on the first like
            except RunnotesError as exc:
                self.say(f"warning: {exc}")
                self.ocr = None
        if self.desktop is None:
            self.desktop = self.config.open_desktop()
        self.a11y = A11yBus.open() if self.config.a11y else None
        cfg = self.config
        self._listener = self.desktop.listen(
            [
                Chord("like", cfg.like, self._on_like),
                Chord("region", cfg.region, lambda: self._spawn(self._region)),
                Chord("note", cfg.note, lambda: self._spawn(self._note)),
                Chord("pause", cfg.pause, self._on_pause),
                Chord(
                    "voice",
                    cfg.voice,
                    lambda: self._voice.put("start"),
                    on_release=lambda: self._voice.put("stop"),
                ),
            ]
        )
        for target, name in (
            (self._snap_loop, "snap"),
            (self._work_loop, "worker"),
            (self._voice_loop, "voice"),
        ):
            thread = threading.Thread(target=target, name=f"runnotes-agent-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._listener.start()

    def stop(self) -> None:
        """Stop listening, finish what is queued (storing it if at all possible).

        The queue is drained whatever the listener does on its way out: a like acknowledged
        by the chord must not be lost to an error in the desktop's library.
        """
        try:
            if self._listener is not None:
                self._listener.stop()
        except Exception as exc:  # noqa: BLE001 - never skip the drain below
            self.say(f"warning: the key listener stopped badly: {type(exc).__name__}: {exc}")
        finally:
            self.presses.put(None)
            for thread in self._threads[:2]:
                thread.join(timeout=60)
            if self.a11y is not None:
                self.a11y.close()
            if self.desktop is not None:
                self.desktop.close()

    # -- listener thread: note the moment, nothing else ------------------------------------------
    def _on_like(self) -> None:
        assert self.desktop is not None
        self.press(self.desktop.pointer())

    def press(
        self,
        pointer: tuple[int, int] | None,
        region: tuple[int, int, int, int] | None = None,
        shot: Shot | None = None,
    ) -> None:
        if self.paused:
            self.say("paused: like ignored (press the pause chord again to resume)")
            return
        self.presses.put(Press(time.time(), time.monotonic(), pointer, region, shot))

    def toggle_voice(self) -> None:
        """Push-to-talk where the desktop sends no key release (a desktop keybinding running
        ``runnotes talk --toggle``): the first call starts recording, the next stops it."""
        self._voice.put("toggle")

    def like_once(self, region: bool = False) -> bool:
        """One like now, without listening for chords: what ``runnotes like --selection`` and
        ``--region`` run from a desktop keybinding where no global chord reaches the agent.
        The same snap → build_like → commit path as a chord; True once stored."""
        assert self.desktop is not None
        at, t0 = time.time(), time.monotonic()
        if region:
            picked = self.desktop.pick_region()
            if picked is None:
                raise RunnotesError("region: cancelled (nothing was drawn)")
            (x, y, w, h), shot = picked
            press = Press(at, t0, (x + w // 2, y + h // 2), (x, y, w, h), shot)
        else:
            press = Press(at, t0, self.desktop.pointer())
        reader = self.desktop.reader()
        if self.a11y is None and self.config.a11y:
            self.a11y = A11yBus.open()
        try:
            snap = self.snap(press, reader)
        finally:
            reader.close()
            if self.a11y is not None:
                self.a11y.close()
                self.a11y = None
        if self.ocr is not None and snap.full is not None:
            self.ocr.load()
        like = build_like(snap, self.ocr, self.store)
        if not like.captures:
            raise RunnotesError("nothing to like: select a value (or draw a region) first")
        return self._store(like)

    def _on_pause(self) -> None:
        self.paused = not self.paused
        self.say(
            "paused: nothing is captured until the pause chord is pressed again"
            if self.paused
            else "resumed: capturing again"
        )

    def _spawn(self, target: Callable[[], None]) -> None:
        if not self.paused:
            threading.Thread(target=target, daemon=True).start()

    # -- snap thread: the fleeting state, within milliseconds of the press ---------------------
    def _snap_loop(self) -> None:
        assert self.desktop is not None
        reader = self.desktop.reader()
        try:
            while (press := self.presses.get()) is not None:
                try:
                    self.snaps.put(self.snap(press, reader))
                except Exception as exc:  # noqa: BLE001 - a vanished window must not stop us
                    self.say(f"like failed: {type(exc).__name__}: {exc}")
        finally:
            self.snaps.put(None)
            reader.close()

    def snap(self, press: Press, reader: Reader) -> Snap:
        """Window, selection and pixels of one press; the exact text under the pointer from the
        terminal or the accessibility bus where the window gives it."""
        window = reader.window()
        selection, via = reader.selection()
        if not selection and press.pointer is None and self.a11y is not None:
            # "select, then like" where the desktop's selection says nothing (GNOME on Wayland
            # has no data-control protocol): the application's own, over AT-SPI
            selection, via = self.a11y.selected_text(), "a11y"
        private = self.config.private_match(window)
        snap = Snap(press, window, selection, via if selection else "", private)
        if private:
            return snap
        if press.shot is not None:
            snap.region = snap.full = press.shot
        elif press.region is not None:
            snap.region, snap.full = reader.grab(press.region), reader.full()
        elif press.pointer is not None and reader.bounds is not None:
            x, y = press.pointer
            region = clamp_region(
                x, y, self.config.region_width, self.config.region_height, reader.bounds
            )
            snap.region, snap.full = reader.grab(region), reader.full()
        if press.pointer is not None and press.region is None:
            snap.pointed = pointed_in_terminal(window, press.pointer)
            if snap.pointed is None and self.a11y is not None and window.pid is not None:
                snap.pointed = self.a11y.pointed(*press.pointer, window.pid)
        return snap

    # -- worker thread: OCR, commit, feedback ----------------------------------------------------
    def _work_loop(self) -> None:
        while True:
            try:
                snap = self.snaps.get(timeout=RETRY_S if self.unsaved else None)
            except queue.Empty:
                self._retry()
                continue
            if snap is None:
                self._retry()
                return
            self._retry()
            try:
                like = build_like(snap, self.ocr, self.store)
            except Exception as exc:  # noqa: BLE001 - OCR or image errors: keep running
                self.say(f"like failed while reading the screen: {type(exc).__name__}: {exc}")
                continue
            if not like.captures and not like.media:
                self.say(
                    f'like skipped: "{snap.window.origin()}" matches private pattern '
                    f"{snap.private!r} and nothing is selected"
                )
                continue
            self._store(like)

    def _store(self, like: Like) -> bool:
        try:
            run_id, ids = commit(self.backend, like)
        except (OSError, SQLAlchemyError, RunnotesError) as exc:
            if like not in self.unsaved:
                self.unsaved.append(like)
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            self.say(
                f"could not store a like ({reason}); kept in memory, retrying every "
                f"{RETRY_S:g} s ({len(self.unsaved)} waiting)"
            )
            return False
        stored = Stored(like, run_id, ids, (time.monotonic() - like.snap.press.t0) * 1000)
        for hook in self.on_stored:
            hook(stored)
        self.feedback(describe(stored))
        return True

    def _retry(self) -> None:
        for like in list(self.unsaved):
            if not self._store(like):
                return
            self.unsaved.remove(like)

    def feedback(self, line: str) -> None:
        """A line on the output, and a desktop notification when there is a notifier."""
        self.say(line)
        if self._notify and self.desktop is not None:
            self._notify = self.desktop.notify(line)

    # -- interactive chords: their own short-lived threads ------------------------------------
    def _region(self) -> None:
        assert self.desktop is not None
        if not self._ui_lock.acquire(blocking=False):
            return
        try:
            picked = self.desktop.pick_region()
            if picked is None:
                self.say("region: cancelled")
                return
            (x, y, w, h), shot = picked
            self.press((x + w // 2, y + h // 2), (x, y, w, h), shot)
        finally:
            self._ui_lock.release()

    def _note(self) -> None:
        from runnotes.capture.overlay import ask_note
        from runnotes.sdk import Run

        if not self._ui_lock.acquire(blocking=False):
            return
        try:
            text = ask_note()
            if not text:
                return
            ref = self.backend.run_ref(None)
            Run(self.backend, ref.id, ref.name, source=Source.hotkey).note(text)  # values: pending
            self.feedback(f"noted → run {ref.id}")
        except (OSError, SQLAlchemyError, RunnotesError) as exc:
            self.say(f"note not stored: {exc}")
        finally:
            self._ui_lock.release()

    # -- push-to-talk: start and stop off the listener thread ------------------------------------
    def _voice_loop(self) -> None:
        recorder, run_id = None, None
        if self.store is None:  # a team server's client: the recording and its model are here
            return self.say("push-to-talk: voice notes are kept in a local store only")
        sources = self._voice_sources()  # opened now: the pre-roll keeps the first words
        while True:
            action = self._voice.get()
            if action == "toggle":
                action = "start" if recorder is None else "stop"
            try:
                if action == "start" and self.paused:
                    self.say("paused: voice note not started (press the pause chord to resume)")
                elif action == "start" and recorder is None:
                    run_id = target_run_id(self.store)
                    self.say(f"push-to-talk: loading the speech model for run {run_id}…")
                    recorder = self._recorder(run_id, sources)
                    if recorder is not None:
                        recorder.start()
                        self.say("recording… (release the voice chord, or toggle again, to stop)")
                elif action == "stop" and recorder is not None:
                    rec, recorder = recorder, None
                    capture_id = rec.stop()
                    self.feedback(f"voice note {capture_id} → run {run_id}")
            except Exception as exc:  # noqa: BLE001 - no microphone, model errors: keep running
                recorder = None
                self.say(f"push-to-talk failed: {type(exc).__name__}: {exc}")

    def _voice_sources(self) -> Any:
        try:
            from runnotes.voice.recorder import push_to_talk_sources
        except ImportError:
            return None
        preroll = self.store.settings.voice.preroll  # type: ignore[union-attr]
        return push_to_talk_sources(self.config.voice_source or "mic", preroll)

    def _recorder(self, run_id: int, sources: Any) -> Any:
        if sources is None:
            self.say(
                "push-to-talk: voice notes are not available (runnotes.voice.recorder "
                "is missing; install runnotes[voice])"
            )
            return None
        from runnotes.voice.recorder import Recorder

        assert self.store is not None  # _voice_loop gives up first without a local store
        return Recorder(self.store, run_id, sources())
