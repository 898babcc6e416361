"""Inline suppressions: on the line or the block, with a reason, and reported when stale."""

from __future__ import annotations

from collections.abc import Callable

from metricc.lint import Selection, lint
from metricc.pipeline import Compilation
from tests.lint.test_rules import BASE

VIEWS = (
    'metric views {{\n  title: "Views"{line}\n  grain: day\n  measure: count(events.event_id)\n}}\n'
)


def _rules(result: Compilation) -> list[str]:
    assert result.project is not None
    selection = Selection(ignore=["missing-owner", "missing-action"])
    return sorted(d.rule for d in lint(result.project, result.files, selection))


def test_block_suppression(write_project: Callable[[str], Compilation]) -> None:
    text = BASE + "# metricc: ignore[vanity-metric, orphan-metric] kept for the ads dashboard\n"
    text += VIEWS.format(line="")
    assert _rules(write_project(text)) == []


def test_line_suppression_covers_its_line_only(write_project: Callable[[str], Compilation]) -> None:
    text = BASE + VIEWS.format(line="").replace(
        "metric views {", "metric views {  # metricc: ignore[MC501] legacy dashboard"
    )
    assert _rules(write_project(text)) == ["orphan-metric"]


def test_suppression_needs_a_reason(write_project: Callable[[str], Compilation]) -> None:
    text = BASE + "# metricc: ignore[vanity-metric]\n" + VIEWS.format(line="")
    assert _rules(write_project(text)) == ["invalid-suppression", "orphan-metric", "vanity-metric"]


def test_unknown_rule_in_suppression(write_project: Callable[[str], Compilation]) -> None:
    text = BASE + "# metricc: ignore[vanity] because\n" + VIEWS.format(line="")
    assert "invalid-suppression" in _rules(write_project(text))


def test_unused_suppression_is_reported(write_project: Callable[[str], Compilation]) -> None:
    text = BASE.replace(
        "metric lead {", "# metricc: ignore[orphan-metric] just in case\nmetric lead {"
    )
    result = write_project(text)
    assert _rules(result) == ["unused-suppression"]
