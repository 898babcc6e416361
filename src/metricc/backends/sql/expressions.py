"""Model expressions to sqlglot trees.

Names are resolved by callbacks, so one translator serves row expressions
(columns of a source), measures (aggregates become columns of a CTE) and
formulas (metric names become other metrics' value expressions).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from metricc.backends.sql.dialects import cast, epoch_seconds, quirks
from metricc.model import expr as ex
from metricc.model.functions import BETWEEN_UNITS
from metricc.model.text import PREDICATE, binding, operand_levels

Resolve = Callable[[ex.Expr], exp.Expr]

_COMPARE: dict[str, type[exp.Expr]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
_ARITH: dict[str, type[exp.Expr]] = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}


def literal(node: ex.Number) -> exp.Expr:
    value = node.fraction
    text = format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return exp.Literal.number(text)


def interval(duration: ex.Duration) -> exp.Expr:
    """A duration in the unit it was written in (weeks as days: engines differ on WEEK)."""
    unit = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY", "w": "DAY"}[duration.unit]
    amount = duration.amount * 7 if duration.unit == "w" else duration.amount
    return exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit))


def divide(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """Floating-point division that gives null, not an error, for a zero denominator."""
    return exp.Div(
        this=cast(numerator, "double"),
        expression=exp.Nullif(this=_paren(denominator), expression=exp.Literal.number(0)),
    )


def _paren(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Binary | exp.Not | exp.Neg):
        return exp.Paren(this=node)
    return node


class Translator:
    """Turns one expression tree into SQL for a dialect.

    `leaf` resolves names, columns and aggregate calls; everything else is
    translated structurally here.
    """

    def __init__(self, dialect: str, leaf: Resolve) -> None:
        self.dialect = dialect
        self.leaf = leaf

    def __call__(self, node: ex.Expr) -> exp.Expr:
        return self.sql(node)

    def sql(self, node: ex.Expr) -> exp.Expr:
        if isinstance(node, ex.Binary):
            return self._binary(node)
        if isinstance(node, ex.Number):
            return literal(node)
        if isinstance(node, ex.String):
            return exp.Literal.string(node.value)
        if isinstance(node, ex.Null):
            return exp.Null()
        if isinstance(node, ex.Bool):
            return exp.Boolean(this=node.value)
        if isinstance(node, ex.DateLit):
            return cast(exp.Literal.string(node.value.isoformat()), "date")
        if isinstance(node, ex.Duration):
            return interval(node)
        if isinstance(node, ex.Not):
            return exp.Not(this=_paren(self.sql(node.operand)))
        if isinstance(node, ex.Neg):
            return exp.Neg(this=_paren(self.sql(node.operand)))
        if isinstance(node, ex.InList):
            found = exp.In(
                this=self._at_least(node.operand, PREDICATE + 1),
                expressions=[self.sql(i) for i in node.items],
            )
            return exp.Not(this=exp.Paren(this=found)) if node.negated else found
        if isinstance(node, ex.IsNull):
            test = exp.Is(this=self._at_least(node.operand, PREDICATE + 1), expression=exp.Null())
            return exp.Not(this=exp.Paren(this=test)) if node.negated else test
        if isinstance(node, ex.Like):
            like = exp.Like(
                this=self._at_least(node.operand, PREDICATE + 1),
                expression=exp.Literal.string(node.pattern),
            )
            return exp.Not(this=exp.Paren(this=like)) if node.negated else like
        if isinstance(node, ex.Case):
            return exp.Case(
                ifs=[
                    exp.If(this=self.sql(w.condition), true=self.sql(w.result)) for w in node.whens
                ],
                default=self.sql(node.default) if node.default is not None else None,
            )
        if isinstance(node, ex.Call) and node.func in _SCALARS:
            return _SCALARS[node.func](self, [self.sql(a) for a in node.args])
        if isinstance(node, ex.Call) and node.func in BETWEEN_UNITS:
            start, end = (self.sql(a) for a in node.args)
            seconds = exp.Sub(
                this=epoch_seconds(self.dialect, end), expression=epoch_seconds(self.dialect, start)
            )
            if BETWEEN_UNITS[node.func] == 1:
                return exp.Paren(this=seconds)
            return exp.Div(
                this=cast(exp.Paren(this=seconds), "double"),
                expression=exp.Literal.number(BETWEEN_UNITS[node.func]),
            )
        return self.leaf(node)

    def _binary(self, node: ex.Binary) -> exp.Expr:
        at_left, at_right = operand_levels(node.op)
        left, right = self._at_least(node.left, at_left), self._at_least(node.right, at_right)
        if node.op == "/":
            return divide(left, right)
        if node.op == "and":
            return exp.And(this=left, expression=right)
        if node.op == "or":
            return exp.Or(this=left, expression=right)
        kind = _COMPARE.get(node.op) or _ARITH[node.op]
        return kind(this=left, expression=right)

    def _at_least(self, node: ex.Expr, level: int) -> exp.Expr:
        """A node where the language's grammar wants one binding at least as tightly
        as `level`: in parentheses otherwise, so the engine reads it as written."""
        made = self.sql(node)
        return exp.Paren(this=made) if binding(node) < level else made


def _round(dialect: str, args: list[exp.Expr]) -> exp.Expr:
    if len(args) == 1:
        return exp.Round(this=args[0])
    if quirks(dialect).round_exact:
        return cast(exp.Round(this=cast(args[0], "decimal"), decimals=args[1]), "double")
    return exp.Round(this=args[0], decimals=args[1])


def _one(
    kind: type[exp.Expr],
) -> Callable[[Translator, list[exp.Expr]], exp.Expr]:
    return lambda _t, args: kind(this=args[0])


def _variadic(
    kind: type[exp.Expr],
) -> Callable[[Translator, list[exp.Expr]], exp.Expr]:
    return lambda _t, args: kind(this=args[0], expressions=args[1:])


_SCALARS: dict[str, Callable[[Translator, list[exp.Expr]], exp.Expr]] = {
    "abs": _one(exp.Abs),
    "floor": _one(exp.Floor),
    "ceil": _one(exp.Ceil),
    "upper": _one(exp.Upper),
    "lower": _one(exp.Lower),
    "trim": _one(exp.Trim),
    "length": _one(exp.Length),
    "round": lambda t, a: _round(t.dialect, a),
    "coalesce": _variadic(exp.Coalesce),
    "greatest": _variadic(exp.Greatest),
    "least": _variadic(exp.Least),
    "nullif": lambda _t, a: exp.Nullif(this=a[0], expression=a[1]),
    "concat": lambda _t, a: exp.Concat(expressions=a),
    "date": lambda _t, a: cast(a[0], "date"),
}
