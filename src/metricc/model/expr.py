"""Expression trees: what a measure, filter, dimension or formula says.

Parsed by the grammar into these nodes and later turned into sqlglot trees by
the SQL backend; never kept as text. Spans are excluded from the manifest
(the enclosing field carries the location people need).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from metricc.frozen import Frozen, Tagged, field
from metricc.span import Span


class _Node(Frozen):
    span: Span = field(exclude=True, repr=False)


class Number(_Node):
    """A number as written; `percent` marks `99.9%` (value 99.9, meaning 0.999)."""

    kind: Literal["number"] = "number"
    value: Decimal
    percent: bool = False

    @property
    def fraction(self) -> Decimal:
        return self.value / 100 if self.percent else self.value


DurationUnit = Literal["s", "m", "h", "d", "w"]


class Duration(_Node):
    kind: Literal["duration"] = "duration"
    amount: int
    unit: DurationUnit

    @property
    def seconds(self) -> int:
        return self.amount * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[self.unit]

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


class DateLit(_Node):
    kind: Literal["date"] = "date"
    value: date


class String(_Node):
    kind: Literal["string"] = "string"
    value: str


class Null(_Node):
    kind: Literal["null"] = "null"


class Bool(_Node):
    kind: Literal["bool"] = "bool"
    value: bool


class Name(_Node):
    """A bare name: a metric in a formula, a column inside a source block."""

    kind: Literal["name"] = "name"
    name: str


class Column(_Node):
    """`source.column`: the first part always names a source, never a table."""

    kind: Literal["column"] = "column"
    source: str
    column: str


class Call(_Node):
    kind: Literal["call"] = "call"
    func: str
    args: tuple[Expr, ...]
    name_span: Span = field(exclude=True, repr=False)


BinaryOp = Literal["+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=", "and", "or"]


class Binary(_Node):
    kind: Literal["binary"] = "binary"
    op: BinaryOp
    left: Expr
    right: Expr


class Not(_Node):
    kind: Literal["not"] = "not"
    operand: Expr


class Neg(_Node):
    kind: Literal["neg"] = "neg"
    operand: Expr


class InList(_Node):
    kind: Literal["in"] = "in"
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False


class IsNull(_Node):
    kind: Literal["is_null"] = "is_null"
    operand: Expr
    negated: bool = False


class Like(_Node):
    kind: Literal["like"] = "like"
    operand: Expr
    pattern: str
    negated: bool = False


class When(Frozen):
    condition: Expr
    result: Expr


class Case(_Node):
    kind: Literal["case"] = "case"
    whens: tuple[When, ...]
    default: Expr | None = None


Expr = Annotated[
    Number
    | Duration
    | DateLit
    | String
    | Null
    | Bool
    | Name
    | Column
    | Call
    | Binary
    | Not
    | Neg
    | InList
    | IsNull
    | Like
    | Case,
    Tagged("kind"),
]


def children(node: object) -> tuple[object, ...]:
    """The direct sub-expressions of a node, for generic walks."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Not | Neg | IsNull | Like):
        return (node.operand,)
    if isinstance(node, InList):
        return (node.operand, *node.items)
    if isinstance(node, Case):
        parts: list[object] = []
        for when in node.whens:
            parts += [when.condition, when.result]
        if node.default is not None:
            parts.append(node.default)
        return tuple(parts)
    return ()


def walk(node: object) -> list[object]:
    """Every node of a tree, parents before children."""
    out: list[object] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out
