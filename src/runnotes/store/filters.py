"""The run filter language: ``metrics.val_acc > 0.9 and params.lr < 0.01``.

Parsed with Python's own ``ast`` (so precedence, parentheses and quoting behave as a Python user
expects) and compiled to one SQL expression, so filtering 10 000 runs happens in the database.
``metrics.X`` is the run's latest value of metric X; ``params.X`` its latest parameter value
(compared as a number when the literal is a number, else as text); ``status`` and ``name`` are the
run's own columns. Names that are not identifiers use brackets: ``metrics["train-rmse"] < 0.5``.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select

from runnotes.errors import RunnotesError
from runnotes.store.models import Capture, Run, SeriesName, SeriesPoint, counted
from runnotes.store.runs import INT64

_COMPARE = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FLIP = {
    ast.Gt: ast.Lt,
    ast.Lt: ast.Gt,
    ast.GtE: ast.LtE,
    ast.LtE: ast.GtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}
_RUN_COLUMNS = {"status": Run.status, "name": Run.name}


class _Bad(Exception):
    pass


def _field(node: ast.expr) -> tuple[str, str] | None:
    """``metrics.x`` / ``params["x"]`` / ``status`` → (namespace, name); None for literals."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.value.id, node.slice.value
    if isinstance(node, ast.Name) and node.id in _RUN_COLUMNS:
        return "run", node.id
    return None


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except ValueError as exc:
        raise _Bad(f"expected a number or a quoted string, got {ast.unparse(node)!r}") from exc
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        raise _Bad(f"expected a number or a quoted string, got {ast.unparse(node)!r}")
    if isinstance(value, str) and "\x00" in value:
        raise _Bad("a NUL character cannot be compared (no stored text has one)")
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        try:  # beyond what a database integer holds: compared as the number it is
            return float(value)
        except OverflowError as exc:
            raise _Bad(f"{ast.unparse(node)[:40]}… is too large a number") from exc
    return value


def _column(namespace: str, name: str, literal: Any) -> Any:
    if namespace == "run":
        return _RUN_COLUMNS[name]
    kinds = {"metrics": "metric", "metric": "metric", "params": "param", "param": "param"}
    if namespace not in kinds:
        raise _Bad(f"unknown name {namespace!r}: use metrics.NAME, params.NAME, status or name")
    kind = kinds[namespace]
    numeric = isinstance(literal, int | float)
    if kind == "metric" and not numeric:
        raise _Bad(f"metrics.{name} is compared with a number, not {literal!r}")
    return latest_column(kind, name, numeric=numeric)


def latest_column(kind: str, name: str, *, numeric: bool = True) -> Any:
    """The run's latest counted value (or text) of a metric/param, as a correlated subquery on
    ``Run``: the SQL form of the "latest" rule that filters and sorts use (the same rule as
    :func:`runnotes.store.queries.latest_values`, which reads many runs at once)."""
    col = Capture.value if numeric else Capture.text
    newest = select(func.max(Capture.id)).where(
        Capture.run_id == Run.id, Capture.kind == kind, Capture.name == name, counted()
    )
    newest = newest.correlate(Run)
    if kind != "metric":
        return select(col).where(Capture.id == newest.scalar_subquery()).scalar_subquery()
    # A metric's values are logged points and metric captures, in one id space: the newer wins.
    name_id = select(SeriesName.id).where(SeriesName.name == name).scalar_subquery()
    point = (
        select(func.max(SeriesPoint.id))
        .where(SeriesPoint.run_id == Run.id, SeriesPoint.name_id == name_id)
        .correlate(Run)
    )
    cid = func.coalesce(newest.scalar_subquery(), 0)
    pid = func.coalesce(point.scalar_subquery(), 0)
    return case(
        (cid > pid, select(Capture.value).where(Capture.id == cid).scalar_subquery()),
        else_=select(SeriesPoint.value).where(SeriesPoint.id == pid).scalar_subquery(),
    )


def _compare(node: ast.Compare) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        op_type = type(op)
        if op_type not in _COMPARE:
            raise _Bad(f"unsupported comparison {ast.unparse(node)!r}")
        lf, rf = _field(left), _field(right)
        if lf and not rf:
            field, lit = lf, _literal(right)
        elif rf and not lf:
            field, lit, op_type = rf, _literal(left), _FLIP[op_type]
        else:
            raise _Bad(f"compare one field with one value in {ast.unparse(node)!r}")
        column = _column(*field, lit)
        parts.append(_COMPARE[op_type](column, lit))
        left = right
    return and_(*parts)


def _compile(node: ast.expr) -> ColumnElement[bool]:
    if isinstance(node, ast.BoolOp):
        join = and_ if isinstance(node.op, ast.And) else or_
        return join(*[_compile(v) for v in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not_(_compile(node.operand))
    if isinstance(node, ast.Compare):
        return _compare(node)
    raise _Bad(f"expected a comparison, got {ast.unparse(node)!r}")


# A quoted literal, so the SQL-ish rewrites below never touch what is inside quotes.
_QUOTED = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_SQL_WORDS = re.compile(r"\b(AND|OR|NOT)\b")
_SINGLE_EQ = re.compile(r"(?<![=!<>])=(?!=)")
MAX_LENGTH = 10_000
MAX_DEPTH = 100


def _pythonic(text: str) -> str:
    """Accept the SQL-ish spellings people type (``AND``, ``a = 1``) outside quoted literals."""
    parts = []
    last = 0
    for quoted in _QUOTED.finditer(text):
        parts.append(
            _SINGLE_EQ.sub(
                "==", _SQL_WORDS.sub(lambda m: m[1].lower(), text[last : quoted.start()])
            )
        )
        parts.append(quoted[0])
        last = quoted.end()
    parts.append(_SINGLE_EQ.sub("==", _SQL_WORDS.sub(lambda m: m[1].lower(), text[last:])))
    return "".join(parts)


def _depth(node: ast.AST, limit: int = MAX_DEPTH) -> None:
    """Refuse expressions nested deeper than ``limit`` (compiling them would recurse that deep)."""
    stack = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise _Bad(f"nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(item))


def named_values(expression: str) -> list[tuple[str, str]]:
    """The ``(metrics|params, name)`` pairs an expression names, in order (none if malformed:
    :func:`parse_where` says why)."""
    try:
        tree = ast.parse(_pythonic(expression.strip()), mode="eval")
    except (SyntaxError, RecursionError, MemoryError):
        return []
    found = (_field(node) for node in ast.walk(tree) if isinstance(node, ast.expr))
    return list(dict.fromkeys(f for f in found if f and f[0] in ("metrics", "params")))


def parse_where(expression: str) -> ColumnElement[bool]:
    """Compile a filter expression to a SQL condition on ``Run``; RunnotesError when malformed."""
    shown = expression if len(expression) <= 80 else expression[:77] + "..."
    if len(expression) > MAX_LENGTH:
        raise RunnotesError(f"malformed --where {shown!r}: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(_pythonic(expression.strip()), mode="eval")
        _depth(tree)
        return _compile(tree.body)
    except SyntaxError as exc:
        raise RunnotesError(f"malformed --where {shown!r}: {exc.msg}") from exc
    except (RecursionError, MemoryError) as exc:
        raise RunnotesError(f"malformed --where {shown!r}: nested too deeply") from exc
    except _Bad as exc:
        raise RunnotesError(f"malformed --where {shown!r}: {exc}") from exc
