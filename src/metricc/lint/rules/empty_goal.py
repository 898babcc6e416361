from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class EmptyGoal(Rule):
    """Finds goals that no metric serves.

    ## What it does
    Flags a goal with no North Star and no metric whose `goal` is it or one
    of the goals below it.

    ## Why is this bad?
    A goal nobody measures is a wish: there is no way to tell whether it is
    being met, and no team is steering towards it.

    ## Example
    ```
    goal delight { title: "Users love us" }
    # ...and no metric says `goal: delight`
    ```

    ## Use instead
    Give it a metric (`goal: delight` on an NPS metric, say), or remove it.
    """

    name = "empty-goal"
    code = "MC515"
    summary = "a goal that no metric serves"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for goal in ctx.project.goals.values():
            tree = ctx.links.subtree(goal.name)
            served = any(ctx.links.served.get(g) for g in tree)
            starred = any(ctx.project.goals[g].north_star for g in tree if g in ctx.project.goals)
            if not served and not starred:
                yield Finding(
                    f"goal `{goal.name}` is served by no metric",
                    goal.location,
                    label="nothing measures it",
                    help=f"add `goal: {goal.name}` to the metrics that measure it",
                )
