"""Checks on expressions: functions, aggregates, column references, sources.

A measure is arithmetic over aggregates of one source's columns
(`sum(orders.amount_usd) - sum(orders.cost_usd)`); a filter or a source's
dimension is a row expression (no aggregates); a formula is arithmetic over
metric names.
"""

from __future__ import annotations

from collections.abc import Iterable

from metricc.diagnostics import Diagnostic, diag
from metricc.diagnostics.suggest import did_you_mean
from metricc.model import expr as ex
from metricc.model.functions import AGGREGATES, SCALARS


class ExpressionChecker:
    def __init__(self, sources: Iterable[str], diagnostics: list[Diagnostic]) -> None:
        self.sources = set(sources)
        self.diagnostics = diagnostics

    def _error(
        self, code: str, message: str, node: ex.Expr, label: str = "", help: str | None = None
    ) -> None:
        self.diagnostics.append(diag(code, message, node.span, label=label, help=help))

    # --- shared walk ------------------------------------------------------

    def check(
        self,
        node: ex.Expr,
        *,
        aggregates: bool,
        columns: str,
        in_aggregate: bool = False,
        found: set[str] | None = None,
    ) -> bool:
        """Walk one tree; `columns` is "qualified", "bare" or "none" (formulas).

        Returns whether an aggregate was met; sources named go into `found`.
        """
        met = False
        outside: list[ex.Column] = []
        stack: list[tuple[ex.Expr, bool]] = [(node, in_aggregate)]
        while stack:
            current, inside = stack.pop()
            if isinstance(current, ex.Call):
                if current.func in AGGREGATES:
                    met = True
                    if not aggregates:
                        self._error(
                            "MC208",
                            f"`{current.func}` aggregates rows, which this expression cannot do",
                            current,
                            label="an aggregate here",
                            help="filters and dimensions work on single rows; "
                            "aggregates belong in `measure`, `numerator`, `denominator`",
                        )
                    elif inside:
                        self._error(
                            "MC208",
                            "an aggregate inside an aggregate",
                            current,
                            label="nested aggregate",
                        )
                    self._arity(
                        current,
                        AGGREGATES[current.func].min_args,
                        AGGREGATES[current.func].max_args,
                    )
                    if current.func == "percentile" and len(current.args) == 2:
                        self._fraction(current.args[1])
                        stack.append((current.args[0], True))
                        continue
                    stack.extend((arg, True) for arg in current.args)
                    continue
                if current.func not in SCALARS:
                    known = list(SCALARS) + (list(AGGREGATES) if aggregates else [])
                    self.diagnostics.append(
                        diag(
                            "MC111",
                            f"unknown function `{current.func}`",
                            current.name_span,
                            label="not a function metricc knows",
                            help=did_you_mean(current.func, known, "function"),
                        )
                    )
                    # It may have been meant as an aggregate: don't pile up errors.
                    met = True
                    stack.extend((arg, True) for arg in current.args)
                    continue
                else:
                    self._arity(
                        current, SCALARS[current.func].min_args, SCALARS[current.func].max_args
                    )
                stack.extend((arg, inside) for arg in current.args)
                continue
            if isinstance(current, ex.Column):
                if columns == "bare":
                    self._error(
                        "MC209",
                        f"`{current.source}.{current.column}`: inside a source, "
                        "columns are written without a source name",
                        current,
                        help=f"write `{current.column}`",
                    )
                elif columns == "none":
                    self._error(
                        "MC211",
                        "a formula combines metrics, not columns",
                        current,
                        label="a column",
                        help="define a metric with a `measure` over "
                        "this column and use its name here",
                    )
                else:
                    if current.source not in self.sources:
                        self._error(
                            "MC103",
                            f"unknown source `{current.source}`",
                            current,
                            label="not defined in any loaded file",
                            help=did_you_mean(current.source, self.sources, "source"),
                        )
                    elif found is not None:
                        found.add(current.source)
                    if aggregates and not inside:
                        outside.append(current)
                continue
            if isinstance(current, ex.Name) and columns == "qualified":
                hint = (
                    f"write `{next(iter(found))}.{current.name}`"
                    if found and len(found) == 1
                    else "write `source.column`, e.g. `events.user_id`"
                )
                self._error(
                    "MC112",
                    f"column `{current.name}` needs its source",
                    current,
                    label="which source?",
                    help=hint,
                )
                continue
            stack.extend((child, inside) for child in ex.children(current))  # type: ignore[misc]
        for column in outside if met else []:
            name = f"{column.source}.{column.column}"
            self._error(
                "MC208",
                f"column `{name}` is outside an aggregate",
                column,
                help=f"aggregate it, e.g. `sum({name})`, or move the test into `where`",
            )
        return met

    def _arity(self, call: ex.Call, low: int, high: int | None) -> None:
        count = len(call.args)
        if count < low or (high is not None and count > high):
            wanted = (
                str(low)
                if low == high
                else (f"{low} or more" if high is None else f"{low} to {high}")
            )
            self._error(
                "MC203",
                f"`{call.func}` takes {wanted} argument{'' if wanted == '1' else 's'}, not {count}",
                call,
            )

    def _fraction(self, node: ex.Expr) -> None:
        if not isinstance(node, ex.Number):
            self._error("MC203", "the percentile is a number such as `0.95` or `95%`", node)
        elif not 0 <= node.fraction <= 1:
            self._error(
                "MC205",
                "a percentile lies between 0 and 1 (or 0% and 100%)",
                node,
                label="out of range",
            )

    # --- entry points -----------------------------------------------------

    def measure(self, node: ex.Expr, where: ex.Expr | None) -> set[str] | None:
        """Sources a measure reads, or None when it is not a valid measure."""
        before = len(self.diagnostics)
        found: set[str] = set()
        if not self.check(node, aggregates=True, columns="qualified", found=found):
            example = (
                f"`count({node.source}.{node.column})`"
                if isinstance(node, ex.Column)
                else "`count_distinct(events.user_id)` or `sum(orders.amount_usd)`"
            )
            self._error(
                "MC208",
                "a measure needs an aggregate",
                node,
                label="no aggregate here",
                help=f"aggregate the rows, e.g. {example}",
            )
        if where is not None:
            self.check(where, aggregates=False, columns="qualified", found=found)
        if len(found) > 1:
            names = ", ".join(f"`{s}`" for s in sorted(found))
            self._error(
                "MC209",
                f"one measure reads from several sources ({names})",
                node,
                help="a measure aggregates one source; for a ratio across sources use "
                "`numerator` and `denominator`, to combine metrics use `formula`",
            )
        return found if len(self.diagnostics) == before else None

    def row_filter(self, node: ex.Expr) -> set[str]:
        found: set[str] = set()
        self.check(node, aggregates=False, columns="qualified", found=found)
        return found

    def source_expr(self, node: ex.Expr) -> None:
        self.check(node, aggregates=False, columns="bare")

    def formula(self, node: ex.Expr) -> list[ex.Name]:
        """The metric names a formula uses, in order of appearance."""
        self.check(node, aggregates=False, columns="none")
        names: list[ex.Name] = []
        for item in ex.walk(node):
            if isinstance(item, ex.Name):
                names.append(item)
            elif isinstance(item, ex.String | ex.DateLit | ex.Duration | ex.Bool | ex.Null):
                self._error("MC211", "a formula is arithmetic over metrics and numbers", item)
        return names
