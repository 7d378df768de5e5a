"""``%load_ext runnotes``: start runs, like values and write notes from a notebook; see runs inline.

Magics: ``%runnotes start NAME [-e EXP] [-p PROJECT] [-t TAG]``,
``%runnotes end [RUN] [ok|failed]``, ``%runnotes show [RUN]``, ``%runnotes compare A B …``,
``%runnotes tree [EXP] [-p PROJECT] [--where EXPR] [--all]``, ``%like name=value …``,
``%note text``.
The runs follow the rules every other way of starting one follows (see :func:`runnotes.start_run`):
a run started while another is active goes on top of it, and the magic says so; ``end`` ends the
run it names, else the kernel's current run, else the active one.
``show`` and ``compare`` return objects that render in JupyterLab as an HTML table and the web
page's own charts (the same spec, :mod:`runnotes.services.charts`, drawn by the same script with
uPlot, both inlined: no server, no network), and as plain text in terminal IPython. ``tree``
returns the experiment's tree as the web page draws it (:mod:`runnotes.services.tree` built it,
:mod:`runnotes.web.treeview` renders the same graph and rows, its style inlined, run names
without links: a notebook has no server). Mistakes
print one ``runnotes: error:`` line, like the CLI, instead of a traceback in the middle of
someone's notebook.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import uuid
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from jinja2 import Environment

from runnotes import sdk
from runnotes.errors import RunnotesError
from runnotes.formatting import fmt_value, parse_pairs
from runnotes.services.charts import PALETTE, ChartSpec, chart_specs, with_times
from runnotes.services.tree import Tree, open_tree
from runnotes.store.db import Store, get_row
from runnotes.store.experiments import find_experiment, project_name
from runnotes.store.lineage import run_row
from runnotes.store.models import Experiment
from runnotes.store.queries import Comparison, RunDetail, compare_runs, run_detail
from runnotes.web.treeview import notebook_html

_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

RUN_HTML = _env.from_string("""
<div class="runnotes-run">
<b>run {{ s.id }}: {{ s.name }}</b> &middot; {{ s.project }}/{{ s.experiment }}
&middot; {{ s.status }}
{% if s.tags %} &middot; {{ s.tags|join(", ") }}{% endif %}
<table>
<tr><th>name</th><th>value</th></tr>
{% for k, v in s.params.items() %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}
{% for k, v in s.metrics.items() %}
<tr><td>{{ k }}</td><td>{{ "%.6g"|format(v) }}</td></tr>
{% endfor %}
</table>
{{ charts|safe }}
{% if liked %}<p><b>liked</b>:
{% for k, v in liked %}{{ k }} = {{ v }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
{% endif %}
{% if notes %}<ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
</div>
""")

COMPARE_HTML = _env.from_string("""
<table class="runnotes-compare">
<tr><th></th>{% for r in c.runs %}
<th style="color: {{ colors[loop.index0 % colors|length] }}">{{ r.id }}: {{ r.name }}</th>
{% endfor %}</tr>
{% for section, rows in (("params", c.params), ("metrics", c.metrics)) %}
<tr><th colspan="{{ c.runs|length + 1 }}" style="text-align:left">{{ section }}</th></tr>
{% for key, values in rows.items() %}
<tr{% if c.differs(values) %} style="font-weight:bold"{% endif %}><td>{{ key }}</td>
{% for v in values %}<td>{{ fmt(v) }}</td>{% endfor %}</tr>
{% endfor %}
{% endfor %}
</table>
{{ charts|safe }}
""")


ASSETS = files("runnotes") / "web" / "static"  # the page's chart component, read as files
SCRIPTS = ("vendor/uplot/uPlot.iife.min.js", "charts.js")
STYLES = ("vendor/uplot/uPlot.min.css", "charts.css")
CHARTS_HTML = _env.from_string("""
<style>{{ styles|safe }}</style>
<div id="{{ id }}" class="rn-charts">
{% for spec in specs %}<div class="rn-chart" data-spec>
<script type="application/json">{{ spec.as_json()|tojson }}</script></div>
{% endfor %}</div>
<script>{{ scripts|safe }}
RunnotesCharts.renderAll(document.getElementById("{{ id }}"));</script>
""")


def charts_html(specs: Sequence[ChartSpec]) -> str:
    """The web page's chart component for ``specs``, with uPlot and ``charts.js`` inlined: the
    same charts as the run and compare pages, drawn with no server and no network."""
    if not specs:
        return ""
    return CHARTS_HTML.render(
        id=f"runnotes-{uuid.uuid4().hex}",
        specs=specs,
        styles="\n".join((ASSETS / name).read_text() for name in STYLES),
        scripts="\n".join((ASSETS / name).read_text() for name in SCRIPTS),
    )


def notebook_specs(store: Store, labels: dict[int, str]) -> list[ChartSpec]:
    """The runs' chart specs as the page builds them, each point's wall time filled in."""
    return with_times(store, chart_specs(store, labels))


class RunView:
    """One run, for display: HTML in Jupyter, text in terminal IPython."""

    def __init__(self, detail: RunDetail, specs: Sequence[ChartSpec]) -> None:
        self.detail, self.specs = detail, specs

    def liked(self) -> list[tuple[str, str]]:
        """The values liked on the run (``%like``, the hotkey, ``runnotes like``), as shown."""
        return [
            (c.name or "", c.text or fmt_value(c.value))
            for c in self.detail.captures
            if c.liked and c.review != "rejected"
        ]

    def _repr_html_(self) -> str:
        d = self.detail
        notes = [c.text for c in d.captures if c.kind in ("note", "voice") and c.text]
        charts = charts_html([spec for spec in self.specs if spec.kind == "line"])
        return RUN_HTML.render(s=d.summary, charts=charts, notes=notes, liked=self.liked())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        s = self.detail.summary
        lines = [f"run {s.id}: {s.name}  {s.project}/{s.experiment}  {s.status}"]
        lines += [f"  {k} = {v}" for k, v in s.params.items()]
        lines += [f"  {k} = {fmt_value(v)}" for k, v in s.metrics.items()]
        lines += [f"  liked: {k} = {v}" for k, v in self.liked()]
        printer.text("\n".join(lines))


class ComparisonView:
    """Runs side by side; one overlay chart per metric (a bar per run for single values)."""

    def __init__(self, comparison: Comparison, specs: Sequence[ChartSpec]) -> None:
        self.comparison, self.specs = comparison, specs

    def _repr_html_(self) -> str:
        return COMPARE_HTML.render(
            c=self.comparison, charts=charts_html(self.specs), colors=PALETTE, fmt=fmt_value
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        c = self.comparison
        rows = [" | ".join(["", *[f"{r.id}: {r.name}" for r in c.runs]])]
        rows += [" | ".join([k, *map(fmt_value, v)]) for k, v in {**c.params, **c.metrics}.items()]  # type: ignore[call-overload]
        printer.text("\n".join(rows))


class TreeView:
    """An experiment's runs as a tree: the web page's graph and rows in Jupyter, an indented
    outline in terminal IPython."""

    def __init__(self, tree: Tree, title: str) -> None:
        self.tree, self.title = tree, title

    def _repr_html_(self) -> str:
        return notebook_html(self.tree, self.title)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        t = self.tree
        lines = [f"{self.title}: {t.total} runs" + (f", key metric {t.metric}" if t.metric else "")]
        for n in t.nodes:
            value = f"  {t.metric} {fmt_value(n.value)}" if n.value is not None else ""
            how = f"  ({n.run.how}{', inferred' if n.run.source == 'inferred' else ''})"
            folded = f"  + {len(n.collapsed)} in a line" if n.collapsed else ""
            lines.append(
                f"{'  ' * n.lane}* {n.run.name}  {n.run.status}{value}{'  best' if n.best else ''}"
                f"{how if n.run.how else ''}{folded}"
            )
            if n.edge:
                lines.append(f"{'  ' * n.lane}    {n.edge.text}")
        printer.text("\n".join(lines))


def _one_line_errors(magic: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(self: RunnotesMagics, line: str) -> Any:
        try:
            return magic(self, line)
        except RunnotesError as exc:
            print(f"runnotes: error: {exc}", file=sys.stderr)
            return None

    wrapped.__name__, wrapped.__doc__ = magic.__name__, magic.__doc__
    return wrapped


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise RunnotesError(f"%runnotes: {message}")


def _start_parser() -> _Parser:
    parser = _Parser(prog="%runnotes start", add_help=False)
    parser.add_argument("name")
    parser.add_argument("-e", "--experiment")
    parser.add_argument("-p", "--project")
    parser.add_argument("-t", "--tag", action="append", default=[])
    return parser


def _tree_parser() -> _Parser:
    parser = _Parser(prog="%runnotes tree", add_help=False)
    parser.add_argument("experiment", nargs="?")
    parser.add_argument("-p", "--project")
    parser.add_argument("--where", default="")
    parser.add_argument("--all", action="store_true", help="every run, no chain collapsed")
    return parser


def tree_view(store: Store, args: Sequence[str]) -> TreeView:
    """``%runnotes tree``: the named experiment's tree, else the current run's experiment's."""
    opts = _tree_parser().parse_args(args)
    if opts.experiment:
        with store.read() as session:
            exp_id, project = find_experiment(session, opts.experiment, opts.project)
        title = f"{project}/{opts.experiment}"
    else:
        exp_id = run_row(store, sdk.current_run(store).id).experiment_id
        with store.read() as session:
            name = get_row(session, Experiment, exp_id).name
            title = f"{project_name(session, exp_id)}/{name}"
    return TreeView(open_tree(store, exp_id, opts.where, "no" if opts.all else "auto"), title)


def _words(line: str) -> list[str]:
    """A magic's arguments; a trailing ``# comment`` is not one (IPython passes it along)."""
    return shlex.split(line, comments=True)


def _pairs(line: str) -> list[tuple[str, str]]:
    return parse_pairs(_words(line))  # the same NAME=VALUE rules as `runnotes like`


@magics_class
class RunnotesMagics(Magics):
    started: sdk.Run | None = None  # the run `%runnotes start` began: flushed before display

    @line_magic
    @_one_line_errors
    def runnotes(self, line: str) -> Any:
        """%runnotes start NAME [-e EXP] | end [ok|failed] | show [RUN] | compare A B … |
        tree [EXP] [--where EXPR] [--all]"""
        words = _words(line)
        command, args = (words[0], words[1:]) if words else ("show", [])
        if command == "start":
            opts = _start_parser().parse_args(args)
            run = sdk.start_run(
                opts.name,
                experiment=opts.experiment,
                project=opts.project,
                tags=opts.tag,
                source="sdk",
                started_by="jupyter",
            )
            self.started = run
            print(f"started run {run.id} ({run.name}); captures now go to it")
            if run.nested_in is not None:
                below = run.backend.run_ref(run.nested_in.run_id)
                print(
                    f"run {below.id} ({below.name}) is still open: it is active again when run "
                    f"{run.id} ends (`%runnotes end {below.id}` ends it)"
                )
            return None
        if command == "end":
            status = next((a for a in args if a in ("ok", "failed", "killed")), None)
            refs = [a for a in args if a != status]
            if len(refs) > 1:
                raise RunnotesError("%runnotes end [RUN] [ok|failed]: one run at a time")
            ended = sdk.end_run(refs[0] if refs else None, status)
            row = ended.run
            print(f"ended run {row.id} ({row.name}): {row.status}")
            if ended.was_active and ended.now_active is not None:
                print(f"run {ended.now_active.run_id} is the active run again")
            return None
        store = sdk.get_store()
        if self.started is not None:
            self.started.flush()  # metric values logged in earlier cells, shown now
        if command == "show":
            detail = run_detail(store, args[0] if args else sdk.current_run(store).id)
            summary = detail.summary
            return RunView(detail, notebook_specs(store, {summary.id: summary.name}))
        if command == "compare":
            cmp = compare_runs(store, args)
            labels = {r.id: f"{r.id}: {r.name}" for r in cmp.runs}
            return ComparisonView(cmp, notebook_specs(store, labels))
        if command == "tree":
            return tree_view(store, args)
        raise RunnotesError(
            f"%runnotes: unknown command {command!r} (start, end, show, compare, tree)"
        )

    @line_magic
    @_one_line_errors
    def like(self, line: str) -> None:
        """%like name=value …: values worth keeping, on the current run."""
        pairs = _pairs(line)
        if not pairs:
            raise RunnotesError("%like needs NAME=VALUE pairs, e.g. %like val_acc=0.93")
        run = sdk.current_run()
        for key, value in pairs:
            run.like(key, value, origin="jupyter")
        print(f"liked {', '.join(f'{k}={v}' for k, v in pairs)} → run {run.id} ({run.name})")

    @line_magic
    @_one_line_errors
    def note(self, line: str) -> None:
        """%note text: why you did what you did, on the current run."""
        if not line.strip():
            raise RunnotesError("%note needs some text")
        run = sdk.current_run()
        run.note(line.strip(), origin="jupyter")
        print(f"noted → run {run.id} ({run.name})")


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(RunnotesMagics)
