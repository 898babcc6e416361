from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class MissingAction(Rule):
    """Finds metrics that prompt no next step.

    ## What it does
    Flags a metric without an `action`: the text that says what to do when it
    moves.

    ## Why is this bad?
    A metric is worth tracking when a change in it leads somewhere. Without a
    written next step, an alert or a dip in a review meeting ends in a shrug,
    and the person on call has to guess.

    ## Example
    ```
    metric api_error_rate {
      ...
      critical: > 3% for 2 periods
    }
    ```

    ## Use instead
    ```
    metric api_error_rate {
      ...
      critical: > 3% for 2 periods
      action: "Check the last deploy and roll back if it is the cause."
    }
    ```
    """

    name = "missing-action"
    code = "MC504"
    summary = "a metric with no `action`"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for metric in ctx.project.metrics.values():
            if not metric.action:
                yield Finding(
                    f"`{metric.name}` says nothing about what to do when it moves",
                    metric.location,
                    label="no `action`",
                    help='add `action: "..."`: the first thing to check or do',
                )
