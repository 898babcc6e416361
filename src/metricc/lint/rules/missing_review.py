from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class MissingReview(Rule):
    """Finds teams that never review their metrics.

    ## What it does
    Flags a `team` without a `review` cadence.

    ## Why is this bad?
    Metrics decay: sources change, targets go stale, alerts stop meaning
    anything. A fixed review cadence is when a team notices.

    ## Example
    ```
    team growth { title: "Growth" }
    ```

    ## Use instead
    ```
    team growth { title: "Growth"  review: weekly }
    ```
    """

    name = "missing-review"
    code = "MC516"
    summary = "a team with no review cadence"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for team in ctx.project.teams.values():
            if team.review is None:
                yield Finding(
                    f"team `{team.name}` has no review cadence",
                    team.location,
                    label="no `review`",
                    help="add `review: weekly` (or daily, biweekly, monthly, quarterly)",
                )
