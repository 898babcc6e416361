"""`metricc links`: do the leading indicators lead?

For every `leads` link, both metrics are computed at the lagging metric's
grain, and the Pearson correlation between the leading series and the lagging
one shifted by 0..N periods is reported with the number of periods it used.
A link is supported when its best correlation is strong (|r| >= 0.5) over
enough periods and has the sign the directions imply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from metricc.backends.alerts.checks import last_complete_day
from metricc.backends.sql import QueryOptions, metric_sql
from metricc.model import semantic as sm
from metricc.warehouse.engines import Target, run

MIN_PERIODS = 8
STRONG = 0.5


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (sx * sy)


@dataclass
class Lag:
    lag: int
    periods: int
    correlation: float | None


@dataclass
class Link:
    leading: str
    lagging: str
    grain: str
    lags: list[Lag] = field(default_factory=list)
    verdict: str = ""

    @property
    def best(self) -> Lag | None:
        usable = [
            lag for lag in self.lags if lag.correlation is not None and lag.periods >= MIN_PERIODS
        ]
        return max(usable, key=lambda lag: abs(lag.correlation or 0), default=None)


def correlate(leading: list[float | None], lagging: list[float | None], max_lag: int) -> list[Lag]:
    """Correlation of leading[t] with lagging[t + k], over periods where both are known."""
    out = []
    for k in range(max_lag + 1):
        pairs = [
            (a, b)
            for a, b in zip(leading, lagging[k:], strict=False)
            if a is not None and b is not None
        ]
        out.append(Lag(k, len(pairs), pearson([a for a, _ in pairs], [b for _, b in pairs])))
    return out


def judge(link: Link, project: sm.Project) -> str:
    best = link.best
    if best is None:
        most = max((lag.periods for lag in link.lags), default=0)
        return f"not enough data ({most} periods; at least {MIN_PERIODS} needed)"
    lead, lag = project.metrics[link.leading], project.metrics[link.lagging]
    expected = 1 if (lead.direction or "up") == (lag.direction or "up") else -1
    r = best.correlation or 0
    if abs(r) >= STRONG and r * expected > 0:
        return f"supported: r = {r:+.2f} at lag {best.lag} over {best.periods} periods"
    if abs(r) >= STRONG:
        return f"contradicted: r = {r:+.2f} at lag {best.lag}, against the directions"
    return f"not supported: the strongest r is {r:+.2f} (lag {best.lag})"


def _series(
    project: sm.Project, name: str, grain: sm.Grain, target: Target, as_of: date | None
) -> dict[date, float | None]:
    """The metric's value per period at `grain`; with `as_of`, the periods that ended
    by that day (a query ending the day before keeps that day's whole period)."""
    end = last_complete_day(as_of) if as_of else None
    sql = metric_sql(project, name, target.dialect, QueryOptions(grain=grain, end=end))
    columns, rows = run(target, sql)
    index = columns.index("value")
    return {
        row[0]: (None if row[index] is None else float(row[index]))
        for row in rows
        if as_of is None or sm.period_end(grain, row[0]) <= as_of
    }


def analyse(
    project: sm.Project, target: Target, max_lag: int = 4, as_of: date | None = None
) -> list[Link]:
    links = []
    for metric in project.metrics.values():
        for lagging in metric.leads:
            grain = project.metrics[lagging].grain
            lead = _series(project, metric.name, grain, target, as_of)
            lagged = _series(project, lagging, grain, target, as_of)
            periods = sorted(set(lead) | set(lagged))
            link = Link(metric.name, lagging, grain)
            link.lags = correlate(
                [lead.get(p) for p in periods], [lagged.get(p) for p in periods], max_lag
            )
            link.verdict = judge(link, project)
            links.append(link)
    return links
