"""Reductions to AST: every grammar rule's node, built as the parser reduces it,
with its span."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from typing import Any, cast

from metricc.diagnostics import Diagnostic, diag
from metricc.model import ast
from metricc.model import expr as ex
from metricc.span import Span, make_span
from metricc.syntax.lexer import Token
from metricc.syntax.tables import Builder

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
            # An unknown escape stays as written (`"C:\\data"`: a backslash and a `d`).
            out.append(escapes.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def dedent_text(token: str) -> str:
    """A `\"\"\"...\"\"\"` block without its quotes, common indentation or edge blank lines.
    Its lines end in `\\n` whatever the file's line endings: a file saved with CRLF
    means what the same file with LF does."""
    text = token[3:-3].replace("\r\n", "\n")
    return textwrap.dedent(text).strip("\n").rstrip()


class ToAst:
    """Builds `metricc.model.ast` nodes; records value errors it can see locally.

    Each rule's method takes its children, already built, and the first and last
    tokens under it (anything with Lark's position attributes will do: the tests
    pass a node's `meta` for both, to build the same nodes from Lark's own tree).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def builders(self) -> dict[str, Builder]:
        """The method for each rule that makes a node, by the rule's name."""
        return {name: getattr(self, name) for name in RULES}

    def _span(self, first: Any, last: Any) -> Span:
        return make_span(
            self.path,
            first.start_pos,
            last.end_pos,
            first.line,
            first.column,
            last.end_line,
            last.end_column,
        )

    def _tok(self, token: Token) -> Span:
        return token_span(self.path, token)

    def start(self, children: list[ast.Block], first: Any, last: Any) -> list[ast.Block]:
        return children

    # --- blocks and fields ------------------------------------------------

    def block(self, children: list[Any], first: Any, last: Any) -> ast.Block:
        kind, name, *fields = children
        return ast.Block(
            kind=str(kind),
            name=str(name),
            fields=tuple(fields),
            span=self._span(first, last),
            kind_span=self._tok(kind),
            name_span=self._tok(name),
        )

    def field(self, children: list[Any], first: Any, last: Any) -> ast.FieldNode:
        key, label, value = children
        wrapped = ast.Text | ast.ListValue | ast.MeasureValue | ast.ThresholdValue
        if not isinstance(value, wrapped | ast.ConversionValue):
            value = ast.ExprValue(expr=value, span=value.span)
        return ast.FieldNode(
            key=str(key),
            label=str(label) if label is not None else None,
            value=value,
            span=self._span(first, last),
            key_span=self._tok(key),
            label_span=self._tok(label) if label is not None else None,
        )

    # --- values -------------------------------------------------------------

    def text(self, children: list[Token], first: Any, last: Any) -> ast.Text:
        return ast.Text(value=dedent_text(children[0]), triple=True, span=self._span(first, last))

    def list_value(self, children: list[Any], first: Any, last: Any) -> ast.ListValue:
        return ast.ListValue(items=tuple(children), span=self._span(first, last))

    def measure(self, children: list[Any], first: Any, last: Any) -> ast.MeasureValue:
        expr, (timing, timing_span), where = children
        return ast.MeasureValue(
            expr=expr,
            timing=timing,
            timing_span=timing_span,
            where=where,
            span=self._span(first, last),
        )

    def filtered(self, children: list[Any], first: Any, last: Any) -> ast.MeasureValue:
        expr, where = children
        return self.measure([expr, (None, None), where], first, last)

    def where(self, children: list[Any], first: Any, last: Any) -> Any:
        return children[0]

    def timing(self, children: list[Token], first: Any, last: Any) -> tuple[str, Span]:
        if children[0].type == "ACTIVE":
            return f"active_at_{children[1]}", self._span(first, last)
        return str(children[0]), self._span(first, last)

    def threshold(self, children: list[Any], first: Any, last: Any) -> ast.ThresholdValue:
        change = children[0] is not None and getattr(children[0], "type", "") == "CHANGE"
        rest = children[1:] if children[0] is None or change else children
        op, value, *clauses = rest
        fields: dict[str, Any] = {}
        for clause in clauses:
            fields.update(clause)
        return ast.ThresholdValue(
            change=change,
            op=cast(ast.ThresholdOp, str(op)),  # the grammar's COMPARATOR
            value=value,
            span=self._span(first, last),
            **fields,
        )

    def by_date(self, children: list[Token], first: Any, last: Any) -> dict[str, Any]:
        return {"by": self._date(children[0]), "by_span": self._tok(children[0])}

    def for_periods(self, children: list[Token], first: Any, last: Any) -> dict[str, Any]:
        count, word = children
        periods = int(Decimal(count)) if Decimal(count) == int(Decimal(count)) else 0
        return {
            "for_periods": periods,
            "period_word": str(word),
            "clause_span": self._span(first, last),
        }

    def versus(self, children: list[Token], first: Any, last: Any) -> dict[str, Any]:
        return {"versus": str(children[0]), "clause_span": self._span(first, last)}

    def conversion(self, children: list[Any], first: Any, last: Any) -> ast.ConversionValue:
        start, end, within, entity = children
        return ast.ConversionValue(
            start=start,
            end=end,
            within=self.duration([within], within, within),
            entity=str(entity),
            entity_span=self._tok(entity),
            span=self._span(first, last),
        )

    # --- expressions ---------------------------------------------------------

    def _binary(self, op: ex.BinaryOp, left: Any, right: Any, first: Any, last: Any) -> ex.Binary:
        return ex.Binary(op=op, left=left, right=right, span=self._span(first, last))

    def or_(self, children: list[Any], first: Any, last: Any) -> ex.Binary:
        return self._binary("or", children[0], children[1], first, last)

    def and_(self, children: list[Any], first: Any, last: Any) -> ex.Binary:
        return self._binary("and", children[0], children[1], first, last)

    def binary(self, children: list[Any], first: Any, last: Any) -> ex.Binary:
        op = cast(ex.BinaryOp, str(children[1]))  # the grammar's operator tokens
        return self._binary(op, children[0], children[2], first, last)

    def compare(self, children: list[Any], first: Any, last: Any) -> ex.Binary:
        op = "!=" if children[1] == "<>" else str(children[1])
        return self._binary(cast(ex.BinaryOp, op), children[0], children[2], first, last)

    def not_(self, children: list[Any], first: Any, last: Any) -> ex.Not:
        return ex.Not(operand=children[-1], span=self._span(first, last))

    def neg(self, children: list[Any], first: Any, last: Any) -> ex.Expr:
        operand = children[-1]
        if isinstance(operand, ex.Number):
            return ex.Number(
                value=-operand.value, percent=operand.percent, span=self._span(first, last)
            )
        return ex.Neg(operand=operand, span=self._span(first, last))

    def in_list(self, children: list[Any], first: Any, last: Any) -> ex.InList:
        operand, negated, *items = children
        return ex.InList(
            operand=operand,
            items=tuple(items),
            negated=negated is not None,
            span=self._span(first, last),
        )

    def is_null(self, children: list[Any], first: Any, last: Any) -> ex.IsNull:
        operand, negated = children
        return ex.IsNull(operand=operand, negated=negated is not None, span=self._span(first, last))

    def like(self, children: list[Any], first: Any, last: Any) -> ex.Like:
        operand, negated, pattern = children
        return ex.Like(
            operand=operand,
            pattern=unquote(pattern),
            negated=negated is not None,
            span=self._span(first, last),
        )

    def number(self, children: list[Token], first: Any, last: Any) -> ex.Number:
        return ex.Number(value=Decimal(children[0]), span=self._span(first, last))

    def percent(self, children: list[Token], first: Any, last: Any) -> ex.Number:
        return ex.Number(
            value=Decimal(children[0][:-1]), percent=True, span=self._span(first, last)
        )

    def duration(self, children: list[Token], first: Any, last: Any) -> ex.Duration:
        token = children[0]
        unit = cast(ex.DurationUnit, token[-1])  # the grammar's DURATION ends in one of them
        return ex.Duration(amount=int(token[:-1]), unit=unit, span=self._tok(token))

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

    def date_value(self, children: list[Token], first: Any, last: Any) -> ex.DateLit:
        return ex.DateLit(value=self._date(children[0]), span=self._span(first, last))

    def string(self, children: list[Token], first: Any, last: Any) -> ex.String:
        return ex.String(value=unquote(children[0]), span=self._span(first, last))

    def null(self, children: list[Token], first: Any, last: Any) -> ex.Null:
        return ex.Null(span=self._span(first, last))

    def true(self, children: list[Token], first: Any, last: Any) -> ex.Bool:
        return ex.Bool(value=True, span=self._span(first, last))

    def false(self, children: list[Token], first: Any, last: Any) -> ex.Bool:
        return ex.Bool(value=False, span=self._span(first, last))

    def name(self, children: list[Token], first: Any, last: Any) -> ex.Name:
        return ex.Name(name=str(children[0]), span=self._span(first, last))

    def column(self, children: list[Token], first: Any, last: Any) -> ex.Column:
        return ex.Column(
            source=str(children[0]), column=str(children[1]), span=self._span(first, last)
        )

    def call(self, children: list[Any], first: Any, last: Any) -> ex.Call:
        func, *args = children
        return ex.Call(
            func=str(func),
            args=tuple(args),
            span=self._span(first, last),
            name_span=self._tok(func),
        )

    def case_when(self, children: list[Any], first: Any, last: Any) -> ex.When:
        return ex.When(condition=children[0], result=children[1])

    def case(self, children: list[Any], first: Any, last: Any) -> ex.Case:
        *whens, default = children
        return ex.Case(whens=tuple(whens), default=default, span=self._span(first, last))


# The grammar's rules that build a node, by name (the others hand a child up, or
# their children): every public method of ToAst but `builders`.
RULES = tuple(name for name in vars(ToAst) if not name.startswith("_") and name != "builders")
