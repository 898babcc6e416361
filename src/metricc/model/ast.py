"""The syntax tree: blocks and fields exactly as written, each with its span.

The parser produces these; the resolver reads them, checks each field's value
against the kind's schema and builds the semantic model.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from metricc.frozen import Frozen, field
from metricc.model.expr import Duration, Expr
from metricc.span import Span

Timing = Literal["started", "ended", "active_at_start", "active_at_end"]
ThresholdOp = Literal[">=", "<=", "!=", "<>", "=", "<", ">"]


class _Value(Frozen):
    span: Span = field(exclude=True, repr=False)


class Text(_Value):
    """A string value; `triple` marks a `\"\"\"...\"\"\"` block (already dedented)."""

    kind: Literal["text"] = "text"
    value: str
    triple: bool = False


class ExprValue(_Value):
    """A single expression: a name, a number, a measure without clauses..."""

    kind: Literal["expr"] = "expr"
    expr: Expr


class ListValue(_Value):
    kind: Literal["list"] = "list"
    items: tuple[Expr, ...]


class MeasureValue(_Value):
    """An aggregate expression with a timing (state sources) and/or a `where` filter."""

    kind: Literal["measure"] = "measure"
    expr: Expr
    timing: Timing | None = None
    timing_span: Span | None = field(default=None, exclude=True, repr=False)
    where: Expr | None = None


class ThresholdValue(_Value):
    """`[change] OP VALUE [by DATE] [for N periods] [vs previous]`."""

    kind: Literal["threshold"] = "threshold"
    change: bool
    op: ThresholdOp
    value: Expr
    by: date | None = None
    by_span: Span | None = field(default=None, exclude=True, repr=False)
    for_periods: int | None = None
    period_word: str | None = None
    clause_span: Span | None = field(default=None, exclude=True, repr=False)
    versus: str | None = None


class ConversionValue(_Value):
    """`FROM_FILTER -> TO_FILTER within DURATION by ENTITY`."""

    kind: Literal["conversion"] = "conversion"
    start: Expr
    end: Expr
    within: Duration
    entity: str
    entity_span: Span = field(exclude=True, repr=False)


Value = Text | ExprValue | ListValue | MeasureValue | ThresholdValue | ConversionValue


class FieldNode(Frozen):
    """`key [label]: value`, e.g. `entity user: user_id`."""

    key: str
    label: str | None
    value: Value
    span: Span
    key_span: Span
    label_span: Span | None = None


class Block(Frozen):
    kind: str
    name: str
    fields: tuple[FieldNode, ...]
    span: Span
    kind_span: Span
    name_span: Span


class Comment(Frozen):
    text: str
    span: Span


class File(Frozen):
    path: str
    blocks: tuple[Block, ...]
    comments: tuple[Comment, ...] = ()
