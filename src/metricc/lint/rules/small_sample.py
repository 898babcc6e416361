from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm


class SmallSample(Rule):
    """Finds ratio alerts that may fire on a handful of cases.

    ## What it does
    Flags a ratio or conversion metric with `warn` or `critical` thresholds
    and no `min_sample`.

    ## Why is this bad?
    On a quiet day, 2 failures out of 3 is a 67% error rate. Without a minimum
    denominator, ratio alerts fire on noise exactly when little is happening.

    ## Example
    ```
    metric api_error_rate {
      numerator: count(http_requests.request_id) where http_requests.status >= 500
      denominator: count(http_requests.request_id)
      warn: > 1% for 2 periods
    }
    ```

    ## Use instead
    ```
    metric api_error_rate {
      ...
      min_sample: 1000
      warn: > 1% for 2 periods
    }
    ```
    """

    name = "small-sample"
    code = "MC513"
    summary = "a ratio with thresholds and no `min_sample`"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            ratio = isinstance(metric.definition, sm.Ratio | sm.Conversion)
            if ratio and metric.thresholds and metric.min_sample is None:
                first = metric.thresholds[0]
                yield Finding(
                    f"ratio `{metric.name}` alerts with no minimum sample",
                    metric.span_of(first.severity),
                    label="may fire on a handful of cases",
                    help="add `min_sample: N`: below N in the denominator the value is not "
                    "trusted and does not alert",
                )
