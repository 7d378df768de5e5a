"""The reader of a watched command's output: a process of its own that tails the spool.

``watch``'s pump threads only append the command's output to a spool file
(:mod:`runnotes.capture.spool`); this process splits it into lines, reads them for parameters
and metric values (:mod:`runnotes.capture.parse`) and stores them in batches, with its own
interpreter lock and its own connection to the store, so a flood of metric lines costs the
command nothing and the pumps no lock. ``python -m runnotes.watch SPOOL`` reads one spool to its
end, then deletes it and prints what it stored (one JSON line, for ``watch``'s summary).

Nothing acknowledged is lost and no value is stored twice, whatever stops a reader: each batch
is a stretch of whole frames ``[start, end)``. Before storing it, the checkpoint file says so
(the start, the end, and the reading's state at the start: each stream's unfinished line, the
step, the progress bar, the counters); the batch is stored under idempotency keys made of the
spool and ``start`` (:mod:`runnotes.store.ingest`: a key already stored is not stored again);
then the checkpoint moves to ``end``. A reader that takes the spool up again reads the same
stretch from the same state, gets the same values and sends them under the same keys.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runnotes.backend import Backend
from runnotes.capture.lines import Splitter, as_text
from runnotes.capture.parse import LineReader
from runnotes.capture.spool import (
    FOLDER,
    Frame,
    checkpoint_path,
    frames,
    in_use,
    locked,
    meta_path,
    seal,
)
from runnotes.errors import RunnotesError
from runnotes.events import OutputRead, publish
from runnotes.sdk.run import metric_name, param_captures
from runnotes.store.kinds import Source
from runnotes.store.runs import INT64, MetricValues

log = logging.getLogger(__name__)
STREAMS = 2  # stdout, stderr
BATCH_BYTES = 1 << 20  # output read per stored batch, at most
BATCH_ROWS = 50_000  # values per stored batch, about
POLL_S = 0.05  # how often the end of a growing spool is looked at again
TRIES = 5  # a batch the store refuses is tried again this many times, a second apart
SOURCE = str(Source.watch)
_OK = "approved"
_LOWEST, _HIGHEST = INT64


class LineLogger:
    """Turns lines of the command's output (both streams, so an ``Epoch N`` line on stdout
    gives the step to the bar on stderr) into parameters and metric rows. Its state is what a
    later line depends on (:meth:`state`): a reader that takes a spool up again restores it."""

    def __init__(self, run_id: int, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        self.run_id = run_id
        self.reader = LineReader()
        self.reader.started = state.get("started", False)
        self.step: int | None = state.get("step")  # the step (epoch) the last header named
        bar = state.get("bar", (-1, None))
        self.bar: tuple[int, int | None] = (bar[0], bar[1])  # the last progress-bar update
        self.batches: int = state.get("batches", 0)  # batches counted in bars before this one
        self.counters: dict[str, int] = state.get("counters", {})  # steps of stepless values
        self.rows: list[MetricValues] = []
        self.names: set[str] = set()  # names already checked
        self.params: dict[str, str] = {}  # this batch's
        self.params_seen: dict[str, str] = {}  # this process's, for watch's summary
        self.counts: Counter[str] = Counter()

    def state(self) -> dict[str, Any]:
        return {
            "started": self.reader.started,
            "step": self.step,
            "bar": list(self.bar),
            "batches": self.batches,
            "counters": dict(self.counters),
        }

    def feed(self, line: bytes) -> None:
        text = as_text(line)
        if text is None:
            return  # binary output: passed through, not read
        parsed = self.reader.read(text)
        if parsed.params:
            self.params.update(parsed.params)
            self.params_seen.update(parsed.params)
        metrics = parsed.metrics
        if parsed.batch and parsed.progress is not None:
            # A bar's own step comes from its count. The epoch in its description ("Epoch 3:
            # 45%|…") is not taken for other lines: the bar is often on the other stream,
            # so the order between them is not known.
            self._batch(parsed.progress, metrics)
        elif parsed.step is not None and not metrics:
            self.step = parsed.step  # a header such as "Epoch 3/10"
        else:
            step = parsed.step if parsed.step is not None else self.step
            self._log(metrics, step)

    def _batch(self, progress: tuple[int, int | None], metrics: dict[str, float]) -> None:
        count, total = progress
        last, last_total = self.bar
        if count == last:
            return  # the same update drawn again (tqdm redraws its last state on close)
        if count < last:
            self.batches += last_total or last  # a new bar: its batches follow the last one's
        self.bar = progress
        self._log({f"{name}/batch": value for name, value in metrics.items()}, self.batches + count)

    def _log(self, metrics: dict[str, float], step: int | None) -> None:
        now, rows, names, counts = time.time(), self.rows, self.names, self.counts
        if step is not None and not _LOWEST <= step <= _HIGHEST:
            log.debug("watch: step %d does not fit in 64 bits: not stored", step)
            return
        for name, value in metrics.items():
            if name not in names:
                try:
                    names.add(metric_name(name))
                except RunnotesError as exc:  # a name no store keeps: output, not a value
                    log.debug("watch: %s", exc)
                    continue
            if step is None:
                at = self.counters[name] = self.counters.get(name, -1) + 1
            else:
                at = step
            text = None if value - value == 0.0 else repr(value)  # NaN or ±inf: kept as text
            rows.append((self.run_id, "metric", SOURCE, name, value, at, now, _OK, text))
            counts[name] += 1


@dataclass
class Reading:
    """One spool's reading: each stream's unfinished line and the line logger's state."""

    logger: LineLogger
    splitters: list[Splitter] = field(default_factory=lambda: [Splitter() for _ in range(2)])
    ended: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, run_id: int, state: dict[str, Any] | None) -> Reading:
        if state is None:
            return cls(LineLogger(run_id))
        splitters = [
            Splitter(bytearray(pending.encode("latin-1")), overlong)
            for pending, overlong in state["splitters"]
        ]
        return cls(LineLogger(run_id, state["logger"]), splitters, set(state["ended"]))

    def state(self) -> dict[str, Any]:
        return {
            "logger": self.logger.state(),
            "splitters": [[s.pending.decode("latin-1"), s.overlong] for s in self.splitters],
            "ended": sorted(self.ended),
        }

    def take(self, frame: Frame) -> None:
        splitter = self.splitters[frame.stream]
        if frame.gap:
            splitter.skip()
            return
        if frame.data is None:
            self.ended.add(frame.stream)
            lines = splitter.finish()
        else:
            lines = splitter.feed(frame.data)
        for line in lines:
            try:
                self.logger.feed(line)
            except Exception:  # a line must never stop the reading of the next ones
                log.exception("watch: could not read a line of output")


def _save(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


class SpoolReader:
    """Reads one spool to its end; the caller holds the spool's lock (``fd``)."""

    def __init__(self, spool: Path, fd: int, backend: Backend) -> None:
        self.spool, self.fd, self.backend = spool, fd, backend
        self.token = spool.stem
        self.run_id: int = json.loads(meta_path(spool).read_text())["run_id"]
        self.ckpt = checkpoint_path(spool)
        saved = json.loads(self.ckpt.read_text()) if self.ckpt.exists() else {}
        self.offset: int = saved.get("offset", 0)
        self.reading = Reading.of(self.run_id, saved.get("state"))
        if saved.get("end") is not None:  # a batch was being stored when its reader stopped
            self.batch(until=saved["end"])

    def batch(self, until: int | None = None) -> bool:
        """Reads and stores the next stretch of whole frames (up to ``until``, the stretch a
        stopped reader was storing); False when there was nothing new."""
        start, state = self.offset, self.reading.state()
        end = start
        logger = self.reading.logger
        for frame in frames(self.fd, start, BATCH_BYTES if until is None else 1 << 62):
            if until is not None and frame.end > until:
                break
            self.reading.take(frame)
            end = frame.end
            if until is None and len(logger.rows) >= BATCH_ROWS:
                break
        if end == start:
            return False
        pid = os.getpid()
        _save(self.ckpt, {"offset": start, "end": end, "state": state, "pid": pid})
        self._store(f"{self.token}:{start}", logger.rows, logger.params)
        logger.rows, logger.params = [], {}
        self.offset = end
        _save(self.ckpt, {"offset": end, "end": None, "state": self.reading.state(), "pid": pid})
        return True

    def _store(self, key: str, rows: list[MetricValues], params: dict[str, str]) -> None:
        for attempt in range(TRIES):
            try:
                if params:
                    captures = param_captures(SOURCE, params)
                    self.backend.add_captures(self.run_id, captures, key=f"{key}:p")
                if rows:
                    self.backend.write_metrics(self.run_id, rows, key=f"{key}:m")
                return
            except RunnotesError:
                if attempt == TRIES - 1:
                    raise
            except Exception as exc:  # noqa: BLE001 - a locked database, a server away
                if attempt == TRIES - 1:
                    raise RunnotesError(f"cannot store values of run {self.run_id}: {exc}") from exc
            time.sleep(1.0)

    def run(self) -> None:
        """Until every stream has ended (the writer, gone, ends those it did not)."""
        while True:
            if self.batch():
                continue
            if len(self.reading.ended) == STREAMS:
                return
            if not in_use(meta_path(self.spool)):  # the writer is gone: nothing more comes
                seal(self.fd, self.offset, STREAMS, self.reading.ended)
                continue
            time.sleep(POLL_S)

    def done(self) -> None:
        """Every line is stored: the spool goes (first, so nobody takes it up again)."""
        self.spool.unlink(missing_ok=True)
        for path in (self.ckpt, meta_path(self.spool), self.spool.with_suffix(".log")):
            path.unlink(missing_ok=True)
        self._announce()

    def _announce(self) -> None:
        """Values stored after the run ended (watch stopped waiting): its charts are drawn now
        (not at its end, while values still arrived) and the drafts hear it."""
        # Loaded here, by a reader only: watch starts its command without the ORM.
        from runnotes.store.models import Run
        from runnotes.store.series import store_charts

        with contextlib.suppress(RunnotesError):
            store = self.backend.local_store()
            with store.read(snapshot=True) as session:
                run = session.get(Run, self.run_id)
                if run is None or run.status == "running":
                    return
                store_charts(session, [self.run_id])
            publish(store, OutputRead(self.run_id))


def read_spool(
    spool: Path, backend: Backend, ready: Callable[[], None] = lambda: None
) -> dict[str, Any] | None:
    """Reads ``spool`` to its end and deletes it; what was stored (names and counts, params),
    or None when another reader read it to its end meanwhile. ``ready`` is called once the
    spool is this reader's. (It waits for the lock: a look at whether a reader holds it, from
    ``runnotes doctor``, takes it for an instant.)"""
    fd = locked(spool, wait=True)
    if fd is None:
        return None
    try:
        ready()
        reader = SpoolReader(spool, fd, backend)
        reader.run()
        reader.done()
        logger = reader.reading.logger
        return {"counts": dict(logger.counts), "params": logger.params_seen}
    finally:
        os.close(fd)


def spawn(spool: Path, env: dict[str, str], *, report: bool = True) -> subprocess.Popen[bytes]:
    """A reader process for ``spool``, in a session of its own: Ctrl-C or a closed terminal
    stop the command and ``watch``, not the reading of what the command printed. With
    ``report``, its stdout is a pipe: a line ``ready`` once it holds the spool, then what it
    stored (:func:`main`). Its messages go to ``<token>.log`` beside the spool (a pipe of
    watch's own, such as ``2>&1 | tee``, must not wait for a reader that outlives watch)."""
    with open(spool.with_suffix(".log"), "ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "runnotes.watch", str(spool)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if report else subprocess.DEVNULL,
            stderr=err,
            env=env,
            start_new_session=True,
        )


def orphans(home: Path) -> list[Path]:
    """Spools nobody reads or writes any more: their reader died (or their watch was killed
    before its reader started)."""
    where = home / FOLDER
    if not where.is_dir():
        return []
    return [
        spool
        for spool in sorted(where.glob("*.spool"))
        if not in_use(spool) and not in_use(meta_path(spool))
    ]


def resume(home: Path) -> list[Path]:
    """Starts a reader for every orphaned spool of a store folder; returns them."""
    found = orphans(home)
    for spool in found:
        try:
            env = json.loads(meta_path(spool).read_text()).get("env", {})
        except (OSError, ValueError):
            log.warning("watch: %s has no readable details; left as it is", spool)
            continue
        spawn(spool, {**os.environ, **env}, report=False)
    return found


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    from runnotes.sdk import backend_for

    def ready() -> None:
        with contextlib.suppress(OSError):
            print("ready", flush=True)

    try:
        result = read_spool(Path(argv[1]), backend_for(), ready)
    except RunnotesError as exc:
        log.error("runnotes: error: %s", exc)
        return 1
    if result is not None:
        with contextlib.suppress(OSError):  # watch stopped waiting: nobody reads this
            print(json.dumps(result), flush=True)
    return 0
