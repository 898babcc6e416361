"""The linter: bad-practice rules over the semantic model.

`lint()` runs the selected rules, applies severities from the config, drops
findings silenced by inline suppressions and reports suppressions that are
malformed or silence nothing. It returns diagnostics; it never decides exit codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from metricc.diagnostics import Diagnostic, Severity
from metricc.diagnostics.suggest import did_you_mean, nearest
from metricc.lint.base import LintContext, Rule
from metricc.lint.facts import Facts
from metricc.lint.rules import RULES
from metricc.lint.suppress import collect
from metricc.model import ast
from metricc.model import semantic as sm

BY_NAME: dict[str, type[Rule]] = {}
for _rule in RULES:
    for _key in (_rule.name, _rule.code, *_rule.aliases):
        BY_NAME[_key] = _rule


class SelectionError(ValueError):
    """An unknown rule name in --select/--ignore or the config."""


@dataclass
class Selection:
    select: list[str] = field(default_factory=lambda: ["all"])
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def rules(self) -> list[type[Rule]]:
        for name in [*self.select, *self.ignore, *self.severity]:
            if name != "all" and name not in BY_NAME:
                hint = nearest(name, [r.name for r in RULES])
                see = f"did you mean `{hint}`?" if hint else "see `metricc rules`"
                raise SelectionError(f"unknown rule `{name}`; {see}")
        chosen = RULES if "all" in self.select else [BY_NAME[n] for n in self.select]
        ignored = {BY_NAME[n] for n in self.ignore if n != "all"}
        if "all" in self.ignore:
            ignored = set(RULES)
        return [r for r in RULES if r in chosen and r not in ignored]

    def option_problems(self) -> list[str]:
        """What is wrong with `[lint.options]`: a name no rule reads, or a value that
        is not a whole number of at least 1."""
        known = {name: rule for rule in RULES for name in rule.options}
        problems = []
        for name, value in sorted(self.options.items()):
            if name not in known:
                hint = did_you_mean(name, known, "option")
                problems.append(
                    f"`[lint.options]` has no `{name}`" + (f" ({hint})" if hint else "")
                )
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(
                    f"`[lint.options] {name}` (read by `{known[name].name}`) should be a whole "
                    f"number of at least 1, not {json.dumps(value, default=str)}"
                )
        return problems

    def severity_of(self, rule: type[Rule]) -> Severity:
        for key in (rule.name, rule.code, *rule.aliases):
            if key in self.severity:
                return Severity(self.severity[key])
        return rule.severity


def lint(
    project: sm.Project,
    files: list[ast.File],
    selection: Selection,
    facts: dict[str, Facts] | None = None,
) -> list[Diagnostic]:
    """The findings of the selected rules. `facts`: per metric name, its facts as a
    previous lint made them (see `lint.facts`); the metrics missing are added."""
    rules = selection.rules()
    suppressions, malformed = collect(files, set(BY_NAME) | {"all"})
    active = {name for r in rules for name in (r.name, r.code, *r.aliases)}
    known = {} if facts is None else facts
    ctx = LintContext(project, selection.options, suppressions, malformed, active, known)
    out: list[Diagnostic] = []
    for rule_class in rules:  # by code: the suppressions' own checks come last
        rule = rule_class()
        severity = selection.severity_of(rule_class)
        for finding in rule.check(ctx):
            if any(s.covers(rule.name, rule.code, finding.span) for s in suppressions):
                continue
            out.append(rule.diagnostic(finding, severity))
    return out
