from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule


class NorthStarCount(Rule):
    """Finds goal trees without exactly one North Star.

    ## What it does
    For each top-level goal (one with no `parent`) and the goals below it,
    flags a tree where no goal names a `north_star`, or where more than one
    metric is named.

    ## Why is this bad?
    The North Star is the one number a company or product line agrees to
    steer by. None leaves teams optimising their own numbers; two splits the
    focus it exists to create.

    ## Example
    ```
    goal company { title: "Grow" }
    goal retention { parent: company  north_star: dau }
    goal revenue { parent: company  north_star: mrr }
    ```

    ## Use instead
    ```
    goal company { title: "Grow"  north_star: weekly_core_users }
    ```
    """

    name = "north-star-count"
    code = "MC508"
    summary = "a goal tree with no North Star, or more than one"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        goals = ctx.project.goals
        for root in goals.values():
            if root.parent is not None:
                continue
            tree = ctx.links.subtree(root.name)
            stars = [
                (goals[g], star)
                for g in tree
                if g in goals and (star := goals[g].north_star) is not None
            ]
            named = {star for _, star in stars}
            if not named:
                yield Finding(
                    f"goal tree `{root.name}` has no North Star",
                    root.location,
                    label="top-level goal",
                    help=f"add `north_star: METRIC` to `{root.name}`",
                )
            elif len(named) > 1:
                yield Finding(
                    f"goal tree `{root.name}` has {len(named)} North Stars: "
                    + ", ".join(f"`{n}`" for n in sorted(named)),
                    stars[1][0].span_of("north_star"),
                    label="another North Star",
                    related=[
                        (goal.span_of("north_star"), "North Star named here")
                        for goal, _ in stars[:1]
                    ],
                    help="keep one North Star per tree; make the others key metrics",
                )
