"""Each rule fires on its failing cases and stays quiet on its near misses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from metricc.lint import Selection, lint
from metricc.lint.rules import RULES
from metricc.pipeline import Compilation

TEAM = 'team t {\n  title: "T"\n  channel: "#t"\n  escalation: "pd:t"\n  review: weekly\n}\n'
GOAL = 'goal top {\n  title: "Top"\n  owner: t\n  north_star: star\n}\n'
SOURCES = """\
source events {
  table: events
  time: occurred_at
  entity user: user_id
  dimension platform: platform
}
"""
STAR = """\
metric star {
  title: "Star"
  owner: t
  goal: top
  tier: north_star
  indicator: lagging
  direction: up
  grain: week
  measure: count_distinct(events.user_id) where events.name = 'core'
  target: >= 10
  action: "a"
}
"""
LEAD = """\
metric lead {
  title: "Lead"
  owner: t
  goal: top
  indicator: leading
  leads: star
  unit: percent
  direction: up
  grain: week
  numerator: count_distinct(events.user_id) where events.name = 'x'
  denominator: count_distinct(events.user_id)
  action: "a"
}
"""
BASE = TEAM + GOAL + SOURCES + STAR + LEAD


def metric(
    name: str, *fields: str, goal: str = "top", owner: str = "t", leads: str = "star"
) -> str:
    """A clean supporting metric plus the given field lines."""
    lines = [
        f'  title: "{name}"',
        f"  owner: {owner}" if owner else "",
        f"  goal: {goal}" if goal else "",
        "  indicator: leading",
        f"  leads: {leads}" if leads else "",
        "  direction: up",
        "  grain: week",
        '  action: "a"',
        *(f"  {f}" for f in fields),
    ]
    if not any(f.startswith(("measure", "numerator", "formula", "conversion")) for f in fields):
        lines.append("  measure: avg(events.value)")
    return f"metric {name} {{\n" + "\n".join(line for line in lines if line) + "\n}\n"


# (id, rule, project text, how many findings of that rule)
CASES: list[tuple[str, str, str, int]] = [
    ("base-is-clean", "all", BASE, 0),
    # vanity-metric
    (
        "vanity-cumulative",
        "vanity-metric",
        BASE + metric("total", "measure: count(events.user_id)", "window: all"),
        1,
    ),
    (
        "vanity-long-window",
        "vanity-metric",
        BASE + metric("yearly", "measure: sum(events.value)", "window: 365d"),
        1,
    ),
    (
        "vanity-unlinked-volume",
        "vanity-metric",
        BASE
        + 'metric views {\n  title: "Views"\n  grain: day\n  measure: count(events.event_id)\n}\n',
        1,
    ),
    (
        "not-vanity-ratio-cumulative",
        "vanity-metric",
        BASE
        + metric("r", "numerator: count(events.user_id)", "denominator: count(events.event_id)"),
        0,
    ),
    (
        "not-vanity-per-user",
        "vanity-metric",
        BASE
        + metric(
            "per_user",
            "measure: count(events.event_id) / count_distinct(events.user_id)",
            "window: all",
        ),
        0,
    ),
    (
        "not-vanity-volume-with-goal",
        "vanity-metric",
        BASE + metric("weekly_signups", "measure: count(events.user_id)"),
        0,
    ),
    (
        "not-vanity-28d-window",
        "vanity-metric",
        BASE + metric("mau", "measure: count_distinct(events.user_id)", "window: 28d"),
        0,
    ),
    # orphan-metric
    (
        "orphan",
        "orphan-metric",
        BASE + 'metric lonely {\n  title: "L"\n  grain: day\n  measure: avg(events.value)\n}\n',
        1,
    ),
    (
        "not-orphan-in-formula",
        "orphan-metric",
        BASE
        + 'metric part {\n  title: "P"\n  grain: week\n  measure: avg(events.value)\n}\n'
        + metric("combined", "formula: part * 2"),
        0,
    ),
    (
        "not-orphan-led-by",
        "orphan-metric",
        BASE
        + 'metric outcome {\n  title: "O"\n  grain: week\n  measure: avg(events.value)\n}\n'
        + metric("driver", leads="outcome"),
        0,
    ),
    # missing-owner
    ("missing-owner", "missing-owner", BASE + metric("m", owner=""), 1),
    (
        "missing-owner-slo",
        "missing-owner",
        BASE + "slo s {\n  objective: 99%\n  window: 30d\n  good: count(events.user_id)\n"
        "  total: count(events.event_id)\n}\n",
        1,
    ),
    # missing-action
    ("missing-action", "missing-action", BASE + metric("m").replace('  action: "a"\n', ""), 1),
    # missing-target
    ("missing-target-key", "missing-target", BASE + metric("m", "tier: key"), 1),
    (
        "missing-target-lagging",
        "missing-target",
        BASE + metric("m").replace("indicator: leading\n  leads: star", "indicator: lagging"),
        1,
    ),
    ("missing-target-north-star", "missing-target", BASE.replace("  target: >= 10\n", ""), 1),
    ("not-missing-target-supporting-leading", "missing-target", BASE + metric("m"), 0),
    # leading-without-lagging
    (
        "leading-without-lagging",
        "leading-without-lagging",
        BASE + metric("m").replace("  leads: star\n", ""),
        1,
    ),
    # north-star-without-leading
    ("north-star-without-leading", "north-star-without-leading", TEAM + GOAL + SOURCES + STAR, 1),
    # north-star-count
    (
        "no-north-star",
        "north-star-count",
        BASE + 'goal other {\n  title: "Other"\n  owner: t\n}\n' + metric("m", goal="other"),
        1,
    ),
    (
        "two-north-stars",
        "north-star-count",
        BASE + 'goal sub {\n  title: "Sub"\n  owner: t\n  parent: top\n  north_star: lead\n}\n',
        1,
    ),
    (
        "one-north-star-in-child",
        "north-star-count",
        TEAM + 'goal top {\n  title: "Top"\n  owner: t\n}\ngoal sub {\n  title: "S"\n  owner: t\n'
        "  parent: top\n  north_star: star\n}\n" + SOURCES + STAR + LEAD,
        0,
    ),
    # too-many-key-metrics
    (
        "too-many-key-metrics",
        "too-many-key-metrics",
        BASE + "".join(metric(f"k{i}", "tier: key", "target: >= 1") for i in range(7)),
        1,
    ),
    (
        "seven-key-metrics-is-fine",
        "too-many-key-metrics",
        BASE + "".join(metric(f"k{i}", "tier: key", "target: >= 1") for i in range(6)),
        0,
    ),
    # duplicate-metric
    (
        "duplicate",
        "duplicate-metric",
        BASE
        + metric(
            "copy", "measure: count_distinct(events.user_id) where events.name = 'core'"
        ).replace("grain: week", "grain: week"),
        1,
    ),
    (
        "same-measure-other-grain",
        "duplicate-metric",
        BASE
        + metric(
            "daily", "measure: count_distinct(events.user_id) where events.name = 'core'"
        ).replace("grain: week", "grain: day"),
        0,
    ),
    # threshold-conflict
    ("alerts-on-good-news", "threshold-conflict", BASE + metric("m", "warn: > 100"), 1),
    ("target-against-direction", "threshold-conflict", BASE + metric("m", "target: <= 5"), 1),
    (
        "warn-after-critical",
        "threshold-conflict",
        BASE + metric("m", "warn: < 50", "critical: < 80"),
        1,
    ),
    (
        "warn-before-critical",
        "threshold-conflict",
        BASE + metric("m", "warn: < 80", "critical: < 50"),
        0,
    ),
    # alert-fatigue
    (
        "daily-without-persistence",
        "alert-fatigue",
        BASE + metric("m", "warn: < 5").replace("grain: week", "grain: day"),
        1,
    ),
    (
        "daily-with-persistence",
        "alert-fatigue",
        BASE + metric("m", "warn: < 5 for 2 periods").replace("grain: week", "grain: day"),
        0,
    ),
    ("weekly-without-persistence", "alert-fatigue", BASE + metric("m", "warn: < 5"), 0),
    (
        "team-over-budget",
        "alert-fatigue",
        BASE + "".join(metric(f"p{i}", "critical: < 1") for i in range(6)),
        1,
    ),
    # small-sample
    (
        "ratio-thresholds-no-min-sample",
        "small-sample",
        BASE
        + metric(
            "m",
            "numerator: count(events.user_id)",
            "denominator: count(events.event_id)",
            "warn: < 10%",
        ),
        1,
    ),
    (
        "ratio-with-min-sample",
        "small-sample",
        BASE
        + metric(
            "m",
            "numerator: count(events.user_id)",
            "denominator: count(events.event_id)",
            "warn: < 10%",
            "min_sample: 100",
        ),
        0,
    ),
    ("simple-with-thresholds", "small-sample", BASE + metric("m", "warn: < 10"), 0),
    # deprecated-reference
    (
        "uses-deprecated",
        "deprecated-reference",
        BASE + metric("old", "status: deprecated", leads="") + metric("new", "formula: old * 2"),
        1,
    ),
    (
        "led-by-archived",
        "deprecated-reference",
        BASE + metric("old", "status: archived", leads="fresh") + metric("fresh"),
        1,
    ),
    (
        "deprecated-uses-deprecated",
        "deprecated-reference",
        BASE
        + metric("old", "status: deprecated", leads="")
        + metric("new", "formula: old", "status: deprecated", leads=""),
        0,
    ),
    # empty-goal
    (
        "empty-goal",
        "empty-goal",
        BASE + 'goal idle {\n  title: "I"\n  owner: t\n  parent: top\n}\n',
        1,
    ),
    (
        "goal-served-through-child",
        "empty-goal",
        BASE + 'goal mid {\n  title: "M"\n  owner: t\n  parent: top\n}\n'
        'goal leaf {\n  title: "L"\n  owner: t\n  parent: mid\n}\n' + metric("m", goal="leaf"),
        0,
    ),
    # missing-review
    ("missing-review", "missing-review", BASE + 'team quiet {\n  title: "Q"\n}\n', 1),
    # unreachable-burn-alert
    *(
        (
            f"slo-objective-{objective}",
            "unreachable-burn-alert",
            BASE + f"slo s {{\n  owner: t\n  objective: {objective}\n  window: 30d\n"
            "  good: count(events.user_id)\n  total: count(events.event_id)\n}\n",
            count,
        )
        for objective, count in (("90%", 1), ("93%", 1), ("93.1%", 0), ("99.9%", 0))
    ),
    # invalid-suppression, unused-suppression
    (
        "suppression-without-reason",
        "invalid-suppression",
        BASE.replace("metric lead {", "# metricc: ignore[orphan-metric]\nmetric lead {"),
        1,
    ),
    (
        "suppression-of-no-rule",
        "invalid-suppression",
        BASE.replace("metric lead {", "# metricc: ignore[orphan-metrik] why\nmetric lead {"),
        1,
    ),
    (
        "suppression-that-silences-nothing",
        "unused-suppression",
        BASE.replace("metric lead {", "# metricc: ignore[orphan-metric] why\nmetric lead {"),
        1,
    ),
]


@pytest.mark.parametrize(
    ("rule", "text", "count"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule(
    write_project: Callable[[str], Compilation], rule: str, text: str, count: int
) -> None:
    result = write_project(text)
    assert not result.failed, [d.message for d in result.diagnostics]
    assert result.project is not None
    findings = lint(result.project, result.files, Selection())
    if rule == "all":
        assert [f.message for f in findings] == []
    else:
        assert [f.rule for f in findings if f.rule == rule] == [rule] * count, [
            f.message for f in findings
        ]


def test_every_rule_has_failing_and_passing_cases() -> None:
    fired = {rule for _, rule, _, count in CASES if count}
    assert fired == {rule.name for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_rule_is_documented(rule: type) -> None:
    doc = rule.doc()  # type: ignore[attr-defined]
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in doc
