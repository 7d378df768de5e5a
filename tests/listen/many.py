"""An experiment of many runs for the spoken summary's length (tests and benchmarks/listen.py).

Each run changes the learning rate or the dropout, reports val_acc and loss, and has a note with
a reason; every fifth has a next step and every tenth a blocker: more than two minutes' worth, so
the script has to choose.
"""

from __future__ import annotations

from runnotes.store import Store
from runnotes.store.runs import NewCapture, RunContext, add_captures, create_run, end_run

T0 = 1714986000.0


def _c(kind: str, ts: float, **fields: object) -> NewCapture:
    return NewCapture(kind=kind, timestamp=ts, review="approved", **fields)  # type: ignore[arg-type]


def add_note(store: Store, run_id: int, ts: float, text: str, **fields: object) -> None:
    """An approved note on a run (a typed note unless ``source`` says otherwise)."""
    fields.setdefault("source", "cli")
    add_captures(store, run_id, [_c("note", ts, text=text, **fields)])


def build_many(store: Store, runs: int = 50, experiment: str = "sweep") -> list[int]:
    """``runs`` ended runs in ``experiment``; every third has uncommitted changes (a diff)."""
    ids = []
    for i in range(runs):
        t = T0 + 3600 * i
        ctx = RunContext(
            command=f"python train.py --trial {i}",
            git_commit=f"{i + 1:040x}",
            git_dirty=i % 3 == 0,
            git_diff=f"--- a/train.py\n+++ b/train.py\n+# trial {i}\n" if i % 3 == 0 else None,
            python_version="3.11.2",
        )
        run = create_run(store, f"trial-{i}", experiment=experiment, context=ctx, started_at=t)
        assert run.id is not None
        lr, dropout = 10 ** -(2 + i % 3), round(0.1 * (i % 4), 1)
        captures = [
            _c("param", t, name="lr", value=lr, text=f"{lr:g}"),
            _c("param", t, name="dropout", value=dropout, text=f"{dropout:g}"),
            _c("metric", t + 60, name="val_acc", value=0.8 + (i * 37 % 100) / 1000),
            _c("metric", t + 60, name="loss", value=1.0 - (i * 37 % 100) / 200),
            _c(
                "note",
                t + 90,
                source="cli",
                text=f"trial {i}: changed the learning rate because the loss curve looked "
                "noisy in the last few epochs and the validation accuracy had stopped improving",
            ),
        ]
        if i % 5 == 0:
            text = "try a cosine schedule with warmup on the best setting"
            captures.append(_c("note", t + 95, source="cli", role="next_step", text=text))
        if i % 10 == 0:
            text = "blocked by the shared GPU queue being full for the night"
            captures.append(_c("note", t + 99, source="cli", role="blocker", text=text))
        add_captures(store, run.id, captures)
        end_run(store, run.id)
        ids.append(run.id)
    return ids
