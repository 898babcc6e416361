from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class MissingTarget(Rule):
    """Finds outcome metrics with no target.

    ## What it does
    Flags a North Star, a `tier: key` metric or a `indicator: lagging` metric
    that has no `target`.

    ## Why is this bad?
    Outcome metrics are how a team says what success is. Without a target,
    nobody can tell whether the current value is good, and `metricc check`
    cannot say whether the trend is on track.

    ## Example
    ```
    metric churn_rate {
      tier: key
      indicator: lagging
      ...
    }
    ```

    ## Use instead
    ```
    metric churn_rate {
      tier: key
      indicator: lagging
      target: <= 3% by 2027-03-31
      ...
    }
    ```
    """

    name = "missing-target"
    code = "MC505"
    summary = "a North Star, key or lagging metric with no target"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            if metric.target is not None:
                continue
            if ctx.links.is_north_star(metric):
                why = "the North Star"
            elif metric.tier == "key":
                why = "a key metric"
            elif metric.indicator == "lagging":
                why = "a lagging (outcome) metric"
            else:
                continue
            yield Finding(
                f"`{metric.name}` is {why} but has no target",
                metric.location,
                label="no `target`",
                help="add `target: >= VALUE by DATE` so progress can be judged",
            )
