from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class LeadingWithoutLagging(Rule):
    """Finds leading indicators that lead nothing.

    ## What it does
    Flags a metric with `indicator: leading` and no `leads`.

    ## Why is this bad?
    A leading indicator is only useful because it predicts an outcome. If the
    outcome is not named, nobody can check that the prediction holds
    (`metricc links` measures it), and the metric is a guess dressed as a plan.

    ## Example
    ```
    metric activation_rate {
      indicator: leading
      ...
    }
    ```

    ## Use instead
    ```
    metric activation_rate {
      indicator: leading
      leads: weekly_core_users
      ...
    }
    ```
    """

    name = "leading-without-lagging"
    code = "MC506"
    summary = "a leading indicator that `leads` nothing"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            if metric.indicator == "leading" and not metric.leads:
                yield Finding(
                    f"`{metric.name}` is a leading indicator of nothing",
                    metric.span_of("indicator"),
                    label="leading, but no `leads`",
                    help="add `leads: METRIC` naming the outcome it predicts",
                )
