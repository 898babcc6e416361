from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule

DEFAULT_LIMIT = 7


class TooManyKeyMetrics(Rule):
    """Finds goals with more key metrics than anyone can watch.

    ## What it does
    Flags a goal served by more than `key_metric_limit` (default 7) metrics of
    `tier: key` or `tier: north_star`. Set the limit in `metricc.toml`:
    `[lint.options] key_metric_limit = 5`.

    ## Why is this bad?
    Key metrics are the few a team reviews every time. Past five to seven per
    domain they stop being key: reviews skim them and real changes are missed.

    ## Example
    A goal with ten metrics marked `tier: key`.

    ## Use instead
    Keep the five to seven that drive decisions as `key`; mark the rest
    `tier: supporting`.
    """

    name = "too-many-key-metrics"
    code = "MC509"
    summary = "more key metrics under one goal than the configured limit"
    options = {"key_metric_limit": DEFAULT_LIMIT}

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        limit = ctx.option("key_metric_limit", DEFAULT_LIMIT)
        for goal in ctx.project.goals.values():
            key = [
                ctx.project.metrics[m]
                for m in ctx.links.served.get(goal.name, [])
                if ctx.project.metrics[m].tier in ("key", "north_star")
            ]
            if len(key) > limit:
                yield Finding(
                    f"goal `{goal.name}` has {len(key)} key metrics (limit {limit})",
                    goal.location,
                    label="too many to watch",
                    related=[(m.span_of("tier"), "key metric") for m in key[limit:]],
                    help="keep the few that drive decisions as `key`; make the rest "
                    "`tier: supporting`",
                )
