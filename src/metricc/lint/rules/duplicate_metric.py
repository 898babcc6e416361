from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class DuplicateMetric(Rule):
    """Finds two names for the same number.

    ## What it does
    Flags a metric whose definition and grain are identical to an earlier
    metric's: both compile to the same query.

    ## Why is this bad?
    Two names for one number split attention and history: dashboards pick one
    or the other, someone changes one definition and not the other, and the
    two drift apart while everyone believes they agree.

    ## Example
    ```
    metric active_users { grain: day  measure: count_distinct(events.user_id) }
    metric dau { grain: day  measure: count_distinct(events.user_id) }
    ```

    ## Use instead
    Keep one metric; if the other name is in use, deprecate it
    (`status: deprecated`) and point its description at the survivor.
    """

    name = "duplicate-metric"
    code = "MC510"
    summary = "two metrics that compile to the same query"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        seen: dict[str, str] = {}
        for metric in ctx.project.metrics.values():
            key = ctx.facts_of(metric).computes
            first = seen.setdefault(key, metric.name)
            if first != metric.name:
                original = ctx.project.metrics[first]
                yield Finding(
                    f"`{metric.name}` computes the same as `{first}`",
                    metric.location,
                    label="same definition and grain",
                    related=[(original.location, f"`{first}` is defined here")],
                    help=f"keep one of them; deprecate `{metric.name}` in favour of `{first}`",
                )
