"""Expressions as the language writes them, from the tree; user text on one line;
values in their unit.

`ExprText` prints canonically (only the parentheses precedence needs); the
formatter overrides `literal` to keep each literal's original spelling, the
catalogue uses it as is to show definitions.
"""

from __future__ import annotations

from metricc.model import expr as ex


def show_value(value: object, unit: str | None) -> str:
    """A number as people read it in its metric's unit: 43.2%, $1,234.56, 12,345
    (the same in `query`, `check` and the catalogue)."""
    if value is None:
        return "—"
    if not isinstance(value, int | float):
        return str(value)
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "usd":
        return f"${value:,.2f}"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:,.4g}"


def one_line(text: object) -> str:
    """Text as written, on one line: every run of whitespace (line breaks included)
    one space. For the places that show a value inside a line: a threshold labelling
    an alert, a field in a diff, a heading, a table cell or a diagram node."""
    return " ".join(str(text).split())


# How tightly each operator binds, loosest first, as the grammar nests them: `not`
# (3) sits between `and` and the predicates (4: comparisons, `in`, `is`, `like`).
NOT, PREDICATE, UNARY, ATOM = 3, 4, 7, 8
PRECEDENCE = {
    "or": 1,
    "and": 2,
    "=": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class ExprText:
    def literal(self, node: ex.Number | ex.Duration | ex.DateLit | ex.String) -> str:
        if isinstance(node, ex.Number):
            text = (
                format(node.value.normalize(), "f")
                if node.value == node.value.to_integral_value()
                else str(node.value)
            )
            return text + ("%" if node.percent else "")
        if isinstance(node, ex.Duration):
            return str(node)
        if isinstance(node, ex.DateLit):
            return node.value.isoformat()
        return quoted(node.value)

    def __call__(self, node: ex.Expr) -> str:
        return self.expr(node)

    def expr(self, node: ex.Expr) -> str:
        if isinstance(node, ex.Number | ex.Duration | ex.DateLit | ex.String):
            return self.literal(node)
        if isinstance(node, ex.Null):
            return "null"
        if isinstance(node, ex.Bool):
            return "true" if node.value else "false"
        if isinstance(node, ex.Name):
            return node.name
        if isinstance(node, ex.Column):
            return f"{node.source}.{node.column}"
        if isinstance(node, ex.Call):
            return f"{node.func}({', '.join(self.expr(a) for a in node.args)})"
        if isinstance(node, ex.Binary):
            at_left, at_right = operand_levels(node.op)
            left, right = self._at_least(node.left, at_left), self._at_least(node.right, at_right)
            return f"{left} {node.op} {right}"
        if isinstance(node, ex.Not):
            return f"not {self._at_least(node.operand, NOT)}"
        if isinstance(node, ex.Neg):
            inner = self.expr(node.operand)
            return f"-({inner})" if isinstance(node.operand, ex.Binary) else f"-{inner}"
        if isinstance(node, ex.InList):
            items = ", ".join(self.expr(i) for i in node.items)
            return f"{self._operand(node.operand)} {'not in' if node.negated else 'in'} ({items})"
        if isinstance(node, ex.IsNull):
            return f"{self._operand(node.operand)} is {'not ' if node.negated else ''}null"
        if isinstance(node, ex.Like):
            verb = "not like" if node.negated else "like"
            return f"{self._operand(node.operand)} {verb} {quoted(node.pattern)}"
        assert isinstance(node, ex.Case)
        parts = ["case"]
        for when in node.whens:
            parts += ["when", self.expr(when.condition), "then", self.expr(when.result)]
        if node.default is not None:
            parts += ["else", self.expr(node.default)]
        return " ".join([*parts, "end"])

    def _operand(self, node: ex.Expr) -> str:
        """An operand of `in`/`is`/`like`: arithmetic binds tighter, logic does not."""
        return self._at_least(node, PREDICATE + 1)

    def _at_least(self, node: ex.Expr, level: int) -> str:
        """A node where the grammar wants one of `level` or tighter: in parentheses
        if it binds more loosely."""
        text = self.expr(node)
        return f"({text})" if binding(node) < level else text


def operand_levels(op: str) -> tuple[int, int]:
    """How tightly a binary operator's left and right operands must bind (else they
    take parentheses): operators associate to the left, except comparisons, which
    do not chain (`(a = b) = c`)."""
    mine = PRECEDENCE[op]
    return (mine + 1 if mine == PREDICATE else mine), mine + 1


def binding(node: ex.Expr) -> int:
    """How tightly a node binds, as the grammar nests them (see PRECEDENCE)."""
    if isinstance(node, ex.Binary):
        return PRECEDENCE[node.op]
    if isinstance(node, ex.Not):
        return NOT
    if isinstance(node, ex.InList | ex.IsNull | ex.Like):
        return PREDICATE
    return UNARY if isinstance(node, ex.Neg) else ATOM


expr_text = ExprText()
