"""Threshold checks as SQL: the periods in which a `warn` or `critical` fires.

The metric's own query (its CTEs hoisted) becomes the `series` CTE; the check
adds the previous period's value, the condition per period, persistence over
the last N periods, and the trust rule (`min_sample`). One query per metric
and dialect returns `metric, period, value, previous, severity, threshold`.
Only complete periods are judged: those that ended on or before the as-of day
(today when the query runs, or `metricc check --at`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlglot import exp

from metricc.backends.sql.dialects import cast
from metricc.backends.sql.query import (
    QueryOptions,
    build_query,
    col,
    cte_name,
    period_interval,
    ref,
)
from metricc.model import semantic as sm

_OPS: dict[str, type[exp.Expr]] = {
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
    "=": exp.EQ,
    "!=": exp.NEQ,
}


def _number(value: object) -> exp.Expr:
    return exp.Literal.number(str(value))


def condition(threshold: sm.Threshold) -> exp.Expr:
    """True in a period where the threshold's comparison holds."""
    subject: exp.Expr = col("value")
    if threshold.change:
        subject = exp.Div(
            this=exp.Paren(this=exp.Sub(this=col("value"), expression=col("previous"))),
            expression=exp.Nullif(
                this=exp.Abs(this=col("previous")), expression=exp.Literal.number(0)
            ),
        )
    return _OPS[threshold.op](this=subject, expression=_number(threshold.value))


def as_of_day(dialect: str, as_of: date | None) -> exp.Expr:
    if as_of is None:
        return exp.CurrentDate()
    return cast(exp.Literal.string(as_of.isoformat()), "date")


def last_complete_day(as_of: date) -> date:
    """`--at 2026-06-29` judges periods that ended by the end of 2026-06-28."""
    return as_of - timedelta(days=1)


def threshold_query(
    project: sm.Project,
    metric: sm.Metric,
    dialect: str,
    as_of: date | None = None,
    series: exp.Select | None = None,
) -> exp.Select:
    """The thresholds a metric breaches in its latest complete period (empty result:
    nothing fires).

    `series`: the metric's query, if already built (for the whole history: no
    `as_of`); it becomes part of the check.
    """
    if series is None:
        options = QueryOptions(end=last_complete_day(as_of) if as_of else None)
        series = build_query(project, metric.name, dialect, options)
    ctes = list(series.args["with_"].expressions)
    series.set("with_", None)
    series.set("order", None)
    ends = exp.Add(this=col("period"), expression=period_interval(metric.grain))
    trusted: exp.Expr = exp.true()
    if metric.min_sample is not None and isinstance(metric.definition, sm.Ratio | sm.Conversion):
        trusted = exp.GTE(this=col("denominator"), expression=_number(metric.min_sample))
    checks = (
        exp.select(exp.Star(), copy=False)
        .select(
            exp.Window(
                this=exp.Anonymous(this="LAG", expressions=[col("value")]),
                over="OVER",
                order=exp.Order(expressions=[col("period")]),
            ).as_("previous", copy=False),
            copy=False,
        )
        .from_(ref("series"), copy=False)
        .where(exp.LTE(this=ends, expression=as_of_day(dialect, as_of)), copy=False)
    )
    hits = exp.select(col("period"), col("value"), col("previous"), copy=False)
    rows = []
    for threshold in metric.thresholds:
        hit = exp.and_(condition(threshold), trusted, copy=False)
        flag = exp.Case(
            ifs=[exp.If(this=hit, true=exp.Literal.number(1))], default=exp.Literal.number(0)
        )
        frame = exp.WindowSpec(
            kind="ROWS",
            start=exp.Literal.number(threshold.for_periods - 1),
            start_side="PRECEDING",
            end="CURRENT ROW",
        )
        order = exp.Order(expressions=[col("period")])
        recent = exp.Window(this=exp.Sum(this=flag), over="OVER", order=order, spec=frame)
        hits = hits.select(recent.as_(f"{threshold.severity}_hits", copy=False), copy=False)
        rows.append(
            exp.select(
                exp.Literal.string(metric.name).as_("metric", copy=False),
                col("period"),
                cast(col("value"), "double").as_("value", copy=False),
                cast(col("previous"), "double").as_("previous", copy=False),
                exp.Literal.string(threshold.severity).as_("severity", copy=False),
                exp.Literal.string(threshold.text).as_("threshold", copy=False),
                copy=False,
            )
            .from_(ref("hits"), copy=False)
            .where(
                exp.GTE(
                    this=col(f"{threshold.severity}_hits"),
                    expression=_number(threshold.for_periods),
                ),
                copy=False,
            )
        )
    union: exp.Expr = rows[0]
    for row in rows[1:]:
        union = exp.union(union, row, distinct=False, copy=False)
    # What fires now: the latest complete period's breaches (persistence and changes
    # read the periods before it). Every past breach, returned too, kept a scheduled
    # check, a dbt test or a Grafana rule firing for good after one bad day.
    latest = exp.select(exp.Max(this=col("period")), copy=False).from_(ref("checked"), copy=False)
    query = (
        exp.select(exp.Star(), copy=False)
        .from_(
            exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("breaches"))),
            copy=False,
        )
        .where(exp.EQ(this=col("period"), expression=exp.Subquery(this=latest)), copy=False)
    )
    query = query.order_by(col("period"), col("severity"), copy=False)
    for cte in ctes:
        query = query.with_(cte.args["alias"], as_=cte.this, copy=False)
    query = query.with_(cte_name("series"), as_=series, copy=False)
    query = query.with_(cte_name("checked"), as_=checks, copy=False)
    return query.with_(cte_name("hits"), as_=hits.from_(ref("checked"), copy=False), copy=False)
