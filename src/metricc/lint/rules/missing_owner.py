from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm


class MissingOwner(Rule):
    """Finds metrics and SLOs that nobody owns.

    ## What it does
    Flags a `metric` or `slo` without an `owner` team.

    ## Why is this bad?
    Without an owner, alerts have nowhere to go and nobody is accountable
    when the number moves: the metric is everybody's and so nobody's.

    ## Example
    ```
    metric dau {
      title: "Daily active users"
      grain: day
      measure: count_distinct(events.user_id)
    }
    ```

    ## Use instead
    ```
    metric dau {
      title: "Daily active users"
      owner: growth
      ...
    }
    ```
    """

    name = "missing-owner"
    code = "MC503"
    summary = "a metric or SLO without an owner"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        blocks: list[sm.Metric | sm.SLO] = [
            *ctx.project.metrics.values(),
            *ctx.project.slos.values(),
        ]
        for block in blocks:
            if block.owner is None:
                kind = "metric" if block.name in ctx.project.metrics else "SLO"
                yield Finding(
                    f"{kind} `{block.name}` has no owner",
                    block.location,
                    label="who is accountable?",
                    help="add `owner: TEAM`; alerts are routed to the owner's channels",
                )
