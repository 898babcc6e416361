from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.model import semantic as sm


class UnreachableBurnAlert(Rule):
    """Finds SLOs whose burn-rate alerts can never fire.

    ## What it does
    Flags an SLO whose objective is so low that a burn-rate alert of the policy
    (page at 14.4x and 6x the error budget, ticket at 3x and 1x) would need an
    error ratio above 100%: with `objective: 90%` the budget is 10%, and 14.4
    times 10% is 144%.

    ## Why is this bad?
    The alert is generated and looks like protection, but nothing can trigger
    it: the fastest burns, the ones that should page someone, go unnoticed.

    ## Example
    ```
    slo checkout {
      objective: 90%
      window: 30d
    }
    ```

    ## Use instead
    An objective of at least 93.1% (every policy row can fire), or a measure
    of good events whose objective is meaningful at the fastest burn rates.
    """

    name = "unreachable-burn-alert"
    code = "MC517"
    summary = "an SLO objective so low that a burn-rate alert can never fire"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for slo in ctx.project.slos.values():
            never = [r for r in sm.POLICY if r.burn * slo.budget >= 1]
            if not never:
                continue
            shown = ", ".join(f"{r.burn}x ({r.severity}, {r.long})" for r in never)
            yield Finding(
                f"SLO `{slo.name}`'s {slo.objective_text} objective leaves a "
                f"{slo.budget_text} error budget: its burn-rate "
                f"alerts at {shown} need an error ratio above 100% and can never fire",
                slo.span_of("objective"),
                label="too low for burn-rate alerts",
                help="an objective of at least 93.1% lets every burn-rate alert fire",
            )
