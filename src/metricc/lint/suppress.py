"""Inline suppressions: `# metricc: ignore[rule, ...] reason`.

On the line of a finding it silences that line; on a block's header line, or
in the comment lines right above it, it silences the whole block. A reason is
required, and a suppression that silences nothing is itself reported, so
stale ones do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from metricc.diagnostics.suggest import nearest
from metricc.lint.base import Finding
from metricc.model import ast
from metricc.span import Span

PATTERN = re.compile(r"#\s*metricc:\s*ignore\[([^\]]*)\]\s*(.*)$")


@dataclass
class Suppression:
    rules: tuple[str, ...]
    reason: str
    span: Span
    file: str
    first_line: int
    last_line: int
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str, code: str, span: Span) -> bool:
        names = {rule, code, "all"}
        hit = next((r for r in self.rules if r in names), None)
        if hit is None or span.file != self.file:
            return False
        if self.first_line <= span.line <= self.last_line:
            self.used.add(hit)
            return True
        return False


def collect(files: list[ast.File], known: set[str]) -> tuple[list[Suppression], list[Finding]]:
    """The suppressions written in the files, and problems with how they are written
    (what the `invalid-suppression` rule reports)."""
    found: list[Suppression] = []
    problems: list[Finding] = []
    for file in files:
        headers = {b.span.line: b for b in file.blocks}
        comment_lines = {c.span.line for c in file.comments}
        for comment in file.comments:
            match = PATTERN.search(comment.text)
            if not match:
                continue
            rules = tuple(r.strip() for r in match.group(1).split(",") if r.strip())
            reason = match.group(2).strip()
            unknown = [r for r in rules if r not in known]
            if not rules or unknown:
                problems.append(
                    Finding(
                        f"unknown rule in suppression: {', '.join(f'`{r}`' for r in unknown)}"
                        if unknown
                        else "a suppression must name the rules it silences",
                        comment.span,
                        label="not a rule name or code",
                        help=_hint(unknown, known),
                    )
                )
                continue
            if not reason:
                problems.append(
                    Finding(
                        "a suppression needs a reason",
                        comment.span,
                        label="why is this fine?",
                        help=f"write it after the brackets: `# metricc: ignore[{rules[0]}] why`",
                    )
                )
                continue
            line = comment.span.line
            # A comment above a block (possibly among other comment lines) covers the block.
            below = line + 1
            while below in comment_lines and below not in headers:
                below += 1
            block = headers.get(line) or headers.get(below)
            first, last = (block.span.line, block.span.end_line) if block else (line, line)
            found.append(Suppression(rules, reason, comment.span, file.path, first, last))
    return found, problems


def _hint(unknown: list[str], known: set[str]) -> str:
    """Did you mean the nearest rule name? Else where the names are listed."""
    near = [nearest(r, known - {"all"}) for r in unknown]
    shown = [f"`{n}`" for n in near if n]
    return f"did you mean {', '.join(shown)}?" if shown else "see `metricc rules` for the names"


def unused(suppressions: list[Suppression], active: set[str]) -> list[Finding]:
    """Suppressions (or names in them) that silenced nothing this run (what the
    `unused-suppression` rule reports)."""
    out = []
    for s in suppressions:
        stale = [r for r in s.rules if r not in s.used and (r in active or r == "all")]
        if stale:
            out.append(
                Finding(
                    f"suppression of {', '.join(f'`{r}`' for r in stale)} silences nothing",
                    s.span,
                    label="no such finding here",
                    help="remove it (or the stale names) so real findings are not hidden later",
                )
            )
    return out
