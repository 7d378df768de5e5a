"""TensorBoard logs: scalars (steps, wall times) and hparams, one run per folder of event files.

Event files are read record by record with TensorBoard's own reader (its TensorFlow-free stub), not
with ``EventAccumulator``: that one silently stops at a damaged record, and an import must instead
say which file and which record is broken, and store nothing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from runnotes.errors import RunnotesError
from runnotes.interop.bulk import ImportedRun, ImportResult, write_runs
from runnotes.store.db import Store

EVENT_GLOB = "*tfevents*"
HPARAMS_TAG = "_hparams_/session_start_info"


def _records(path: Path) -> list[bytes]:
    from tensorboard.compat.tensorflow_stub import errors
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New

    reader = PyRecordReader_New(str(path))
    records = []  # type: ignore[var-annotated]
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            return records
        except errors.OpError as exc:
            raise RunnotesError(
                f"{path}: record {len(records) + 1}: corrupt event file "
                f"({exc.message.removeprefix(str(path)).strip()})"
            ) from exc
        records.append(reader.record())


def _hparams(content: bytes) -> dict[str, str]:
    from tensorboard.plugins.hparams import metadata

    values = {}
    for name, value in metadata.parse_session_start_info_plugin_data(content).hparams.items():
        kind = value.WhichOneof("kind")
        raw: Any = getattr(value, kind) if kind else ""
        values[name] = f"{raw:g}" if kind == "number_value" else str(raw)
    return values


def _read_run(
    folder: Path, files: list[Path], name: str, experiment: str | None, project: str | None
) -> ImportedRun:
    from google.protobuf.message import DecodeError
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.util.tensor_util import make_ndarray

    run = ImportedRun(
        source_id=f"tensorboard:{folder}", name=name, experiment=experiment, project=project
    )
    scalar_tags: set[str] = set()
    times: list[float] = []
    for path in sorted(files):
        for number, record in enumerate(_records(path), 1):
            try:
                event = Event.FromString(record)
            except DecodeError as exc:
                raise RunnotesError(f"{path}: record {number}: not a TensorBoard event") from exc
            if event.summary.value:  # not the file header, which is stamped when written
                times.append(event.wall_time)
            for value in event.summary.value:
                plugin = value.metadata.plugin_data
                if plugin.plugin_name == "scalars":
                    scalar_tags.add(value.tag)
                if value.tag == HPARAMS_TAG and plugin.plugin_name == "hparams":
                    run.params.update(_hparams(plugin.content))
                elif value.HasField("simple_value"):
                    run.metrics.append((value.tag, value.simple_value, event.step, event.wall_time))
                elif value.tag in scalar_tags and value.HasField("tensor"):
                    number_value = float(make_ndarray(value.tensor).item())
                    run.metrics.append((value.tag, number_value, event.step, event.wall_time))
    if times:
        run.started_at, run.ended_at = min(times), max(times)
    return run


def read_logdir(
    logdir: str | Path, *, experiment: str | None = None, project: str | None = None
) -> list[ImportedRun]:
    root = Path(logdir).expanduser().resolve()
    if not root.is_dir():
        raise RunnotesError(f"no such folder: {root}")
    folders: dict[Path, list[Path]] = defaultdict(list)
    for path in root.rglob(EVENT_GLOB):
        if path.is_file():
            folders[path.parent].append(path)
    if not folders:
        raise RunnotesError(f"no TensorBoard event files under {root}")
    runs = {
        folder: _read_run(
            folder,
            files,
            folder.relative_to(root).as_posix() if folder != root else root.name,
            experiment or root.name,
            project,
        )
        for folder, files in sorted(folders.items())
    }
    return _merge_hparams_folders(runs)


def _merge_hparams_folders(runs: dict[Path, ImportedRun]) -> list[ImportedRun]:
    """``torch``'s ``add_hparams`` writes hparams into a sub-folder of the run: fold it back in."""
    for folder, run in list(runs.items()):
        parent = runs.get(folder.parent)
        if parent is not None and run.params and not run.metrics:
            parent.params.update(run.params)
            del runs[folder]
    return list(runs.values())


def import_tensorboard(
    store: Store, logdir: str | Path, *, experiment: str | None = None, project: str | None = None
) -> ImportResult:
    """Import every run folder under ``logdir``; re-importing refreshes them in place."""
    return write_runs(store, read_logdir(logdir, experiment=experiment, project=project))
