from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class NorthStarWithoutLeading(Rule):
    """Finds North Star metrics that no leading indicator predicts.

    ## What it does
    Flags a North Star metric that no metric `leads`.

    ## Why is this bad?
    A North Star moves slowly and late. Teams steer by the leading indicators
    that predict it; without any, a drop is noticed only when it is too late to
    act.

    ## Example
    ```
    goal company { north_star: weekly_core_users }
    # ...and no metric has `leads: weekly_core_users`
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

    name = "north-star-without-leading"
    code = "MC507"
    summary = "a North Star that no leading indicator leads"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            if ctx.links.is_north_star(metric) and metric.name not in ctx.links.led_by:
                yield Finding(
                    f"no leading indicator predicts the North Star `{metric.name}`",
                    metric.location,
                    label="nothing `leads` it",
                    help=f"define a leading metric with `leads: {metric.name}`",
                )
