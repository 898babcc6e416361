from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm

CUMULATIVE_DAYS = 365


def is_cumulative(metric: sm.Metric) -> bool:
    d = metric.definition
    return isinstance(d, sm.Window) and (
        d.window is None or d.window.seconds >= CUMULATIVE_DAYS * 86400
    )


class VanityMetric(Rule):
    """Finds metrics that can look good but inform no decision.

    ## What it does
    Flags a **raw volume** (a `count`, `count_distinct` or `sum` of rows, with no
    denominator and no per-user or per-period normalisation) that is either
    all-time/cumulative (`window: all`, or a window of a year or more), or has
    none of `goal`, `target`, `action` and a `leads` link in either direction.
    Rates, ratios, per-user figures and conversions are never vanity by
    themselves.

    ## Why is this bad?
    A cumulative total only goes up: it rises whether the product is thriving
    or dying, so no one can act on it. A raw count with no goal, target, action
    or causal link is a number to admire, not a number to steer by.

    ## Example
    ```
    metric total_signups {
      title: "Signups, all time"
      grain: month
      measure: count(users.user_id)
      window: all
    }
    ```

    ## Use instead
    Measure the flow per period and tie it to a decision: signups per week with
    a target, or the activation rate of those signups. If the volume really is
    useful (capacity planning, say), say so and suppress the finding with a
    reason: `# metricc: ignore[vanity-metric] capacity planning input`.
    """

    name = "vanity-metric"
    code = "MC501"
    summary = "a raw or cumulative volume that informs no decision"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        links = ctx.links
        for metric in ctx.project.metrics.values():
            if not ctx.facts_of(metric).raw_volume:
                continue
            if is_cumulative(metric):
                yield Finding(
                    f"`{metric.name}` is a cumulative volume: it can only go up",
                    metric.span_of("window"),
                    label="all-time or cumulative",
                    help="measure the flow per period (drop the long `window`), or a rate",
                )
                continue
            linked = (
                metric.leads
                or metric.name in links.led_by
                or metric.name in links.used_by
                or links.is_north_star(metric)
            )
            if not (metric.goal or metric.target or metric.action or linked):
                yield Finding(
                    f"`{metric.name}` is a raw volume with no goal, target, action or link",
                    metric.location,
                    label="what decision does it inform?",
                    help="give it a `goal` and a `target`, an `action`, or a `leads` link",
                )
