"""Parse tree to AST: one bottom-up pass in which every node gets its span."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from metricc.diagnostics import Diagnostic, diag
from metricc.model import ast
from metricc.model import expr as ex
from metricc.span import Span, make_span

_INVALID_DATE = date(1, 1, 1)


def token_span(path: str, token: Token) -> Span:
    return make_span(
        path,
        token.start_pos or 0,
        token.end_pos or 0,
        token.line or 1,
        token.column or 1,
        token.end_line or 1,
        token.end_column or 1,
    )


def unquote(token: str) -> str:
    """The value of a `"..."` (backslash escapes) or `'...'` (SQL `''`) string."""
    body = token[1:-1]
    if token[0] == "'":
        return body.replace("''", "'")
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def dedent_text(token: str) -> str:
    """A `\"\"\"...\"\"\"` block without its quotes, common indentation or edge blank lines."""
    return textwrap.dedent(token[3:-3]).strip("\n").rstrip()


# Deeper than this, a parse tree is refused (MC001). Later stages walk expressions
# recursively (pickling, serialising, printing SQL); a sum of 300 terms once reached
# Python's recursion limit there. 120 levels of tree are ~110 of expression.
MAX_DEPTH = 120


class TooDeep(Exception):
    """A block nested deeper than MAX_DEPTH; `meta` is where the limit was met."""

    def __init__(self, meta: Meta) -> None:
        super().__init__("nested too deeply")
        self.meta = meta


class ToAst:
    """Builds `metricc.model.ast` nodes; records value errors it can see locally.

    Each rule's method takes the node's positions (`meta`) and its children, already
    built. The walk is ours rather than Lark's `Transformer`: with `v_args`, Lark
    wraps the method again for every node it visits (the pass took twice as long).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._rules: dict[str, Callable[[Meta, list[Any]], Any]] = {
            name: getattr(self, name) for name in RULES
        }

    def transform(self, tree: Tree[Token]) -> list[ast.Block]:
        """The file's blocks; a block nested too deeply is reported and left out."""
        blocks = []
        for block in tree.children:
            assert isinstance(block, Tree)
            try:
                blocks.append(self._build(block, 1))
            except TooDeep as deep:
                at = deep.meta
                self.diagnostics.append(
                    diag(
                        "MC001",
                        "expressions are nested too deeply",
                        make_span(
                            self.path,
                            at.start_pos,
                            at.start_pos,
                            at.line,
                            at.column,
                            at.line,
                            at.column,
                        ),
                        label=f"more than {MAX_DEPTH} levels down",
                        help="split the expression into metrics (a formula), or shorten it",
                    )
                )
        return blocks

    def _build(self, tree: Tree[Token], depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise TooDeep(tree.meta)
        below = depth + 1
        children = [self._build(c, below) if type(c) is Tree else c for c in tree.children]
        return self._rules[tree.data](tree.meta, children)

    def _span(self, meta: Meta) -> Span:
        return make_span(
            self.path,
            meta.start_pos,
            meta.end_pos,
            meta.line,
            meta.column,
            meta.end_line,
            meta.end_column,
        )

    def _tok(self, token: Token) -> Span:
        return token_span(self.path, token)

    # --- blocks and fields ------------------------------------------------

    def block(self, meta: Meta, children: list[Any]) -> ast.Block:
        kind, name, *fields = children
        return ast.Block(
            kind=str(kind),
            name=str(name),
            fields=tuple(fields),
            span=self._span(meta),
            kind_span=self._tok(kind),
            name_span=self._tok(name),
        )

    def field(self, meta: Meta, children: list[Any]) -> ast.FieldNode:
        key, label, value = children
        wrapped = ast.Text | ast.ListValue | ast.MeasureValue | ast.ThresholdValue
        if not isinstance(value, wrapped | ast.ConversionValue):
            value = ast.ExprValue(expr=value, span=value.span)
        return ast.FieldNode(
            key=str(key),
            label=str(label) if label is not None else None,
            value=value,
            span=self._span(meta),
            key_span=self._tok(key),
            label_span=self._tok(label) if label is not None else None,
        )

    # --- values -------------------------------------------------------------

    def text(self, meta: Meta, children: list[Token]) -> ast.Text:
        return ast.Text(value=dedent_text(children[0]), triple=True, span=self._span(meta))

    def list_value(self, meta: Meta, children: list[Any]) -> ast.ListValue:
        return ast.ListValue(items=tuple(children), span=self._span(meta))

    def measure(self, meta: Meta, children: list[Any]) -> Any:
        expr, timing, where = children
        if timing is None and where is None:
            return expr
        return ast.MeasureValue(
            expr=expr,
            timing=timing[0] if timing else None,
            timing_span=timing[1] if timing else None,
            where=where,
            span=self._span(meta),
        )

    def where(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def timing(self, meta: Meta, children: list[Token]) -> tuple[str, Span]:
        if children[0].type == "ACTIVE":
            return f"active_at_{children[1]}", self._span(meta)
        return str(children[0]), self._span(meta)

    def threshold(self, meta: Meta, children: list[Any]) -> ast.ThresholdValue:
        change = children[0] is not None and getattr(children[0], "type", "") == "CHANGE"
        rest = children[1:] if children[0] is None or change else children
        op, value, *clauses = rest
        fields: dict[str, Any] = {}
        for clause in clauses:
            fields.update(clause)
        return ast.ThresholdValue(
            change=change, op=str(op), value=value, span=self._span(meta), **fields
        )

    def by_date(self, meta: Meta, children: list[Token]) -> dict[str, Any]:
        return {"by": self._date(children[0]), "by_span": self._tok(children[0])}

    def for_periods(self, meta: Meta, children: list[Token]) -> dict[str, Any]:
        count, word = children
        periods = int(Decimal(count)) if Decimal(count) == int(Decimal(count)) else 0
        return {"for_periods": periods, "period_word": str(word), "clause_span": self._span(meta)}

    def versus(self, meta: Meta, children: list[Token]) -> dict[str, Any]:
        return {"versus": str(children[0]), "clause_span": self._span(meta)}

    def conversion(self, meta: Meta, children: list[Any]) -> ast.ConversionValue:
        start, end, within, entity = children
        return ast.ConversionValue(
            start=start,
            end=end,
            within=self.duration(meta, [within]),
            entity=str(entity),
            entity_span=self._tok(entity),
            span=self._span(meta),
        )

    # --- expressions ---------------------------------------------------------

    def _binary(self, meta: Meta, op: str, left: Any, right: Any) -> ex.Binary:
        return ex.Binary(op=op, left=left, right=right, span=self._span(meta))

    def or_(self, meta: Meta, children: list[Any]) -> ex.Binary:
        return self._binary(meta, "or", children[0], children[1])

    def and_(self, meta: Meta, children: list[Any]) -> ex.Binary:
        return self._binary(meta, "and", children[0], children[1])

    def binary(self, meta: Meta, children: list[Any]) -> ex.Binary:
        return self._binary(meta, str(children[1]), children[0], children[2])

    def compare(self, meta: Meta, children: list[Any]) -> ex.Binary:
        op = "!=" if children[1] == "<>" else str(children[1])
        return self._binary(meta, op, children[0], children[2])

    def not_(self, meta: Meta, children: list[Any]) -> ex.Not:
        return ex.Not(operand=children[-1], span=self._span(meta))

    def neg(self, meta: Meta, children: list[Any]) -> ex.Expr:
        operand = children[-1]
        if isinstance(operand, ex.Number):
            return ex.Number(value=-operand.value, percent=operand.percent, span=self._span(meta))
        return ex.Neg(operand=operand, span=self._span(meta))

    def in_list(self, meta: Meta, children: list[Any]) -> ex.InList:
        operand, negated, *items = children
        return ex.InList(
            operand=operand, items=tuple(items), negated=negated is not None, span=self._span(meta)
        )

    def is_null(self, meta: Meta, children: list[Any]) -> ex.IsNull:
        operand, negated = children
        return ex.IsNull(operand=operand, negated=negated is not None, span=self._span(meta))

    def like(self, meta: Meta, children: list[Any]) -> ex.Like:
        operand, negated, pattern = children
        return ex.Like(
            operand=operand,
            pattern=unquote(pattern),
            negated=negated is not None,
            span=self._span(meta),
        )

    def number(self, meta: Meta, children: list[Token]) -> ex.Number:
        return ex.Number(value=Decimal(children[0]), span=self._span(meta))

    def percent(self, meta: Meta, children: list[Token]) -> ex.Number:
        return ex.Number(value=Decimal(children[0][:-1]), percent=True, span=self._span(meta))

    def duration(self, meta: Meta, children: list[Token]) -> ex.Duration:
        token = children[0]
        return ex.Duration(amount=int(token[:-1]), unit=token[-1], span=self._tok(token))

    def _date(self, token: Token) -> date:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            self.diagnostics.append(
                diag(
                    "MC206",
                    f"`{token}` is not a date that exists",
                    self._tok(token),
                    label="no such day",
                    help="write dates as YYYY-MM-DD, e.g. 2027-03-31",
                )
            )
            return _INVALID_DATE

    def date_value(self, meta: Meta, children: list[Token]) -> ex.DateLit:
        return ex.DateLit(value=self._date(children[0]), span=self._span(meta))

    def string(self, meta: Meta, children: list[Token]) -> ex.String:
        return ex.String(value=unquote(children[0]), span=self._span(meta))

    def null(self, meta: Meta, children: list[Token]) -> ex.Null:
        return ex.Null(span=self._span(meta))

    def true(self, meta: Meta, children: list[Token]) -> ex.Bool:
        return ex.Bool(value=True, span=self._span(meta))

    def false(self, meta: Meta, children: list[Token]) -> ex.Bool:
        return ex.Bool(value=False, span=self._span(meta))

    def name(self, meta: Meta, children: list[Token]) -> ex.Name:
        return ex.Name(name=str(children[0]), span=self._span(meta))

    def column(self, meta: Meta, children: list[Token]) -> ex.Column:
        return ex.Column(source=str(children[0]), column=str(children[1]), span=self._span(meta))

    def call(self, meta: Meta, children: list[Any]) -> ex.Call:
        func, *args = children
        return ex.Call(
            func=str(func), args=tuple(args), span=self._span(meta), name_span=self._tok(func)
        )

    def case_when(self, meta: Meta, children: list[Any]) -> ex.When:
        return ex.When(condition=children[0], result=children[1])

    def case(self, meta: Meta, children: list[Any]) -> ex.Case:
        *whens, default = children
        return ex.Case(whens=tuple(whens), default=default, span=self._span(meta))


# The grammar's rules that build a node (the others hand their child up, and `start`
# is the file, walked by `transform`): every public method of ToAst.
RULES = tuple(name for name in vars(ToAst) if not name.startswith("_") and name != "transform")


def transform(path: str, tree: Tree[Token]) -> tuple[list[ast.Block], list[Diagnostic]]:
    """The blocks of a parse tree, and the problems seen while building them."""
    builder = ToAst(path)
    blocks = builder.transform(tree)
    return blocks, builder.diagnostics
