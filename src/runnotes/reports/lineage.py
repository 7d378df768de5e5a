"""The experiment's lineage in the drafts: a Mermaid ``gitGraph`` block and the path to a run.

GitHub renders the block as a git graph. A run that continues its parent's lane is a commit on
that branch; a later child of a run opens a branch at it (declared right after the parent's
commit, as gitGraph branches from the branch's head). Runs linked to no run are drawn on
``main`` in the order they ran, as the tree page draws them in its first lane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runnotes.services.tree import Node, Tree

_UNSAFE = re.compile(r'["\\\n\r`]')
_BRANCH = re.compile(r"[^A-Za-z0-9_-]+")


def _label(node: Node) -> str:
    return _UNSAFE.sub("'", f"{node.run.id}: {node.run.name}")[:60]


def _branch(node: Node) -> str:
    return f"{_BRANCH.sub('-', node.run.name)[:24].strip('-') or 'run'}-{node.run.id}"


def gitgraph(tree: Tree) -> str | None:
    """The ``gitGraph`` text for the tree (None when no run is linked to another)."""
    nodes = tree.nodes
    if not any(n.run.parent_id for n in nodes):
        return None
    by_id = {n.run.id: n for n in nodes}
    children: dict[int, list[Node]] = {}
    for n in nodes:
        if n.run.parent_id in by_id:
            children.setdefault(n.run.parent_id, []).append(n)
    branch_of: dict[int, str] = {}
    lines = ["gitGraph"]
    current = "main"
    for n in nodes:
        parent = by_id.get(n.run.parent_id)  # type: ignore[arg-type]
        if parent is None:
            branch = "main"
        elif children[parent.run.id][0] is n:
            branch = branch_of[parent.run.id]
        else:
            branch = _branch(n)  # opened at its parent's commit, below
        if branch != current:
            lines.append(f"  checkout {branch}")
            current = branch
        extra = ' type: HIGHLIGHT tag: "best"' if n.best else ""
        how = f" ({n.run.how})" if n.run.how else ""
        lines.append(f'  commit id: "{_label(n)}{_UNSAFE.sub("", how)}"{extra}')
        branch_of[n.run.id] = branch
        later = children.get(n.run.id, [])[1:]
        for child in later:  # gitGraph branches from the head: open them while it is this run
            lines.append(f"  branch {_branch(child)}")
        if later:
            lines.append(f"  checkout {branch}")
    return "\n".join(lines)


@dataclass
class Step:
    """One run on the way from the first run to the best: how it came and why."""

    node: Node
    narrative: list[Any] | None
    rationale: str | None


def path_to(tree: Tree, run_id: int) -> list[Step]:
    """The runs from the root to ``run_id`` (empty when it has no parent: nothing to walk)."""
    path = tree.path_to(run_id)
    if len(path) < 2:
        return []
    return [
        Step(n, n.edge.narrative if n.edge else None, n.edge.rationale if n.edge else None)
        for n in path
    ]
