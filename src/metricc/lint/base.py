"""The rule base: every rule has a name, a code and a doc in four sections.

A rule is a class with a `check` method that yields findings for a project.
Subclasses without a complete doc are refused at import time, so `metricc rule
NAME` can always print "What it does / Why is this bad? / Example / Use instead".
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from metricc.diagnostics import Code, Diagnostic, Label, Severity
from metricc.diagnostics.codes import register
from metricc.lint.facts import Facts, facts_of
from metricc.lint.links import Links
from metricc.model import semantic as sm
from metricc.span import Span

if TYPE_CHECKING:
    from metricc.lint.suppress import Suppression

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


@dataclass
class Finding:
    """What a rule found: a message at a span, with optional related places and help."""

    message: str
    span: Span
    label: str = ""
    help: str | None = None
    related: list[tuple[Span, str]] = field(default_factory=list)


@dataclass
class LintContext:
    """What rules may read: the model, its links, the options from `[lint.options]`,
    the suppression comments (the well-formed ones, the findings about the
    others, and the names of the rules that run), and each metric's facts (see
    `lint.facts`: those given are taken as they are, the others added as made)."""

    project: sm.Project
    options: dict[str, Any] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)
    malformed: list[Finding] = field(default_factory=list)
    active: set[str] = field(default_factory=set)
    facts: dict[str, Facts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.links = Links(self.project)

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

    def facts_of(self, metric: sm.Metric) -> Facts:
        found = self.facts.get(metric.name)
        if found is None:
            found = self.facts[metric.name] = facts_of(metric)
        return found


class Rule:
    name: ClassVar[str]
    code: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    aliases: ClassVar[tuple[str, ...]] = ()
    # The `[lint.options]` the rule reads, with their defaults: whole numbers of at least 1.
    options: ClassVar[dict[str, int]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        doc = inspect.cleandoc(cls.__doc__ or "")
        missing = [s for s in SECTIONS if s not in doc]
        if missing:
            raise TypeError(f"rule {cls.__name__} lacks doc sections: {', '.join(missing)}")
        register(Code(cls.code, cls.name, cls.severity, cls.summary))

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        raise NotImplementedError

    def diagnostic(self, finding: Finding, severity: Severity) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            severity=severity,
            message=finding.message,
            primary=Label(span=finding.span, message=finding.label),
            secondary=tuple(Label(span=s, message=m) for s, m in finding.related),
            help=finding.help,
            rule=self.name,
        )
