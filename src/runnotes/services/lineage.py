"""Inferring where a run came from, when the evidence is clear, and only then.

Two kinds of evidence count (anything weaker is left for a person to link):

* **a file one run wrote and another read**: an earlier run of the project kept the file as an
  artifact, or named it in an output parameter (``--save``, ``--output``, ``--checkpoint-dir``…),
  and this run names the same path (resolved against each run's working directory) in an input
  parameter (``--resume``, ``--init``, ``--load``, ``--pretrained``…). A parameter with "resume"
  in its name makes it a ``resume``, any other a ``finetune``;
* **the same command at the same clean commit** as an earlier run of the experiment, started by
  another process, with the same params its code logged (``log_params``; a watched command's own
  params are in the command): a ``rerun`` of it (a changed data file then shows on the edge).
  Runs one script starts one after another share a command and a process: a sweep, not reruns.

The link is stored marked ``inferred`` with its evidence, and only on a run nobody linked (or
unlinked) by hand: :func:`runnotes.store.lineage.infer_link` checks that in its UPDATE.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Any

from runnotes.errors import NotFound
from runnotes.services.values import same_param
from runnotes.store.db import Store
from runnotes.store.lineage import (
    artifact_origins,
    code_params,
    earlier_runs,
    infer_link,
    param_texts,
    run_row,
    same_command_before,
)
from runnotes.store.models import Link, Run

log = logging.getLogger(__name__)

_WORDS = re.compile(r"[a-z]+")
READS = {"resume", "init", "load", "pretrained", "restore", "weights", "from", "warm", "base"}
WRITES = {"save", "output", "out", "checkpoint", "ckpt", "dump", "export"}


def _words(name: str) -> set[str]:
    return set(_WORDS.findall(name.lower()))


def _path(text: str, cwd: str | None) -> str | None:
    """The normalised absolute path a param value names, if it looks like a path."""
    text = text.strip().strip("'\"")
    if not text or " " in text or "=" in text:
        return None
    if not ("/" in text or "." in text.lstrip(".")):
        return None
    try:
        float(text)
        return None  # a number (3e-4, 0.01), not a file
    except ValueError:
        pass
    return os.path.normpath(os.path.join(cwd or "/", text))


def _reads(store: Store, run: Run) -> list[tuple[str, str]]:
    """``(param name, path)`` this run reads, by its input parameters."""
    found = []
    for _, name, text, cwd in param_texts(store, [run.id]):  # type: ignore[list-item]
        words = _words(name)
        if words & READS and not words & {"save", "output", "out"}:
            path = _path(text, cwd)
            if path:
                found.append((name, path))
    return found


def _writer(store: Store, run: Run, path: str) -> int | None:
    """The latest earlier run of the project that wrote ``path`` (artifact or output param)."""
    earlier = earlier_runs(store, run)
    written = {rid for rid, _, _ in artifact_origins(store, earlier, path)}
    for rid, name, text, cwd in param_texts(store, earlier):
        if _words(name) & WRITES and not _words(name) & READS and _path(text, cwd) == path:
            written.add(rid)
    return max(written) if written else None


def _rerun_of(store: Store, run: Run, earlier: Run) -> bool:
    """Whether ``run``, with ``earlier``'s command and commit, is a rerun of it."""
    if run.pid is not None and (run.pid, run.pid_started) == (earlier.pid, earlier.pid_started):
        return False  # one process, several runs: a script's own sweep
    mine, theirs = code_params(store, run.id), code_params(store, earlier.id)  # type: ignore[arg-type]
    return mine.keys() == theirs.keys() and all(same_param(v, theirs[k]) for k, v in mine.items())


def infer(store: Store, run_id: int) -> Link | None:
    """Infer the run's link from the evidence, store it unless a person set one; returns it."""
    run = run_row(store, run_id)
    if run.link_source is not None:
        return None
    for name, path in _reads(store, run):
        parent = _writer(store, run, path)
        if parent is not None and parent != run.id:
            how = Link.resume if "resume" in _words(name) else Link.finetune
            evidence = f"reads {os.path.basename(path)} (--{name}) that run {parent} wrote"
            if infer_link(store, run_id, parent, how, evidence):
                return how
    same = same_command_before(store, run)
    if same is not None and _rerun_of(store, run, same):
        evidence = f"same command and commit as run {same.id}"
        if infer_link(store, run_id, same.id, Link.rerun, evidence):  # type: ignore[arg-type]
            return Link.rerun
    return None


def infer_quietly(store: Store, run_id: int) -> None:
    """:func:`infer` for the end of a run: a failure there is logged, never the run's failure."""
    try:
        how = infer(store, run_id)
    except Exception:  # noqa: BLE001 - lineage is a convenience; the run's end must stand
        log.exception("runnotes: could not infer the lineage of run %s", run_id)
        return
    if how is not None:
        log.info("run %s: inferred %s link", run_id, how.value)


# -- a framework hook's resume from a checkpoint -------------------------------------------------


@dataclass(frozen=True)
class Writer:
    """The run that wrote a checkpoint, as a hook puts it into the checkpoint itself (an XGBoost
    booster's attributes, the Hugging Face Trainer's ``trainer_state.json``): its id, and its
    name and start time so that a checkpoint from another store never names a run of this one."""

    run_id: int
    name: str
    started_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "name": self.name, "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: Any) -> Writer | None:
        """The writer a checkpoint names; None for anything else (a damaged or foreign state)."""
        if not isinstance(data, dict):
            return None
        run_id, name, started = data.get("run_id"), data.get("name"), data.get("started_at")
        if not (isinstance(run_id, int) and isinstance(name, str)):
            return None
        if not isinstance(started, int | float) or isinstance(started, bool):
            return None
        return cls(run_id, name, float(started))


def writer_of(store: Store, run_id: int) -> Writer:
    """What a hook writes into a checkpoint of run ``run_id``."""
    run = run_row(store, run_id)
    return Writer(run_id, run.name, run.started_at)


def file_state(path: str | os.PathLike[str]) -> str | None:
    """Size and modification time of a checkpoint (a file, or a folder's files): the same path
    with another state is another checkpoint (overwritten, copied), never taken for the first."""
    try:
        top = os.stat(path)
        if not os.path.isdir(path):
            return f"{top.st_size}:{top.st_mtime_ns}"
        files = sorted(
            (os.path.relpath(os.path.join(d, f), path), os.stat(os.path.join(d, f)))
            for d, _, names in os.walk(path)
            for f in names
        )
    except OSError:
        return None
    return ";".join(f"{name}={st.st_size}:{st.st_mtime_ns}" for name, st in files)


def resumed(
    store: Store,
    run_id: int,
    *,
    hook: str,
    step: int | None = None,
    path: str | os.PathLike[str] | None = None,
    writer: Writer | None = None,
) -> int | None:
    """A hook saw run ``run_id`` resume from a checkpoint: link it (``resume``, inferred, with
    the evidence) to the run that wrote it, when that is known for sure: the ``writer`` the
    checkpoint names (a run of this store with that id, name and start), or the latest earlier
    run of the project whose hook recorded writing ``path`` in the state it is in now. Anything
    else leaves the run unlinked (a wrong parent is worse than none). Returns the parent's id."""
    parent, evidence = None, ""
    if writer is not None and writer.run_id != run_id:
        try:
            row = run_row(store, writer.run_id)
        except NotFound:
            row = None
        if row is not None and (row.name, row.started_at) == (writer.name, writer.started_at):
            parent = writer.run_id
            evidence = f"resumed from a checkpoint run {parent} wrote (the {hook} hook marked it)"
    elif path is not None:
        where = os.path.abspath(path)
        state = file_state(where)
        run = run_row(store, run_id)
        written = [
            rid
            for rid, _, extra in artifact_origins(store, earlier_runs(store, run), where)
            if state is not None and (extra or {}).get("state") == state
        ]
        if written:
            parent = max(written)
            name = os.path.basename(where.rstrip(os.sep))
            evidence = f"resumed from {name} that run {parent} wrote ({hook} hook)"
    if parent is None:
        log.info("run %s resumed from a checkpoint of no run known here: not linked", run_id)
        return None
    return parent if infer_link(store, run_id, parent, Link.resume, evidence, step) else None
