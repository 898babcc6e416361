from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule

DEFAULT_BUDGET = 5


class AlertFatigue(Rule):
    """Finds alerts that will fire too often to be read.

    ## What it does
    Flags a `warn` or `critical` on a daily metric with no persistence (`for N
    periods`), and a team that owns more critical alerts (metric `critical`
    thresholds plus SLOs, which page) than its budget (`[lint.options]
    team_critical_budget`, default 5).

    ## Why is this bad?
    Daily numbers are noisy: a single-period threshold on them fires on noise,
    and people learn to ignore it. A team paged by many alerts stops treating
    any page as urgent.

    ## Example
    ```
    metric api_error_rate {
      grain: day
      critical: > 3%
    }
    ```

    ## Use instead
    ```
    metric api_error_rate {
      grain: day
      critical: > 3% for 2 periods
    }
    ```
    """

    name = "alert-fatigue"
    code = "MC512"
    summary = "a daily threshold with no persistence, or a team over its paging budget"
    options = {"team_critical_budget": DEFAULT_BUDGET}

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        pages: dict[str, list[str]] = {}
        for metric in ctx.project.metrics.values():
            for threshold in metric.thresholds:
                if metric.grain == "day" and threshold.for_periods < 2:
                    yield Finding(
                        f"`{threshold.severity}` on daily metric `{metric.name}` fires on a "
                        "single day",
                        metric.span_of(threshold.severity),
                        label="no persistence",
                        help=f"add persistence: `{threshold.severity}: {threshold.text} for 2 "
                        "periods`",
                    )
            if metric.critical is not None and metric.owner:
                pages.setdefault(metric.owner, []).append(metric.name)
        for slo in ctx.project.slos.values():
            if slo.owner:
                pages.setdefault(slo.owner, []).append(slo.name)
        budget = ctx.option("team_critical_budget", DEFAULT_BUDGET)
        for team, alerts in pages.items():
            if len(alerts) > budget and team in ctx.project.teams:
                yield Finding(
                    f"team `{team}` owns {len(alerts)} paging alerts (budget {budget}): "
                    + ", ".join(f"`{a}`" for a in alerts),
                    ctx.project.teams[team].location,
                    label="paged too often",
                    help="demote some `critical` thresholds to `warn`, or raise "
                    "`team_critical_budget` if the team can really act on all of them",
                )
