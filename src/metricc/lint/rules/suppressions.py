"""The suppression comments' own checks: rules like any other, so they can be
selected, ignored and given a severity. They read what `lint` collected of the
comments before the other rules ran; `unused-suppression` runs last (its code
sorts last), once every other rule has said which suppressions it used."""

from __future__ import annotations

from collections.abc import Iterator

from metricc.lint.base import Finding, LintContext, Rule
from metricc.lint.suppress import unused


class InvalidSuppression(Rule):
    """Finds suppression comments that cannot be honoured.

    ## What it does
    Flags a `# metricc: ignore[...]` comment that names no rule, names one that
    does not exist (with the nearest name as a hint), or gives no reason after
    the brackets.

    ## Why is this bad?
    A suppression hides a finding from every later reader of the file. Without
    a valid rule name it silences nothing (the author thinks it does); without
    a reason nobody can tell later whether it still applies.

    ## Example
    `# metricc: ignore[vanity]` above a metric: `vanity` is not a rule, and
    there is no reason.

    ## Use instead
    `# metricc: ignore[vanity-metric] shown on the ads dashboard, not a goal`.
    """

    name = "invalid-suppression"
    code = "MC590"
    summary = "a suppression that names no known rule, or gives no reason"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from ctx.malformed


class UnusedSuppression(Rule):
    """Finds suppression comments that silence nothing.

    ## What it does
    Flags a suppression (or a rule named in one) that silenced no finding in
    this run, for the rules that ran.

    ## Why is this bad?
    A stale suppression stays in the file after the problem it excused is
    gone, and silently hides the next real finding of that rule there.

    ## Example
    `# metricc: ignore[orphan-metric] just in case` above a metric that is
    linked to a goal.

    ## Use instead
    Remove the comment, or the names in it that no longer silence anything.
    """

    name = "unused-suppression"
    code = "MC591"
    summary = "a suppression that silences nothing"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        yield from unused(ctx.suppressions, ctx.active)
