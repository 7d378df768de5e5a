"""The options several commands share, declared once so that ``--run`` or ``--json`` reads and
behaves the same under every command (same short name, same help, same default)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
RunOpt = Annotated[
    str | None, typer.Option("--run", "-r", help="Run id or name (default: the active run).")
]
RunsOpt = Annotated[
    list[str] | None, typer.Option("--run", "-r", help="Only these runs: id or name (repeatable).")
]
_EXPERIMENT = typer.Option("--experiment", "-e", help="Experiment name.")
ExperimentOpt = Annotated[str | None, _EXPERIMENT]
ExperimentArg = Annotated[str, _EXPERIMENT]  # the same option, required
ProjectOpt = Annotated[str | None, typer.Option("--project", "-p", help="Project name.")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="The run this one came from (id or name): its lineage."),
]
HowOpt = Annotated[
    str, typer.Option(help="How it came from --from: fork, resume, finetune, rerun or variant.")
]
StepOpt = Annotated[
    int | None, typer.Option(help="The parent's step a resume or fork started from.")
]
WhereOpt = Annotated[
    str | None,
    typer.Option(help='Filter, e.g. "metrics.val_acc > 0.9 and params.lr < 0.01".'),
]

# The panels of `runnotes --help`, in the order they are shown.
CAPTURE = "Capture"
RUNS = "Runs and review"
REPORTS = "Reports"
TRACKERS = "Other trackers"
SETUP = "Setup"
PANELS = (CAPTURE, RUNS, REPORTS, TRACKERS, SETUP)
