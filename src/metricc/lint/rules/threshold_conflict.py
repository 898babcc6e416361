from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm

UPWARD = {">", ">="}
DOWNWARD = {"<", "<="}


def _fires_when(threshold: sm.Threshold) -> str | None:
    """'high' or 'low': which side of the line the threshold alerts on."""
    if threshold.op in UPWARD:
        return "high"
    if threshold.op in DOWNWARD:
        return "low"
    return None


class ThresholdConflict(Rule):
    """Finds thresholds and targets that contradict the metric.

    ## What it does
    Flags a `warn` or `critical` that alerts when the metric moves the *good*
    way (`direction: up` with `warn: > 100`), a `target` that points the wrong
    way (`direction: down` with `target: >= 5%`), and a `warn` that fires
    later than its `critical` (for `direction: up`, `warn: < 50` with
    `critical: < 80`).

    ## Why is this bad?
    An alert on good news trains people to ignore alerts. A warning that can
    only fire after the page has gone out warns nobody.

    ## Example
    ```
    metric activation_rate {
      direction: up
      warn: < 30%
      critical: < 40%
    }
    ```

    ## Use instead
    ```
    metric activation_rate {
      direction: up
      warn: < 40%
      critical: < 30%
    }
    ```
    """

    name = "threshold-conflict"
    code = "MC511"
    summary = "thresholds against the metric's direction, or a warn later than its critical"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            bad_side = {"up": "low", "down": "high"}.get(metric.direction or "")
            for threshold in metric.thresholds:
                side = _fires_when(threshold)
                if bad_side and side and side != bad_side:
                    yield Finding(
                        f"`{threshold.severity}` on `{metric.name}` fires when it moves the "
                        f"good way (direction: {metric.direction})",
                        metric.span_of(threshold.severity),
                        label=f"alerts on a {'rise' if side == 'high' else 'fall'}",
                        help="flip the comparison, or fix `direction`",
                    )
            target = metric.target
            if target is not None and metric.direction:
                wrong = (metric.direction == "up" and target.op in DOWNWARD) or (
                    metric.direction == "down" and target.op in UPWARD
                )
                if wrong:
                    yield Finding(
                        f"the target of `{metric.name}` points against its direction "
                        f"({metric.direction})",
                        metric.span_of("target"),
                        label="target the other way",
                        help="flip the comparison, or fix `direction`",
                    )
            yield from self._order(metric)

    def _order(self, metric: sm.Metric) -> Iterator[Finding]:
        warn, critical = metric.warn, metric.critical
        if warn is None or critical is None or warn.change != critical.change:
            return
        side = _fires_when(warn)
        if side is None or side != _fires_when(critical):
            return
        later = warn.value < critical.value if side == "low" else warn.value > critical.value
        if later:
            yield Finding(
                f"`warn` on `{metric.name}` fires only after `critical` has",
                metric.span_of("warn"),
                label=f"{warn.text}",
                related=[(metric.span_of("critical"), f"critical: {critical.text}")],
                help="a warning should come first: make `warn` the milder threshold",
            )
