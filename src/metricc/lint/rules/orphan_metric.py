from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class OrphanMetric(Rule):
    """Finds metrics linked to nothing.

    ## What it does
    Flags a metric with no `goal`, that is not the North Star of any goal,
    `leads` nothing, is led by nothing, and is used in no `formula`.

    ## Why is this bad?
    A metric outside the goal tree has no reason to exist that anyone can
    read: nobody knows which outcome it serves, so nobody reviews it, and it
    drifts until it is wrong.

    ## Example
    ```
    metric page_views {
      title: "Page views"
      grain: day
      measure: count(page_loads.load_id)
    }
    ```

    ## Use instead
    Link it: `goal: reliability`, or `leads: task_success_rate`, or use it in
    a formula. If it serves nothing, delete it.
    """

    name = "orphan-metric"
    code = "MC502"
    summary = "a metric linked to no goal, metric or formula"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        links = ctx.links
        for metric in ctx.project.metrics.values():
            if (
                metric.goal
                or metric.leads
                or links.is_north_star(metric)
                or metric.name in links.led_by
                or metric.name in links.used_by
            ):
                continue
            yield Finding(
                f"`{metric.name}` is linked to nothing",
                metric.location,
                label="no goal, no leads, not led, in no formula",
                help="add `goal: ...` (or a `leads` link) so it has a reason to exist",
            )
