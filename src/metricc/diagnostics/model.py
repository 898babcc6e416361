"""Diagnostics as data: what went wrong, where, and what to do about it."""

from __future__ import annotations

from metricc.diagnostics.codes import CODES, Severity
from metricc.frozen import Frozen
from metricc.span import Span


class Label(Frozen):
    """A span with a short note: the primary one says what, secondary ones say why."""

    span: Span
    message: str = ""


class Diagnostic(Frozen):
    """One finding: a stable code, a severity, a located message and an optional help."""

    code: str
    severity: Severity
    message: str
    primary: Label | None
    secondary: tuple[Label, ...] = ()
    help: str | None = None
    rule: str = ""

    @property
    def span(self) -> Span | None:
        return self.primary.span if self.primary else None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        span = self.span
        if span is None:
            return ("", 0, 0, self.code, self.message)
        return (span.file, span.line, span.column, self.code, self.message)


def diag(
    code: str,
    message: str,
    span: Span | None,
    *,
    label: str = "",
    secondary: tuple[Label, ...] | list[Label] = (),
    help: str | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic whose severity and rule name come from the code table."""
    entry = CODES[code]
    return Diagnostic(
        code=code,
        severity=severity or entry.severity,
        message=message,
        primary=Label(span=span, message=label) if span is not None else None,
        secondary=tuple(secondary),
        help=help,
        rule=entry.name,
    )


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
