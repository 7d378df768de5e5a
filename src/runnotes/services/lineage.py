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
    written = {rid for rid, origin in artifact_origins(store, earlier) if origin == path}
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
