from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm

RETIRED = ("deprecated", "archived")


class DeprecatedReference(Rule):
    """Finds live metrics that rest on retired ones.

    ## What it does
    Flags an `active` metric whose formula uses a `deprecated` or `archived`
    metric, or that is led by one.

    ## Why is this bad?
    A retired metric stops being maintained: its definition drifts from the
    data. Everything built on it inherits that rot silently.

    ## Example
    ```
    metric old_revenue { status: deprecated ... }
    metric margin { formula: profit / old_revenue }
    ```

    ## Use instead
    Point the formula (or the `leads` link) at the metric that replaced it.
    """

    name = "deprecated-reference"
    code = "MC514"
    summary = "an active metric that depends on or is led by a retired one"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        metrics = ctx.project.metrics
        for metric in metrics.values():
            if metric.status != "active":
                continue
            inputs = metric.definition.inputs if isinstance(metric.definition, sm.Derived) else ()
            for name in inputs:
                if name in metrics and metrics[name].status in RETIRED:
                    yield Finding(
                        f"`{metric.name}` uses `{name}`, which is {metrics[name].status}",
                        metric.span_of("formula"),
                        label=f"`{name}` is {metrics[name].status}",
                        related=[(metrics[name].span_of("status"), "retired here")],
                        help="use the metric that replaced it",
                    )
            for name in ctx.links.led_by.get(metric.name, []):
                if metrics[name].status in RETIRED:
                    yield Finding(
                        f"`{metric.name}` is led by `{name}`, which is {metrics[name].status}",
                        metric.location,
                        label="led by a retired metric",
                        related=[(metrics[name].span_of("leads"), "the `leads` link")],
                        help=f"move the `leads` link to a live metric, or remove it from `{name}`",
                    )
