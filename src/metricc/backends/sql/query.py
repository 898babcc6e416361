"""One metric, one query: the semantic model as sqlglot trees with named CTEs.

Shape of every query:

    bounds   first and last period of the metric's sources (or --from/--to)
    spine    every period between them, so empty periods appear
    <parts>  one CTE per measure: the source read once, filtered, grouped by
             period (and dimensions); windows, states and funnels add steps
    grid     spine x the dimension values seen (just the spine without --by)
    final    grid LEFT JOIN parts; the value computed from the parts' columns

A formula metric joins its inputs' parts onto the same grid and substitutes
their value expressions into the formula, so inputs are re-aggregated at the
formula's grain, never read back from another metric's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from metricc.backends.sql.dialects import cast, date_series, percentile, quirks, truncate
from metricc.backends.sql.expressions import Translator, divide, interval
from metricc.backends.sql.printing import PRINTED, print_once, shares_printing
from metricc.model import expr as ex
from metricc.model import semantic as sm
from metricc.model.functions import ADDITIVE, AGGREGATES

STEP = {
    "day": (1, "DAY"),
    "week": (7, "DAY"),
    "month": (1, "MONTH"),
    "quarter": (3, "MONTH"),
    "year": (1, "YEAR"),
}


class QueryError(ValueError):
    """A request the metric cannot answer (an unknown dimension, say)."""


@dataclass(frozen=True)
class QueryOptions:
    """What to compute: the grain, the breakdown and the range (inclusive dates)."""

    grain: sm.Grain | None = None
    dimensions: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None


def _interval(amount: int, unit: str) -> exp.Expr:
    return exp.Interval(this=exp.Literal.string(str(amount)), unit=exp.var(unit))


def period_interval(grain: str) -> exp.Expr:
    """One period of a grain as an interval (a week is 7 days: engines differ on WEEK)."""
    amount, unit = STEP[grain]
    return _interval(amount, unit)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def ref(name: str) -> exp.Table:
    """A CTE by name. Built, not parsed: sqlglot's builders parse plain strings,
    which was most of the cost of building a query."""
    return exp.Table(this=exp.to_identifier(name))


def cte_name(name: str) -> exp.TableAlias:
    return exp.TableAlias(this=exp.to_identifier(name))


def join_on(
    table: exp.Expr, on: exp.Expr | None = None, side: str = "", kind: str = ""
) -> exp.Join:
    """A JOIN clause built directly (a `join_type` string is parsed by sqlglot)."""
    return exp.Join(this=table, on=on, side=side or None, kind=kind or None)


def _table(source: sm.Source, alias: str) -> exp.Table:
    parts = source.table.split(".")
    table = exp.table_(
        parts[-1],
        db=parts[-2] if len(parts) > 1 else None,
        catalog=parts[-3] if len(parts) > 2 else None,
    )
    return table.as_(alias, copy=False)  # type: ignore[return-value]


def _not_null(column: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Is(this=column.copy(), expression=exp.Null()))


def _date(value: date) -> exp.Expr:
    return cast(exp.Literal.string(value.isoformat()), "date")


class Shared:
    """What the queries of one project have in common: the `bounds` and `spine` of
    each set of sources and grain (a fifth of building a query, two fifths of
    printing it), built once, held by each query and printed once.

    `sql_files` makes one for all of a project's queries; forked workers each
    fill their own.
    """

    def __init__(self, project: sm.Project) -> None:
        self.project = project
        self.starts: dict[tuple[object, ...], tuple[exp.Select, exp.Select]] = {}
        self.lent: list[exp.Select] = []  # the bodies held by the query being built

    def let_go(self) -> None:
        """Unhook the bodies lent to the last query (a body's `parent` is the CTE of
        the latest query built around it), so that query is garbage, freed at once
        by the collector, when its text is made, not when the next query takes them."""
        for body in self.lent:
            body.parent = None
        self.lent.clear()


@dataclass
class _Part:
    """A CTE whose columns other expressions read: `cte.column`."""

    name: str
    columns: dict[int, str] = field(default_factory=dict)  # id(aggregate call) -> column
    additive: dict[int, bool] = field(default_factory=dict)


@dataclass
class _Value:
    """A metric's value over the grid, and for ratios its two sides."""

    value: exp.Expr
    numerator: exp.Expr | None = None
    denominator: exp.Expr | None = None


class QueryBuilder:
    def __init__(
        self,
        project: sm.Project,
        dialect: str,
        options: QueryOptions,
        shared: Shared | None = None,
    ) -> None:
        assert shared is None or shared.project is project, "shared by another project"
        self.project = project
        self.dialect = dialect
        self.options = options
        self.shared = shared
        self.ctes: dict[str, exp.Select] = {}
        self.parts: list[_Part] = []
        self.values: dict[str, _Value] = {}

    # --- entry point --------------------------------------------------------

    def build(self, metric: sm.Metric) -> exp.Select:
        self.grain: sm.Grain = self.options.grain or metric.grain
        self.dims = self.options.dimensions
        self._check_dimensions(metric)
        sources = [self.project.sources[s] for s in self.project.metric_sources(metric.name)]
        self.ctes["bounds"], self.ctes["spine"] = self._start(sources)
        result = self._value(metric)
        # Without a breakdown the spine is the grid; with one, spine x dimension values.
        grid = "grid" if self.dims else "spine"
        if self.dims:
            self.ctes["grid"] = self._grid()
        columns: list[exp.Expr] = [col("period", grid)]
        columns += [col(d, grid) for d in self.dims]
        columns.append(cast(result.value, "double").as_("value", copy=False))
        if result.numerator is not None and result.denominator is not None:
            columns.append(cast(result.numerator, "double").as_("numerator", copy=False))
            columns.append(cast(result.denominator, "double").as_("denominator", copy=False))
        query = exp.select(*columns, copy=False).from_(ref(grid), copy=False)
        for part in self.parts:
            keys = ["period", *self.dims]
            condition = exp.and_(
                *(
                    exp.NullSafeEQ(this=col(k, part.name), expression=col(k, grid))
                    if k != "period"
                    else exp.EQ(this=col(k, part.name), expression=col(k, grid))
                    for k in keys
                ),
                copy=False,
            )
            query = query.join(join_on(ref(part.name), condition, side="LEFT"), copy=False)
        query = query.order_by(*(col(k, grid) for k in ["period", *self.dims]), copy=False)
        for cte in self.ctes.values():
            if self.shared is not None and cte.meta_get(PRINTED) is None:
                self._printed_once(cte)  # its alert check prints it again
        # One WITH built whole: `with_` per CTE took twice as long.
        ctes = [exp.CTE(this=cte, alias=cte_name(name)) for name, cte in self.ctes.items()]
        query.set("with_", exp.With(expressions=ctes))
        return query

    def _start(self, sources: list[sm.Source]) -> tuple[exp.Select, exp.Select]:
        """The `bounds` and `spine` CTEs, where they are shared: the very bodies of the
        other queries over the same sources and grain (a tagged body is never changed
        and prints from its kept text, as an alert check holds its query's CTEs; a copy
        for each query was a tenth of building them), or copies where printing
        rewrites a tree."""
        if self.shared is None:
            return self._bounds(sources, self.grain), self._spine("bounds", self.grain)
        key = (self.dialect, self.options, self.grain, *(s.name for s in sources))
        made = self.shared.starts.get(key)
        if made is None:
            made = self.shared.starts[key] = (
                self._printed_once(self._bounds(sources, self.grain)),
                self._printed_once(self._spine("bounds", self.grain)),
            )
        if not shares_printing(self.dialect):
            return made[0].copy(), made[1].copy()
        self.shared.lent += made
        return made

    def _printed_once(self, select: exp.Select) -> exp.Select:
        return print_once(select) if shares_printing(self.dialect) else select

    def _check_dimensions(self, metric: sm.Metric) -> None:
        for dim in self.dims:
            for name in self.project.metric_sources(metric.name):
                if dim not in self.project.sources[name].dimensions:
                    known = ", ".join(self.project.sources[name].dimensions) or "none"
                    raise QueryError(
                        f"`{metric.name}` cannot be broken down by `{dim}`: source "
                        f"`{name}` declares no such dimension (it has: {known})"
                    )
        if self.dims and self._has_conversion(metric):
            raise QueryError(
                f"`{metric.name}` is a conversion: it cannot be broken down by dimensions yet"
            )

    def _has_conversion(self, metric: sm.Metric) -> bool:
        d = metric.definition
        if isinstance(d, sm.Conversion):
            return True
        if isinstance(d, sm.Derived):
            return any(self._has_conversion(self.project.metrics[i]) for i in d.inputs)
        return False

    # --- time -----------------------------------------------------------------

    def _time_range(self, source: sm.Source) -> tuple[exp.Expr, exp.Expr]:
        """The earliest and latest moment a source's rows occupy."""
        start = col(source.start_column, source.name)
        if source.kind == "state" and source.valid_to:
            end: exp.Expr = exp.Coalesce(
                this=col(source.valid_to, source.name), expressions=[start.copy()]
            )
        else:
            end = start.copy()
        return exp.Min(this=start), exp.Max(this=end)

    def _bounds(self, sources: list[sm.Source], grain: str) -> exp.Select:
        """First and last period start (DATEs): from the options, else from the data."""
        lows = []
        for source in sources:
            low, high = self._time_range(source)
            lows.append(
                exp.select(
                    truncate(self.dialect, low, grain).as_("lo", copy=False),
                    truncate(self.dialect, high, grain).as_("hi", copy=False),
                    copy=False,
                ).from_(_table(source, source.name), copy=False)
            )
        union: exp.Expr = lows[0]
        for select in lows[1:]:
            union = exp.union(union, select, distinct=False, copy=False)
        data = exp.select(
            exp.Min(this=col("lo")).as_("lo", copy=False),
            exp.Max(this=col("hi")).as_("hi", copy=False),
            copy=False,
        )
        data = data.from_(
            exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("source_bounds"))),
            copy=False,
        )
        if self.options.start is None and self.options.end is None:
            return data if len(lows) > 1 else lows[0]
        lo: exp.Expr = col("lo")
        hi: exp.Expr = col("hi")
        if self.options.start is not None:
            lo = truncate(self.dialect, _date(self.options.start), grain)
        if self.options.end is not None:
            hi = truncate(self.dialect, _date(self.options.end), grain)
        return exp.select(lo.as_("lo", copy=False), hi.as_("hi", copy=False), copy=False).from_(
            exp.Subquery(this=data, alias=exp.TableAlias(this=exp.to_identifier("data_bounds"))),
            copy=False,
        )

    def _spine(self, bounds: str, grain: str) -> exp.Select:
        """One row per period start from `lo` to `hi` of the one-row `bounds` CTE.

        In the select list the bounds are read once as columns; DuckDB runs a
        small query a millisecond faster than with two scalar subqueries.
        """
        quirk = quirks(self.dialect)
        amount, unit = (1, grain.upper()) if quirk.calendar_step else STEP[grain]
        in_select = quirk.spine == "select"

        def bound(name: str) -> exp.Expr:
            # Qualified: unqualified, sqlglot's Snowflake FLATTEN gives it the series' alias.
            column = col(name, bounds)
            if in_select:
                return column
            return exp.Subquery(this=exp.select(column, copy=False).from_(ref(bounds), copy=False))

        series = date_series(self.dialect, bound("lo"), bound("hi"), _interval(amount, unit))
        if in_select:
            return exp.select(
                cast(exp.Unnest(expressions=[series]), "date").as_("period", copy=False), copy=False
            ).from_(ref(bounds), copy=False)
        alias = exp.TableAlias(
            this=exp.to_identifier("series"), columns=[exp.to_identifier("period")]
        )
        return exp.select(cast(col("period"), "date").as_("period", copy=False), copy=False).from_(
            exp.Unnest(expressions=[series], alias=alias), copy=False
        )

    def _row_range(self, column: exp.Expr, lead_days: int | None = 0) -> list[exp.Expr]:
        """Row filters for --from/--to, so engines can skip what is out of range.

        `lead_days` widens the start for trailing windows; None drops it (cumulative).
        """
        out: list[exp.Expr] = []
        if self.options.start is not None and lead_days is not None:
            low = truncate(self.dialect, _date(self.options.start), self.grain)
            if lead_days:
                low = exp.Sub(this=low, expression=_interval(lead_days, "DAY"))
            out.append(exp.GTE(this=column.copy(), expression=low))
        if self.options.end is not None:
            amount, unit = STEP[self.grain]
            high = exp.Add(
                this=truncate(self.dialect, _date(self.options.end), self.grain),
                expression=_interval(amount, unit),
            )
            out.append(exp.LT(this=column.copy(), expression=high))
        return out

    # --- values -----------------------------------------------------------------

    def _value(self, metric: sm.Metric) -> _Value:
        if metric.name in self.values:
            return self.values[metric.name]
        d = metric.definition
        if isinstance(d, sm.Simple):
            part = self._measure_part(f"{metric.name}__measure", d.measure)
            result = _Value(self._measure_value(d.measure, part))
        elif isinstance(d, sm.Ratio):
            if (d.numerator.source, d.numerator.timing) == (
                d.denominator.source,
                d.denominator.timing,
            ):
                top = bottom = self._measure_part(
                    f"{metric.name}__ratio", d.numerator, d.denominator
                )
            else:
                top = self._measure_part(f"{metric.name}__numerator", d.numerator)
                bottom = self._measure_part(f"{metric.name}__denominator", d.denominator)
            num, den = (
                self._measure_value(d.numerator, top),
                self._measure_value(d.denominator, bottom),
            )
            result = _Value(divide(num, den), num, den)
        elif isinstance(d, sm.Window):
            part = self._window_part(metric.name, d)
            result = _Value(self._measure_value(d.measure, part))
        elif isinstance(d, sm.Conversion):
            name = self._conversion_part(metric.name, d)
            converted = exp.Coalesce(
                this=col("converted", name), expressions=[exp.Literal.number(0)]
            )
            entered = exp.Coalesce(this=col("entered", name), expressions=[exp.Literal.number(0)])
            result = _Value(divide(converted, entered), converted, entered)
        else:
            translate = Translator(self.dialect, lambda node: self._input(node))
            result = _Value(translate(d.formula))
        self.values[metric.name] = result
        return result

    def _input(self, node: ex.Expr) -> exp.Expr:
        assert isinstance(node, ex.Name)
        return exp.Paren(this=self._value(self.project.metrics[node.name]).value)

    def _measure_value(self, measure: sm.Measure, part: _Part) -> exp.Expr:
        def leaf(node: ex.Expr) -> exp.Expr:
            assert isinstance(node, ex.Call)
            column = col(part.columns[id(node)], part.name)
            if part.additive[id(node)]:
                return exp.Coalesce(this=column, expressions=[exp.Literal.number(0)])
            return column

        return Translator(self.dialect, leaf)(measure.expr)

    # --- parts: where sources are read --------------------------------------------

    def _aggregates(self, measure: sm.Measure) -> list[ex.Call]:
        return [n for n in ex.walk(measure.expr) if isinstance(n, ex.Call) and n.func in AGGREGATES]

    def _row_sql(self, source: sm.Source) -> Translator:
        """Translator for row expressions over one source's columns."""

        def leaf(node: ex.Expr) -> exp.Expr:
            if isinstance(node, ex.Column):
                return col(node.column, node.source)
            if isinstance(node, ex.Name):
                return col(node.name, source.name)
            raise AssertionError(f"not a row expression: {node!r}")

        return Translator(self.dialect, leaf)

    def _dimension_sql(self, source: sm.Source) -> list[exp.Expr]:
        row = self._row_sql(source)
        return [row(source.dimensions[d]) for d in self.dims]

    def _aggregate_sql(
        self, call: ex.Call, row: Translator, only: exp.Expr | None = None
    ) -> exp.Expr:
        """SQL for one aggregate; `only` restricts it to the rows where it holds."""
        arg = row(call.args[0])
        if only is not None:
            arg = exp.Case(ifs=[exp.If(this=only.copy(), true=arg)])
        func = call.func
        if func == "count":
            return exp.Count(this=arg)
        if func == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[arg]))
        if func == "sum":
            return exp.Sum(this=arg)
        if func == "avg":
            return exp.Avg(this=arg)
        if func == "min":
            return exp.Min(this=arg)
        if func == "max":
            return exp.Max(this=arg)
        fraction = exp.Literal.number("0.5") if func == "median" else row(call.args[1])
        if isinstance(fraction, exp.Literal) and func == "percentile":
            assert isinstance(call.args[1], ex.Number)
            fraction = exp.Literal.number(str(call.args[1].fraction))
        return percentile(self.dialect, arg, fraction)

    def _new_part(
        self, name: str, calls: list[ex.Call], sqls: list[exp.Expr]
    ) -> tuple[_Part, list[exp.Expr]]:
        """A part computing each call as its SQL, and the part's aliased aggregates.

        Calls with the same SQL (`sum(x) - sum(y)` over `sum(x)`) share one column.
        """
        part = _Part(name)
        aliases: dict[exp.Expr, str] = {}
        for call, sql in zip(calls, sqls, strict=True):
            part.columns[id(call)] = aliases.setdefault(sql, f"agg_{len(aliases)}")
            part.additive[id(call)] = call.func in ADDITIVE
        self.parts.append(part)
        return part, [sql.as_(alias, copy=False) for sql, alias in aliases.items()]

    def _measure_part(self, name: str, *measures: sm.Measure) -> _Part:
        """One read of a source for one or more measures (same source and timing).

        With several measures, each aggregates only its own rows
        (`COUNT(CASE WHEN filter THEN x END)`), so the source is scanned once;
        measures with one same filter share it as the part's WHERE instead.
        """
        measure = measures[0]
        source = self.project.sources[measure.source]
        row = self._row_sql(source)
        wheres = [row(m.where) if m.where is not None else None for m in measures]
        shared = all(where == wheres[0] for where in wheres)
        calls, sqls = [], []
        for m, where in zip(measures, wheres, strict=True):
            for call in self._aggregates(m):
                calls.append(call)
                sqls.append(self._aggregate_sql(call, row, None if shared else where))
        part, aggs = self._new_part(name, calls, sqls)
        dims = self._dimension_sql(source)
        filters: list[exp.Expr] = []
        if shared:
            filters = [wheres[0]] if wheres[0] is not None else []
        elif all(where is not None for where in wheres):
            filters = [exp.or_(*(exp.Paren(this=where) for where in wheres), copy=False)]
        table = _table(source, source.name)
        if measure.timing in ("active_at_start", "active_at_end"):
            period: exp.Expr = col("period", "spine")
            edge: exp.Expr = period.copy()
            if measure.timing == "active_at_end":
                amount, unit = STEP[self.grain]
                edge = exp.Add(this=edge, expression=_interval(amount, unit))
            start = col(source.start_column, source.name)
            alive: list[exp.Expr] = [exp.LT(this=start, expression=edge)]
            if source.valid_to:
                end = col(source.valid_to, source.name)
                alive.append(
                    exp.Paren(
                        this=exp.or_(
                            exp.Is(this=end, expression=exp.Null()),
                            exp.GTE(this=end.copy(), expression=edge.copy()),
                            copy=False,
                        )
                    )
                )
            select = exp.select(
                period.as_("period", copy=False), *self._aliased(dims), *aggs, copy=False
            ).from_(ref("spine"), copy=False)
            select = select.join(table, on=exp.and_(*alive, copy=False), copy=False)
            group = [period.copy(), *(d.copy() for d in dims)]
        else:
            column = source.valid_to if measure.timing == "ended" else source.start_column
            assert column is not None
            time = col(column, source.name)
            period = truncate(self.dialect, time, self.grain)
            filters += [_not_null(time)]
            filters += self._row_range(time)
            select = exp.select(
                period.as_("period", copy=False), *self._aliased(dims), *aggs, copy=False
            ).from_(table, copy=False)
            group = [period.copy(), *(d.copy() for d in dims)]
        if filters:
            select = select.where(exp.and_(*filters, copy=False), copy=False)
        self.ctes[name] = select.group_by(*group, copy=False)
        return part

    def _aliased(self, dims: list[exp.Expr]) -> list[exp.Expr]:
        return [d.copy().as_(name, copy=False) for d, name in zip(dims, self.dims, strict=True)]

    def _window_part(self, metric: str, definition: sm.Window) -> _Part:
        """A trailing window of `days` days ending on each day, reported per period.

        Rows are first reduced per day (partial aggregates, or distinct values
        for count_distinct), then each reported day joins the days of its window.
        At a coarser grain the reported day is the period's last day.
        """
        measure = definition.measure
        days = definition.days  # None: cumulative, every day up to the reported one
        source = self.project.sources[measure.source]
        calls = self._aggregates(measure)
        row = self._row_sql(source)
        dims = self._dimension_sql(source)
        time = col(source.start_column, source.name)
        day = cast(time, "date")
        daily, reported, windowed = f"{metric}__daily", f"{metric}__days", f"{metric}__window"
        decomposable = all(c.func in ("count", "sum", "avg", "min", "max") for c in calls)
        filters = [row(measure.where)] if measure.where is not None else []
        filters += [_not_null(time)]
        filters += self._row_range(time, lead_days=None if days is None else days - 1)
        columns: list[exp.Expr] = [day.as_("day", copy=False), *self._aliased(dims)]
        combine: list[exp.Expr] = []
        for index, call in enumerate(calls):
            value = col(f"v{index}", daily)
            if decomposable:
                if call.func == "avg":
                    columns += [
                        exp.Sum(this=row(call.args[0])).as_(f"v{index}", copy=False),
                        exp.Count(this=row(call.args[0])).as_(f"n{index}", copy=False),
                    ]
                    combine.append(
                        divide(exp.Sum(this=value), exp.Sum(this=col(f"n{index}", daily)))
                    )
                else:
                    partial = self._aggregate_sql(call, row)
                    columns.append(partial.as_(f"v{index}", copy=False))
                    merge = {"count": exp.Sum, "sum": exp.Sum, "min": exp.Min, "max": exp.Max}
                    combine.append(merge[call.func](this=value))
            else:
                columns.append(row(call.args[0]).as_(f"v{index}", copy=False))
                rebuilt = call.replace(
                    args=(ex.Name(name=f"v{index}", span=call.span), *call.args[1:])
                )
                combine.append(
                    self._aggregate_sql(
                        rebuilt,
                        Translator(
                            self.dialect,
                            lambda n: (
                                col(n.name, daily)
                                if isinstance(n, ex.Name)
                                else self._row_sql(source)(n)
                            ),
                        ),
                    )
                )
        select = exp.select(*columns, copy=False).from_(_table(source, source.name), copy=False)
        if filters:
            select = select.where(exp.and_(*filters, copy=False), copy=False)
        if decomposable:
            select = select.group_by(day.copy(), *(d.copy() for d in dims), copy=False)
        elif all(c.func == "count_distinct" for c in calls) and days is None:
            # Cumulative distinct count: only each value's first day matters.
            keys = [col(f"v{i}") for i in range(len(calls))]
            select = (
                exp.select(
                    exp.Min(this=col("day")).as_("day", copy=False),
                    *(col(d) for d in self.dims),
                    *keys,
                    copy=False,
                )
                .from_(
                    exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier("rows"))),
                    copy=False,
                )
                .group_by(*(col(d) for d in self.dims), *(k.copy() for k in keys), copy=False)
            )
        elif all(c.func == "count_distinct" for c in calls):
            select = select.distinct(copy=False)
        self.ctes[daily] = select
        # The days to report: every day of the range, or each period's last day.
        self.ctes[f"{metric}__day_bounds"] = self._bounds([source], "day")
        self.ctes[f"{metric}__all_days"] = self._spine(f"{metric}__day_bounds", "day")
        all_days = f"{metric}__all_days"
        last = exp.Max(this=col("period", all_days)).as_("day", copy=False)
        self.ctes[reported] = (
            exp.select(last, copy=False)
            .from_(ref(all_days), copy=False)
            .group_by(truncate(self.dialect, col("period", all_days), self.grain), copy=False)
        )
        part, merged = self._new_part(windowed, calls, combine)
        in_window: list[exp.Expr] = [
            exp.LTE(this=col("day", daily), expression=col("day", reported))
        ]
        if days is not None:
            lower = exp.Sub(this=col("day", reported), expression=_interval(days - 1, "DAY"))
            in_window.append(exp.GTE(this=col("day", daily), expression=lower))
        joined = (
            exp.select(
                truncate(self.dialect, col("day", reported), self.grain).as_("period", copy=False),
                *(col(d, daily).as_(d, copy=False) for d in self.dims),
                *merged,
                copy=False,
            )
            .from_(ref(reported), copy=False)
            .join(join_on(ref(daily), exp.and_(*in_window, copy=False)), copy=False)
        )
        self.ctes[windowed] = joined.group_by(
            truncate(self.dialect, col("day", reported), self.grain),
            *(col(d, daily) for d in self.dims),
            copy=False,
        )
        return part

    def _conversion_part(self, metric: str, definition: sm.Conversion) -> str:
        """Entities whose first `start` row falls in the period, and how many reached `end`."""
        source = self.project.sources[definition.source]
        row = self._row_sql(source)
        entity = row(source.entities[definition.entity])
        time = col(source.start_column, source.name)
        entered, converted, name = f"{metric}__entered", f"{metric}__converted", f"{metric}__funnel"
        self.ctes[entered] = (
            exp.select(
                entity.as_("entity", copy=False),
                exp.Min(this=time).as_("entered_at", copy=False),
                copy=False,
            )
            .from_(_table(source, source.name), copy=False)
            .where(exp.and_(row(definition.start), _not_null(time), copy=False), copy=False)
            .group_by(entity.copy(), copy=False)
        )
        deadline = exp.Add(this=col("entered_at", entered), expression=interval(definition.within))
        self.ctes[converted] = (
            exp.select(col("entity", entered).as_("entity", copy=False), copy=False)
            .from_(ref(entered), copy=False)
            .join(
                _table(source, source.name),
                on=exp.and_(
                    exp.EQ(this=entity.copy(), expression=col("entity", entered)),
                    exp.GTE(this=time.copy(), expression=col("entered_at", entered)),
                    exp.LTE(this=time.copy(), expression=deadline),
                    row(definition.end),
                    copy=False,
                ),
                copy=False,
            )
            .group_by(col("entity", entered), copy=False)
        )
        period = truncate(self.dialect, col("entered_at", entered), self.grain)
        funnel = (
            exp.select(
                period.as_("period", copy=False),
                exp.Count(this=col("entity", converted)).as_("converted", copy=False),
                exp.Count(this=exp.Star()).as_("entered", copy=False),
                copy=False,
            )
            .from_(ref(entered), copy=False)
            .join(
                join_on(
                    ref(converted),
                    exp.EQ(this=col("entity", converted), expression=col("entity", entered)),
                    side="LEFT",
                ),
                copy=False,
            )
        )
        ranged = self._row_range(col("entered_at", entered))
        if ranged:
            funnel = funnel.where(exp.and_(*ranged, copy=False), copy=False)
        self.ctes[name] = funnel.group_by(period.copy(), copy=False)
        self.parts.append(_Part(name))
        return name

    # --- the grid ---------------------------------------------------------------------

    def _grid(self) -> exp.Select:
        seen: exp.Expr | None = None
        for part in self.parts:
            select = (
                exp.select(*(col(d) for d in self.dims), copy=False)
                .from_(ref(part.name), copy=False)
                .distinct(copy=False)
            )
            seen = select if seen is None else exp.union(seen, select, distinct=True, copy=False)
        assert seen is not None
        combos = exp.Subquery(this=seen, alias=exp.TableAlias(this=exp.to_identifier("combos")))
        return (
            exp.select(col("period", "spine"), *(col(d, "combos") for d in self.dims), copy=False)
            .from_(ref("spine"), copy=False)
            .join(join_on(combos, kind="CROSS"), copy=False)
        )


def build_query(
    project: sm.Project,
    metric: str,
    dialect: str,
    options: QueryOptions | None = None,
    shared: Shared | None = None,
) -> exp.Select:
    """The query for one metric in one dialect (raises QueryError for impossible requests);
    `shared` when many of the project's queries are built."""
    builder = QueryBuilder(project, dialect, options or QueryOptions(), shared)
    return builder.build(project.metrics[metric])


def measure_between(
    project: sm.Project, measure: sm.Measure, dialect: str, start: str, end: str
) -> exp.Select:
    """One value: a measure over the rows whose time falls in [start, end) (timestamps).

    Used for SLO budgets and burn rates, which run over rolling windows rather
    than calendar periods.
    """
    builder = QueryBuilder(project, dialect, QueryOptions())
    source = project.sources[measure.source]
    row = builder._row_sql(source)
    time = col(source.start_column, source.name)
    bounds: list[exp.Expr] = [
        exp.GTE(this=time, expression=cast(exp.Literal.string(start), "timestamp")),
        exp.LT(this=time.copy(), expression=cast(exp.Literal.string(end), "timestamp")),
    ]
    if measure.where is not None:
        bounds.append(row(measure.where))

    def leaf(node: ex.Expr) -> exp.Expr:
        assert isinstance(node, ex.Call)
        aggregate = builder._aggregate_sql(node, row)
        if node.func in ADDITIVE:
            return exp.Coalesce(this=aggregate, expressions=[exp.Literal.number(0)])
        return aggregate

    value = Translator(dialect, leaf)(measure.expr)
    return (
        exp.select(cast(value, "double").as_("value", copy=False), copy=False)
        .from_(_table(source, source.name), copy=False)
        .where(exp.and_(*bounds, copy=False), copy=False)
    )
