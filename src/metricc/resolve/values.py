"""Field values: check each against its field's spec and give it a Python type.

Each reader takes the field node and returns the typed value, or None after
recording a diagnostic that says what the field expects.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from metricc.diagnostics import Diagnostic, diag
from metricc.diagnostics.suggest import did_you_mean
from metricc.model import ast
from metricc.model import expr as ex
from metricc.model import semantic as sm
from metricc.resolve.schema import FieldSpec
from metricc.span import Span

# A persistence longer than this is a typo: 10,000 days is 27 years (and a huge
# count overflows the warehouse's integers).
MAX_PERIODS = 10_000
# Days a duration may span: longer is a typo too (`window: all` is all time), and in
# seconds it stays within the warehouse's 32-bit integers.
MAX_DAYS = 3650

Named = tuple[str, Span]

_SHAPES = {
    "text": 'text in quotes, e.g. "Weekly core users"',
    "choice": "one of {choices}",
    "name": "a name",
    "names": "a name or a list of names (`a, b, c`)",
    "words": "a word or a list of words (`a, b, c`)",
    "table": "a table name, e.g. `events` or `analytics.events`",
    "column": "a column name",
    "row_expr": "a column or an expression over the source's columns",
    "measure": "an aggregate such as `count_distinct(events.user_id)`",
    "formula": "arithmetic over metrics, e.g. `cltv / cac`",
    "duration": "a duration such as `28d`, `2w`, `1h`",
    "window": "a number of days or weeks such as `28d` or `4w`, or `all`",
    "conversion": "`FILTER -> FILTER within 14d by ENTITY`",
    "target": "a comparison such as `>= 12000` or `>= 40% by 2027-03-31`",
    "threshold": "a comparison such as `< 10000 for 2 periods` or `change < -20%`",
    "count": "a whole number such as `200`",
    "objective": "a percent such as `99.9%`",
    "slo_events": "a measure, or PromQL text in quotes",
}


def describe_value(value: ast.Value) -> str:
    if isinstance(value, ast.Text):
        return "text"
    if isinstance(value, ast.ListValue):
        return "a list"
    if isinstance(value, ast.MeasureValue):
        return "a measure"
    if isinstance(value, ast.ThresholdValue):
        return "a comparison"
    if isinstance(value, ast.ConversionValue):
        return "a conversion"
    expr = value.expr
    return {
        "number": "a percent" if isinstance(expr, ex.Number) and expr.percent else "a number",
        "duration": "a duration",
        "date": "a date",
        "string": "text",
        "name": f"the name `{getattr(expr, 'name', '')}`",
        "column": "a column",
        "call": "a function call",
    }.get(expr.kind, "an expression")


class ValueReader:
    """Typed values of fields; problems go to `diagnostics`."""

    def __init__(self, text_of: Callable[[Span], str], diagnostics: list[Diagnostic]) -> None:
        self.text_of = text_of
        self.diagnostics = diagnostics

    def read(self, field: ast.FieldNode, spec: FieldSpec) -> Any:
        reader: Callable[[ast.FieldNode, FieldSpec], Any] = getattr(self, f"_{spec.value}")
        return reader(field, spec)

    def wrong(self, field: ast.FieldNode, spec: FieldSpec, detail: str = "") -> None:
        expected = _SHAPES[spec.value].format(choices=", ".join(f"`{c}`" for c in spec.choices))
        self.diagnostics.append(
            diag(
                "MC203",
                f"`{field.key}` expects {expected}" + (f"; {detail}" if detail else ""),
                field.value.span,
                label=f"this is {describe_value(field.value)}",
                help=f"`{field.key}`: {spec.doc}",
            )
        )

    # --- simple values ----------------------------------------------------

    def _text(self, field: ast.FieldNode, spec: FieldSpec) -> str | None:
        value = field.value
        if isinstance(value, ast.Text):
            return value.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.String):
            return value.expr.value
        self.wrong(field, spec)
        return None

    def _choice(self, field: ast.FieldNode, spec: FieldSpec) -> str | None:
        value = field.value
        word = None
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Name | ex.String):
            word = value.expr.name if isinstance(value.expr, ex.Name) else value.expr.value
        if word is None:
            self.wrong(field, spec)
            return None
        if word in spec.choices:
            return word
        self.diagnostics.append(
            diag(
                "MC204",
                f"`{word}` is not a valid `{field.key}`",
                value.span,
                label="not one of the allowed values",
                help=(did_you_mean(word, spec.choices) or "")
                + f" `{field.key}` is one of: "
                + ", ".join(spec.choices),
            )
        )
        return None

    def _name(self, field: ast.FieldNode, spec: FieldSpec) -> Named | None:
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Name):
            return value.expr.name, value.expr.span
        self.wrong(field, spec)
        return None

    def _names(self, field: ast.FieldNode, spec: FieldSpec) -> tuple[Named, ...] | None:
        value = field.value
        items = (
            value.items
            if isinstance(value, ast.ListValue)
            else ((value.expr,) if isinstance(value, ast.ExprValue) else ())
        )
        if not items or not all(isinstance(item, ex.Name) for item in items):
            self.wrong(field, spec)
            return None
        return tuple((item.name, item.span) for item in items)  # type: ignore[union-attr]

    def _words(self, field: ast.FieldNode, spec: FieldSpec) -> tuple[str, ...] | None:
        value = field.value
        items = (
            value.items
            if isinstance(value, ast.ListValue)
            else ((value.expr,) if isinstance(value, ast.ExprValue) else ())
        )
        words = []
        for item in items:
            if isinstance(item, ex.Name):
                words.append(item.name)
            elif isinstance(item, ex.String):
                words.append(item.value)
            else:
                self.wrong(field, spec)
                return None
        if not words:
            self.wrong(field, spec)
            return None
        return tuple(words)

    def _table(self, field: ast.FieldNode, spec: FieldSpec) -> str | None:
        value, name = field.value, None
        if isinstance(value, ast.ExprValue):
            expr = value.expr
            if isinstance(expr, ex.Name):
                name = expr.name
            elif isinstance(expr, ex.Column):
                name = f"{expr.source}.{expr.column}"
            elif isinstance(expr, ex.String) and expr.value.strip():
                name = expr.value
        if name is None:
            self.wrong(field, spec)
        elif name.lower() in sm.QUERY_STEPS:  # the query would read its own step instead
            self.wrong(
                field,
                spec,
                f"`{name}` also names a step of the generated queries: write the table "
                f"with its schema (e.g. `analytics.{name}`)",
            )
            return None
        return name

    def _column(self, field: ast.FieldNode, spec: FieldSpec) -> str | None:
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Name):
            return value.expr.name
        self.wrong(field, spec)
        return None

    def _row_expr(self, field: ast.FieldNode, spec: FieldSpec) -> ex.Expr | None:
        value = field.value
        if isinstance(value, ast.ExprValue):
            return value.expr
        self.wrong(field, spec)
        return None

    def _formula(self, field: ast.FieldNode, spec: FieldSpec) -> ex.Expr | None:
        return self._row_expr(field, spec)

    def _measure(self, field: ast.FieldNode, spec: FieldSpec) -> ast.MeasureValue | None:
        value = field.value
        if isinstance(value, ast.MeasureValue):
            return value
        if isinstance(value, ast.ExprValue) and not isinstance(value.expr, ex.String):
            return ast.MeasureValue(expr=value.expr, span=value.span)
        self.wrong(field, spec)
        return None

    def _slo_events(self, field: ast.FieldNode, spec: FieldSpec) -> ast.MeasureValue | str | None:
        value = field.value
        if isinstance(value, ast.Text):
            return value.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.String):
            return value.expr.value
        return self._measure(field, spec)

    def _duration(self, field: ast.FieldNode, spec: FieldSpec) -> ex.Duration | None:
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Duration):
            if value.expr.amount <= 0:
                self._range(value.span, f"`{field.key}` must be longer than zero")
                return None
            if value.expr.seconds > MAX_DAYS * 86400:
                self._range(value.span, f"`{field.key}` is at most {MAX_DAYS}d (10 years)")
                return None
            return value.expr
        self.wrong(field, spec)
        return None

    def _window(self, field: ast.FieldNode, spec: FieldSpec) -> ex.Duration | str | None:
        """`28d`, `4w`, or `all` (returned as the string "all")."""
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Name):
            if value.expr.name == "all":
                return "all"
            self.wrong(field, spec)
            return None
        duration = self._duration(field, spec)
        if duration is not None and duration.unit not in ("d", "w"):
            self.diagnostics.append(
                diag(
                    "MC213",
                    "a window is a whole number of days or weeks",
                    duration.span,
                    help="e.g. `window: 28d` or `window: 4w`",
                )
            )
            return None
        return duration

    def _count(self, field: ast.FieldNode, spec: FieldSpec) -> int | None:
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Number):
            number = value.expr
            if not number.percent and number.value == number.value.to_integral_value():
                if number.value < 0:
                    self._range(value.span, f"`{field.key}` cannot be negative")
                    return None
                return int(number.value)
        self.wrong(field, spec)
        return None

    def _objective(self, field: ast.FieldNode, spec: FieldSpec) -> tuple[Decimal, str] | None:
        value = field.value
        if isinstance(value, ast.ExprValue) and isinstance(value.expr, ex.Number):
            fraction = value.expr.fraction
            if not Decimal(0) < fraction < Decimal(1):
                self._range(
                    value.span,
                    "an objective is a share of good events strictly between 0% and 100%",
                )
                return None
            return fraction, self.text_of(value.span)
        self.wrong(field, spec)
        return None

    def _range(self, span: Span, message: str) -> None:
        self.diagnostics.append(diag("MC205", message, span, label="out of range"))

    # --- compound values --------------------------------------------------

    def _conversion(self, field: ast.FieldNode, spec: FieldSpec) -> ast.ConversionValue | None:
        value = field.value
        if isinstance(value, ast.ConversionValue):
            return value
        self.wrong(field, spec)
        return None

    def _comparison(self, field: ast.FieldNode, spec: FieldSpec) -> tuple[Decimal, str] | None:
        value = field.value
        assert isinstance(value, ast.ThresholdValue)
        if not isinstance(value.value, ex.Number):
            self.diagnostics.append(
                diag(
                    "MC214",
                    f"`{field.key}` compares against a number",
                    value.value.span,
                    label="not a number",
                    help="write a literal such as `10000`, `0.4` or `40%`",
                )
            )
            return None
        return value.value.fraction, self.text_of(value.span)

    def _target(self, field: ast.FieldNode, spec: FieldSpec) -> dict[str, Any] | None:
        value = field.value
        if not isinstance(value, ast.ThresholdValue):
            self.wrong(field, spec)
            return None
        problems = [
            (value.change, "a target is a level, not a change"),
            (value.for_periods is not None, "`for N periods` belongs to `warn`/`critical`"),
            (value.versus is not None, "`vs previous` belongs to `warn`/`critical`"),
        ]
        if self._clause_errors(field, value, problems):
            return None
        compared = self._comparison(field, spec)
        if compared is None:
            return None
        op = "!=" if value.op == "<>" else value.op
        return {"op": op, "value": compared[0], "text": compared[1], "by": value.by}

    def _threshold(self, field: ast.FieldNode, spec: FieldSpec) -> dict[str, Any] | None:
        value = field.value
        if not isinstance(value, ast.ThresholdValue):
            self.wrong(field, spec)
            return None
        problems = [
            (value.by is not None, "`by DATE` belongs to `target`"),
            (
                value.versus is not None and value.versus != "previous",
                f"`vs {value.versus}`: changes are measured `vs previous`",
            ),
            (
                value.versus is not None and not value.change,
                "`vs previous` needs `change`, e.g. `change < -20% vs previous`",
            ),
            (
                value.period_word is not None and value.period_word not in ("period", "periods"),
                f"write `for N periods`, not `for N {value.period_word}`",
            ),
            (
                value.for_periods is not None and not 1 <= value.for_periods <= MAX_PERIODS,
                f"persistence is a whole number of periods from 1 to {MAX_PERIODS:,}",
            ),
        ]
        if self._clause_errors(field, value, problems):
            return None
        compared = self._comparison(field, spec)
        if compared is None:
            return None
        op = "!=" if value.op == "<>" else value.op
        return {
            "severity": field.key,
            "op": op,
            "value": compared[0],
            "text": compared[1],
            "change": value.change,
            "for_periods": value.for_periods or 1,
        }

    def _clause_errors(
        self, field: ast.FieldNode, value: ast.ThresholdValue, problems: list[tuple[bool, str]]
    ) -> bool:
        found = False
        for failed, message in problems:
            if failed:
                found = True
                self.diagnostics.append(
                    diag(
                        "MC214",
                        message,
                        value.clause_span or value.by_span or value.span,
                        label=f"in `{field.key}`",
                    )
                )
        return found
