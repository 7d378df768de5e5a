"""The experiment's tree as HTML: one rendering for the web page and the notebook.

:func:`tree_html` turns a :class:`~runnotes.services.tree.Tree` into the SVG graph and its rows
(``templates/tree_graph.html``); ``/experiments/ID`` puts it in its page, ``%runnotes tree``
(:mod:`runnotes.interop.jupyter`) in a notebook cell with ``static/tree.css`` inlined. No
FastAPI here: the notebook has only Jinja.

Rendering 200 rows is most of a tree page's work once the tree is built (some 35 000 escapes),
and :func:`runnotes.services.tree.build_tree` returns the same object while nothing it shows
changed, so the HTML of the last few trees is kept beside them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from runnotes.formatting import fmt_value, when
from runnotes.services.charts import sparkline
from runnotes.services.narrative import Part
from runnotes.services.tree import Node, Tree

ROW, LANE, X0, Y0 = 60, 20, 14, 22
SPARK_W, SPARK_H = 96, 22
COLORS = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
TEMPLATES = files("runnotes") / "web" / "templates"
STYLE = files("runnotes") / "web" / "static" / "tree.css"
KEPT = 8  # rendered trees kept

_rendered: OrderedDict[tuple[int, bool], tuple[Tree, Markup]] = OrderedDict()
_lock = threading.Lock()


def told(parts: Sequence[Part]) -> Markup:
    """A narrative sentence or chip: escaped, its names as code."""
    return Markup("").join(
        Markup("<code>%s</code>") % text if name else escape(text) for text, name in parts
    )


def add_filters(env: Environment) -> None:
    env.filters.update(told=told, num=fmt_value, when=when)


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
add_filters(_env)


@dataclass
class Drawn:
    node: Node
    x: float
    y: float
    color: str
    path: str | None  # the edge from the run drawn above it
    spark: str  # polyline points


def draw(tree: Tree) -> list[Drawn]:
    """Each row's place in the graph: its dot, the edge from the run above it, its sparkline."""
    by_id = {n.run.id: n for n in tree.nodes}
    drawn = []
    for n in tree.nodes:
        x, y = X0 + n.lane * LANE, Y0 + n.row * ROW
        path = None
        above = by_id.get(n.above)  # type: ignore[arg-type]
        if above is not None:
            px, py = X0 + above.lane * LANE, Y0 + above.row * ROW
            if px == x:
                path = f"M{px},{py} L{x},{y}"
            else:
                bend = py + ROW / 2
                path = f"M{px},{py} C{px},{bend} {x},{py} {x},{bend} L{x},{y}"
        spark = sparkline(n.spark, SPARK_W, SPARK_H, pad=1)
        drawn.append(Drawn(n, x, y, COLORS[n.lane % len(COLORS)], path, spark))
    return drawn


def tree_html(tree: Tree, *, links: bool = True) -> Markup:
    """The graph and its rows; ``links``: run names link to their pages and a folded chain to
    the unfolded view (the web page), or plain text (a notebook, which has no server)."""
    key = (id(tree), links)
    with _lock:
        kept = _rendered.get(key)
        if kept is not None and kept[0] is tree:
            _rendered.move_to_end(key)
            return kept[1]
    html = Markup(
        _env.get_template("tree_graph.html").render(
            tree=tree,
            drawn=draw(tree),
            width=X0 * 2 + max(tree.lanes - 1, 0) * LANE,
            height=max(len(tree.nodes), 1) * ROW,
            row=ROW,
            spark=(SPARK_W, SPARK_H),
            links=links,
        )
    )
    with _lock:
        _rendered[key] = (tree, html)  # the tree is kept too: its id is not reused meanwhile
        _rendered.move_to_end(key)
        while len(_rendered) > KEPT:
            _rendered.popitem(last=False)
    return html


def notebook_html(tree: Tree, title: str) -> str:
    """The tree for a notebook cell: ``tree.css`` inlined, a heading, no links."""
    heading = Markup("<p><b>{}</b> · {} run{}{}</p>").format(
        title,
        tree.total,
        "" if tree.total == 1 else "s",
        Markup(" · key metric <code>{}</code>, best <b>{}</b>").format(
            tree.metric, fmt_value(tree.best)
        )
        if tree.metric
        else "",
    )
    hidden = (
        Markup(
            "<p>{} older runs off the paths to the newest and the best are not shown "
            "(<code>%runnotes tree --all</code> shows them).</p>"
        ).format(tree.hidden)
        if tree.hidden
        else ""
    )
    style = Markup("<style>{}</style>").format(Markup(STYLE.read_text()))
    return str(
        Markup('<div class="runnotes-tree">{}{}{}{}</div>').format(
            style, heading, hidden, tree_html(tree, links=False)
        )
    )
