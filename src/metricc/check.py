"""`metricc check`: evaluate thresholds, targets and SLOs on a warehouse as of a day.

Only complete periods are judged (those that ended by the as-of day). A
target's trend is a least-squares line through the recent periods, projected
to the target's date. An SLO measured in the warehouse reports the error
budget left over its window and the burn rate over the policy's windows.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from metricc.backends.alerts import routing, threshold_query
from metricc.backends.alerts.checks import last_complete_day
from metricc.backends.sql import QueryOptions, metric_sql, render
from metricc.backends.sql.query import measure_between
from metricc.model import semantic as sm
from metricc.model.semantic import POLICY
from metricc.warehouse.engines import Target, run

# How many recent complete periods the trend line is fitted to, per grain: four
# weeks of days (so weekday seasonality evens out), two months of weeks, half a year.
TREND_PERIODS = {"day": 28, "week": 8, "month": 6, "quarter": 4, "year": 3}
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}
HOURS = {"5m": 5 / 60, "30m": 0.5, "1h": 1, "2h": 2, "6h": 6, "1d": 24, "3d": 72}


@dataclass
class Alert:
    metric: str
    severity: str
    period: str
    value: float | None
    previous: float | None
    threshold: str
    routing: str | None
    action: str | None
    unit: str | None = None  # the metric's: how its values read


@dataclass
class TargetStatus:
    metric: str
    target: str
    by: str | None
    period: str | None
    current: float | None
    projected: float | None
    status: str
    note: str
    unit: str | None = None  # the metric's: how its values read


@dataclass
class SLOStatus:
    slo: str
    objective: str
    window: str
    good: float | None = None
    total: float | None = None
    budget_left: float | None = None
    burn_rates: dict[str, float | None] = field(default_factory=dict)
    note: str = ""


@dataclass
class Report:
    as_of: str
    alerts: list[Alert] = field(default_factory=list)
    targets: list[TargetStatus] = field(default_factory=list)
    slos: list[SLOStatus] = field(default_factory=list)

    @property
    def critical(self) -> bool:
        return any(a.severity == "critical" for a in self.alerts)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def fitted_line(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept), or None with fewer than two distinct x."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var
    return slope, mean_y - slope * mean_x


def target_status(
    metric: sm.Metric, series: list[tuple[date, float | None]], as_of: date
) -> TargetStatus:
    """Where the metric stands against its target, and whether the trend gets there."""
    target = metric.target
    assert target is not None
    goal = float(target.value)
    meets: Callable[[float, float], bool] = COMPARE[target.op]
    known = [(p, v) for p, v in series if v is not None]
    base = TargetStatus(
        metric.name,
        target.text,
        target.by.isoformat() if target.by else None,
        None,
        None,
        None,
        "off track",
        "",
        metric.unit,
    )
    if not known:
        base.status, base.note = "at risk", "no data in complete periods"
        return base
    period, current = known[-1]
    base.period, base.current = period.isoformat(), current
    recent = known[-TREND_PERIODS[metric.grain] :]
    line = fitted_line([(float(p.toordinal()), v) for p, v in recent])
    deadline = target.by or as_of
    if line is not None:
        slope, intercept = line
        base.projected = slope * deadline.toordinal() + intercept
    improving = line is not None and meets(current + line[0], current) and line[0] != 0
    falls_short = base.projected is not None and target.by and not meets(base.projected, goal)
    if meets(current, goal) and falls_short:
        base.status = "at risk"
        base.note = f"meets the target now, but the trend falls short of it by {target.by}"
    elif meets(current, goal):
        base.status, base.note = "on track", "already meets the target"
    elif base.projected is not None and target.by and meets(base.projected, goal):
        base.status, base.note = "on track", f"the trend reaches it by {target.by}"
    elif improving:
        base.status = "at risk"
        base.note = "moving towards the target, " + (
            f"but not fast enough for {target.by}" if target.by else "not there yet"
        )
    else:
        base.status, base.note = "off track", "the trend moves away from the target"
    return base


def evaluate(
    project: sm.Project,
    target: Target,
    as_of: date,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    report = Report(as_of=as_of.isoformat())
    last_day = last_complete_day(as_of)
    for done, metric in enumerate(project.metrics.values()):
        if progress:
            progress("metrics", done, len(project.metrics))
        if metric.thresholds:
            _, rows = run(
                target,
                render(threshold_query(project, metric, target.dialect, as_of), target.dialect),
            )
            latest = latest_complete(metric.grain, as_of)
            for name, period, value, previous, severity, text in rows:
                if period == latest:
                    report.alerts.append(
                        Alert(
                            name,
                            severity,
                            period.isoformat(),
                            _float(value),
                            _float(previous),
                            text,
                            routing(project, metric, severity),
                            metric.action,
                            metric.unit,
                        )
                    )
        if metric.target is not None:
            sql = metric_sql(project, metric.name, target.dialect, QueryOptions(end=last_day))
            columns, rows = run(target, sql)
            index = columns.index("value")
            series = [
                (row[0], _float(row[index]))
                for row in rows
                if sm.period_end(metric.grain, row[0]) <= as_of
            ]
            report.targets.append(target_status(metric, series, as_of))
    for slo in project.slos.values():
        status = _slo_status(project, slo, target, as_of)
        report.slos.append(status)
        report.alerts += _burning(project, slo, status, as_of)
    report.alerts.sort(key=lambda a: (a.severity != "critical", a.metric))
    return report


def _burning(project: sm.Project, slo: sm.SLO, status: SLOStatus, as_of: date) -> list[Alert]:
    """The burn-rate policy's alerts that fire, as the Prometheus rules fire them: both
    windows of a row burn the budget faster than its rate. A page is critical."""
    firing = []
    for rate in POLICY:
        long, short = status.burn_rates.get(rate.long), status.burn_rates.get(rate.short)
        if long is None or short is None or min(long, short) <= rate.burn:
            continue
        firing.append(
            Alert(
                slo.name,
                "critical" if rate.severity == "page" else "warn",
                f"the {rate.long} to {as_of.isoformat()}",
                long,
                short,
                f"{rate.severity}: error budget burning over {rate.burn}x in {rate.long} "
                f"and {rate.short}",
                routing(project, slo, rate.severity),
                slo.action,
            )
        )
    return firing


def latest_complete(grain: str, as_of: date) -> date:
    """The start of the last period of `grain` that ended by `as_of`."""
    start = sm.period_start(grain, last_complete_day(as_of))
    if sm.period_end(grain, start) <= as_of:
        return start
    return sm.period_start(grain, start - timedelta(days=1))


def _slo_status(project: sm.Project, slo: sm.SLO, target: Target, as_of: date) -> SLOStatus:
    status = SLOStatus(slo.name, slo.objective_text, str(slo.window))
    if slo.backend != "warehouse" or slo.good is None or slo.total is None:
        status.note = "measured by Prometheus: see alerts/prometheus/"
        return status
    end = datetime(as_of.year, as_of.month, as_of.day)
    budget = float(slo.budget)

    def count(measure: sm.Measure, hours: float) -> float:
        start = end - timedelta(hours=hours)
        sql = render(
            measure_between(
                project, measure, target.dialect, start.isoformat(" "), end.isoformat(" ")
            ),
            target.dialect,
        )
        return float(run(target, sql)[1][0][0] or 0)

    window_hours = slo.window.seconds / 3600
    status.good, status.total = count(slo.good, window_hours), count(slo.total, window_hours)
    if status.total:
        bad = status.total - status.good
        status.budget_left = 1 - bad / (budget * status.total)
    for label in sorted(
        {r.long for r in POLICY} | {r.short for r in POLICY}, key=lambda w: HOURS[w]
    ):
        good, total = count(slo.good, HOURS[label]), count(slo.total, HOURS[label])
        status.burn_rates[label] = ((total - good) / total / budget) if total else None
    return status


def data_end(project: sm.Project, target: Target) -> date | None:
    """The last day any source has rows: the catalogue's 'now' for a warehouse."""
    from sqlglot import exp

    from metricc.backends.sql import render as render_sql

    latest: date | None = None
    for source in project.sources.values():
        column = exp.column(source.start_column)
        parts = source.table.split(".")
        table = exp.table_(parts[-1], db=parts[-2] if len(parts) > 1 else None)
        query = exp.select(exp.cast(exp.Max(this=column), "date")).from_(table)
        value = run(target, render_sql(query, target.dialect))[1][0][0]
        if value is not None and (latest is None or value > latest):
            latest = value
    return latest


def states(project: sm.Project, target: Target, as_of: date) -> dict[str, Any]:
    """Per metric: recent complete periods, the latest value, and its status now."""
    from metricc.backends.catalog.content import State

    report = evaluate(project, target, as_of)
    firing: dict[str, list[str]] = {}
    for alert in report.alerts:
        firing.setdefault(alert.metric, []).append(f"{alert.severity}: {alert.threshold}")
    targets = {t.metric: t for t in report.targets}
    out: dict[str, Any] = {}
    for metric in project.metrics.values():
        sql = metric_sql(
            project, metric.name, target.dialect, QueryOptions(end=last_complete_day(as_of))
        )
        columns, rows = run(target, sql)
        index = columns.index("value")
        series = [
            (row[0].isoformat(), _float(row[index]))
            for row in rows
            if sm.period_end(metric.grain, row[0]) <= as_of
        ][-26:]
        status = ", ".join(firing.get(metric.name, []))
        if not status and metric.name in targets:
            status = f"{targets[metric.name].status}: {targets[metric.name].note}"
        out[metric.name] = State(
            series=series,
            latest=series[-1] if series else None,
            status=status or "no alert firing",
            firing=firing.get(metric.name, []),
        )
    return out
