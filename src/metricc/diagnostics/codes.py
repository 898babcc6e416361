"""The one table of diagnostic codes.

A code is never reused: a retired code stays here, marked retired, so that
old suppressions and CI filters keep meaning what they meant. Lint rules
(MC5xx) register their codes in the same table so `metricc rules` and the
JSON/SARIF output share one source of truth.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Code(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str


E, W = Severity.ERROR, Severity.WARNING

_TABLE = [
    # MC0xx: reading and parsing files
    Code("MC001", "syntax-error", E, "the text does not follow the language's grammar"),
    Code("MC002", "unterminated-string", E, "a string or text block is not closed"),
    Code("MC003", "invalid-character", E, "a character that cannot start any token"),
    Code("MC004", "invalid-encoding", E, "a file is not valid UTF-8 text"),
    Code("MC005", "unexpected-end", E, "the file ends in the middle of a block"),
    Code("MC006", "unclosed-block", E, "a block is not closed with `}` before the next one"),
    Code("MC007", "unreadable-file", E, "a file or folder cannot be read"),
    Code("MC008", "no-definitions", W, "a project folder holds no `.metric` files"),
    # MC1xx: names and references
    Code("MC101", "unknown-team", E, "a reference to a team that is not defined"),
    Code("MC102", "unknown-goal", E, "a reference to a goal that is not defined"),
    Code("MC103", "unknown-source", E, "a reference to a source that is not defined"),
    Code("MC104", "unknown-metric", E, "a reference to a metric that is not defined"),
    Code("MC105", "unknown-dimension", E, "a dimension its source does not declare"),
    Code("MC106", "unknown-entity", E, "an entity its source does not declare"),
    Code("MC107", "unknown-kind", E, "a block kind other than team, goal, source, metric, slo"),
    Code("MC108", "duplicate-name", E, "two blocks of one kind share a name"),
    Code("MC109", "duplicate-field", E, "a field given twice in one block"),
    Code("MC110", "reference-cycle", E, "formulas, goal parents or leads links that form a cycle"),
    Code("MC111", "unknown-function", E, "a function the language does not know"),
    Code("MC112", "unqualified-column", E, "a column in a measure without its source"),
    Code(
        "MC113", "invalid-name", E, "a block name outside `[a-z][a-z0-9_]*`, or over 50 characters"
    ),
    # MC2xx: fields and values
    Code("MC201", "unknown-field", E, "a field the block kind does not have"),
    Code("MC202", "missing-field", E, "a required field is missing"),
    Code("MC203", "wrong-type", E, "a value of the wrong type for its field"),
    Code("MC204", "invalid-choice", E, "a value outside the field's allowed set"),
    Code("MC205", "out-of-range", E, "a number or percent outside its allowed range"),
    Code("MC206", "invalid-date", E, "a date that does not exist"),
    Code("MC207", "conflicting-definitions", E, "a metric with more than one kind of definition"),
    Code("MC208", "invalid-measure", E, "a measure that is not an aggregate over one source"),
    Code("MC209", "mixed-sources", E, "one measure or filter reading from several sources"),
    Code("MC210", "tier-mismatch", E, "`tier: north_star` disagrees with the goals' `north_star`"),
    Code("MC211", "invalid-formula", E, "a formula that is not arithmetic over metrics"),
    Code("MC212", "invalid-timing", E, "a timing that does not fit the source's kind"),
    Code("MC213", "grain-mismatch", E, "a definition that cannot be computed at its grain"),
    Code("MC214", "invalid-threshold", E, "a threshold or target that cannot be evaluated"),
    Code("MC215", "invalid-promql", E, "a PromQL expression that does not parse"),
]

CODES: dict[str, Code] = {c.code: c for c in _TABLE}
BY_NAME: dict[str, Code] = {c.name: c for c in _TABLE}


def register(code: Code) -> None:
    """Add a code (lint rules register theirs); a clash is a programming error."""
    if code.code in CODES and CODES[code.code] != code:
        raise ValueError(f"diagnostic code {code.code} is already taken")
    CODES[code.code] = code
    BY_NAME[code.name] = code
