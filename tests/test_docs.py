"""The docs stay true: every field, code and command is documented."""

from __future__ import annotations

import re

from metricc.diagnostics.codes import CODES
from metricc.resolve.schema import KINDS
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text("utf-8")
README = (ROOT / "README.md").read_text("utf-8")


def test_every_field_is_documented() -> None:
    for kind, fields in KINDS.items():
        section = LANGUAGE.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
        for name, spec in fields.items():
            written = f"`{name} NAME`" if spec.labelled else f"`{name}`"
            assert written in section, f"{kind}.{name} is not in docs/language.md"


def test_every_front_end_code_is_documented() -> None:
    for code in CODES.values():
        if code.code < "MC500":
            assert f"| {code.code} | {code.name} |" in LANGUAGE, code.code


def test_readme_test_command_is_what_ci_runs() -> None:
    command = re.search(r"## Tests\n.*?```(?:sh|bash)?\n(.*?)\n```", README, re.S)
    assert command is not None
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert command.group(1).strip().splitlines()[-1] in ci


def test_every_lint_rule_is_documented() -> None:
    from metricc.lint.rules import RULES

    lint_doc = (ROOT / "docs" / "lint.md").read_text("utf-8")
    for rule in RULES:
        assert f"| {rule.code} | `{rule.name}` |" in lint_doc, rule.name
