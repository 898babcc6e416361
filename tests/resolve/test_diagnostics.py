"""A table of invalid inputs: each gets its code at its place; the rendering is snapshot-tested."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from syrupy.assertion import SnapshotAssertion

from metricc.diagnostics.render import render_human
from metricc.pipeline import Compilation

PRELUDE = """\
team growth { title: "Growth" review: weekly }
goal retention { title: "Retention" owner: growth }
source events {
  table: events
  time: occurred_at
  entity user: user_id
  dimension platform: platform
}
source subs {
  table: subscriptions
  valid_from: started_at
  valid_to: cancelled_at
}
"""
LINES = PRELUDE.count("\n")

# (id, text after the prelude, [(code, line, column)], lines counted from the text's first line)
CASES: list[tuple[str, str, list[tuple[str, int, int]]]] = [
    ("syntax-missing-colon", 'team a {\n  title "A"\n}\n', [("MC001", 2, 9)]),
    ("syntax-equals", "team a {\n  title = 1\n}\n", [("MC001", 2, 9)]),
    ("unterminated-string", 'team a {\n  title: "A\n}\n', [("MC002", 2, 10)]),
    ("invalid-character", "team a {\n  title: @\n}\n", [("MC003", 2, 10)]),
    ("unexpected-end", 'team a {\n  title: "A"\n', [("MC005", 3, 1)]),
    ("unclosed-block", 'team a {\n  title: "A"\nteam b {\n  title: "B"\n}\n', [("MC006", 1, 1)]),
    (
        "table-named-like-a-query-step",
        "source s {\n  table: spine\n  time: at\n}\n",
        [("MC203", 2, 10)],
    ),
    (
        # A stray line after whole blocks: one error there, every block kept.
        "stray-brace-after-blocks",
        'team x {\n  title: "X"\n}\n}\ngoal g {\n  title: "G"\n  owner: x\n}\n',
        [("MC001", 4, 1)],
    ),
    (
        "header-without-brace-between-blocks",
        'team x {\n  title: "X"\n}\nmetric half_typed\ngoal g {\n  title: "G"\n  owner: x\n}\n',
        [("MC001", 4, 1)],
    ),
    (
        "header-without-brace-before-its-fields",
        'metric half_typed\n  title: "H"\n}\n',
        [("MC001", 1, 1)],
    ),
    (
        "stray-field-after-blocks",
        'team x {\n  title: "X"\n}\nowner: x\ngoal g {\n  title: "G"\n  owner: x\n}\n',
        [("MC001", 4, 6)],
    ),
    (
        # The block before a malformed header is kept: dropped, it made its name unknown.
        "bad-header-after-a-block",
        'team x {\n  title: "X"\n}\nmetric weekly-users {\n  title: "W"\n}\n'
        'goal g {\n  title: "G"\n  owner: x\n}\n',
        [("MC001", 4, 14)],
    ),
    (
        "two-syntax-errors",
        'team a {\n  title "A"\n}\nteam b {\n  title: @\n}\n',
        [("MC001", 2, 9), ("MC003", 5, 10)],
    ),
    (
        "unknown-team",
        'metric a {\n  title: "A"\n  owner: growht\n  grain: day\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC101", 3, 10)],
    ),
    (
        "unknown-goal",
        'metric a {\n  title: "A"\n  goal: retension\n  grain: day\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC102", 3, 9)],
    ),
    (
        "unknown-source",
        'metric a {\n  title: "A"\n  grain: day\n  measure: count(evnts.user_id)\n}\n',
        [("MC103", 4, 18)],
    ),
    (
        "unknown-metric-in-leads",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  leads: nothing_here\n  measure: count(events.user_id)\n}\n",
        [("MC104", 4, 10)],
    ),
    (
        "unknown-metric-in-formula",
        'metric a {\n  title: "A"\n  grain: day\n  formula: b / 2\n}\n',
        [("MC104", 4, 12)],
    ),
    ("unknown-north-star", "goal top {\n  north_star: nope\n}\n", [("MC104", 2, 15)]),
    (
        "unknown-dimension",
        'metric a {\n  title: "A"\n  grain: day\n  dimensions: country\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC105", 4, 15)],
    ),
    (
        "unknown-entity",
        'metric a {\n  title: "A"\n  grain: week\n'
        "  conversion: events.name = 'x' -> events.name = 'y' within 7d by account\n}\n",
        [("MC106", 4, 67)],
    ),
    ("unknown-kind", 'metrc a {\n  title: "A"\n}\n', [("MC107", 1, 1)]),
    ("duplicate-name", 'team growth {\n  title: "Again"\n}\n', [("MC108", 1, 6)]),
    ("duplicate-field", 'team t {\n  title: "A"\n  title: "B"\n}\n', [("MC109", 3, 3)]),
    (
        "formula-cycle",
        'metric a {\n  title: "A"\n  grain: day\n  formula: b + 1\n}\n'
        'metric b {\n  title: "B"\n  grain: day\n  formula: a * 2\n}\n',
        [("MC110", 4, 3)],
    ),
    ("goal-cycle", "goal x {\n  parent: y\n}\ngoal y {\n  parent: x\n}\n", [("MC110", 2, 3)]),
    (
        "leads-cycle",
        'metric a {\n  title: "A"\n  grain: day\n  leads: b\n'
        '  measure: count(events.user_id)\n}\nmetric b {\n  title: "B"\n  grain: day\n'
        "  leads: a\n  measure: count(events.user_id)\n}\n",
        [("MC110", 4, 3)],
    ),
    (
        "unknown-function",
        'metric a {\n  title: "A"\n  grain: day\n  measure: count_distinc(events.user_id)\n}\n',
        [("MC111", 4, 12)],
    ),
    (
        "unqualified-column",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id) where name = 'x'\n}\n",
        [("MC112", 4, 40)],
    ),
    ("invalid-name", 'team Growth_Team {\n  title: "G"\n}\n', [("MC113", 1, 6)]),
    ("name-too-long", f'team {"t" * 51} {{\n  title: "G"\n}}\n', [("MC113", 1, 6)]),
    ("unknown-field", 'team t {\n  titel: "T"\n}\n', [("MC201", 2, 3)]),
    ("field-of-another-kind", "team t {\n  grain: day\n}\n", [("MC201", 2, 3)]),
    (
        "missing-title",
        "metric a {\n  grain: day\n  measure: count(events.user_id)\n}\n",
        [("MC202", 1, 8)],
    ),
    ("missing-definition", 'metric a {\n  title: "A"\n  grain: day\n}\n', [("MC202", 1, 8)]),
    (
        "missing-denominator",
        'metric a {\n  title: "A"\n  grain: day\n  numerator: count(events.user_id)\n}\n',
        [("MC202", 1, 8)],
    ),
    ("source-without-time", "source s {\n  table: t\n}\n", [("MC202", 1, 8)]),
    (
        "wrong-type",
        "metric a {\n  title: 12\n  grain: day\n  measure: count(events.user_id)\n}\n",
        [("MC203", 2, 10)],
    ),
    (
        "wrong-arity",
        'metric a {\n  title: "A"\n  grain: day\n  measure: percentile(events.x)\n}\n',
        [("MC203", 4, 12)],
    ),
    (
        "bad-grain",
        'metric a {\n  title: "A"\n  grain: fortnight\n  measure: count(events.user_id)\n}\n',
        [("MC204", 3, 10)],
    ),
    (
        "bad-unit",
        'metric a {\n  title: "A"\n  grain: day\n  unit: euros\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC204", 4, 9)],
    ),
    (
        "objective-out-of-range",
        "slo s {\n  objective: 120%\n  window: 30d\n"
        "  good: count(events.user_id)\n  total: count(events.user_id)\n}\n",
        [("MC205", 2, 14)],
    ),
    (
        "percentile-out-of-range",
        'metric a {\n  title: "A"\n  grain: day\n  measure: percentile(events.x, 1.5)\n}\n',
        [("MC205", 4, 33)],
    ),
    (
        "invalid-date",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id)\n  target: >= 10 by 2027-02-30\n}\n",
        [("MC206", 5, 20)],
    ),
    (
        "two-definitions",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id)\n  formula: 1\n}\n",
        [("MC207", 5, 3)],
    ),
    (
        "window-on-ratio",
        'metric a {\n  title: "A"\n  grain: day\n  window: 7d\n'
        "  numerator: count(events.user_id)\n  denominator: count(events.user_id)\n}\n",
        [("MC207", 4, 3)],
    ),
    (
        "no-aggregate",
        'metric a {\n  title: "A"\n  grain: day\n  measure: events.user_id\n}\n',
        [("MC208", 4, 12)],
    ),
    (
        "aggregate-in-filter",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id) where sum(events.x) > 1\n}\n",
        [("MC208", 4, 40)],
    ),
    (
        "mixed-sources",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id) - count(subs.user_id) ended\n}\n",
        [("MC209", 4, 12)],
    ),
    (
        "tier-without-goal-link",
        'metric a {\n  title: "A"\n  grain: day\n  tier: north_star\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC210", 4, 3)],
    ),
    (
        "formula-with-column",
        'metric a {\n  title: "A"\n  grain: day\n  formula: events.x * 2\n}\n',
        [("MC211", 4, 12)],
    ),
    (
        "state-source-without-timing",
        'metric a {\n  title: "A"\n  grain: month\n  measure: count(subs.user_id)\n}\n',
        [("MC212", 4, 12)],
    ),
    (
        "timing-on-events",
        'metric a {\n  title: "A"\n  grain: month\n  measure: count(events.user_id) ended\n}\n',
        [("MC212", 4, 34)],
    ),
    (
        "window-in-hours",
        'metric a {\n  title: "A"\n  grain: day\n  window: 12h\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC213", 4, 11)],
    ),
    (
        "target-with-persistence",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id)\n  target: >= 10 for 2 periods\n}\n",
        [("MC214", 5, 17)],
    ),
    (
        "persistence-out-of-range",  # passed lint, then overflowed the warehouse's integers
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id)\n  warn: < 10 for 99999999999999999999 periods\n}\n",
        [("MC214", 5, 14)],
    ),
    (
        "window-out-of-range",  # passed lint, then overflowed the warehouse's integers
        'metric a {\n  title: "A"\n  grain: day\n  window: 99999999999999999999d\n'
        "  measure: count(events.user_id)\n}\n",
        [("MC205", 4, 11)],
    ),
    (
        "threshold-by-date",
        'metric a {\n  title: "A"\n  grain: day\n'
        "  measure: count(events.user_id)\n  warn: < 10 by 2027-01-01\n}\n",
        [("MC214", 5, 17)],
    ),
    (
        "promql-unbalanced",
        "slo s {\n  objective: 99%\n  window: 30d\n  backend: prometheus\n"
        "  good: 'sum(rate(x{code!~\"5..\"}[$window])'\n  total: 'sum(rate(x[$window]))'\n}\n",
        [("MC215", 5, 13)],
    ),
    (
        "promql-without-window",
        "slo s {\n  objective: 99%\n  window: 30d\n  backend: prometheus\n"
        "  good: 'sum(rate(x[5m]))'\n  total: 'sum(rate(x[$window]))'\n}\n",
        [("MC215", 5, 10)],
    ),
    (
        "prometheus-measure",
        "slo s {\n  objective: 99%\n  window: 30d\n  backend: prometheus\n"
        "  good: count(events.user_id)\n  total: 'sum(rate(x[$window]))'\n}\n",
        [("MC203", 5, 9)],
    ),
]


def _found(result: Compilation) -> list[tuple[str, int, int]]:
    return [
        (d.code, d.span.line - LINES, d.span.column)
        for d in result.sorted_diagnostics()
        if d.span is not None
    ]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_is_located(
    write_project: Callable[[str], Compilation], text: str, expected: list[tuple[str, int, int]]
) -> None:
    result = write_project(PRELUDE + text)
    assert _found(result) == expected
    assert result.failed


def test_every_code_in_the_table_is_exercised() -> None:
    from metricc.diagnostics.codes import CODES

    covered = {code for _, _, found in CASES for code, _, _ in found}
    untested = {c for c in CODES if c.startswith(("MC1", "MC2")) and c not in covered}
    assert untested == set(), untested


def test_rendered_diagnostics(
    write_project: Callable[[str], Compilation], text_snapshot: SnapshotAssertion
) -> None:
    """One rendering of every case: the human output people see in review."""
    out = []
    for name, text, _ in CASES:
        result = write_project(PRELUDE + text)
        out.append(f"## {name}\n" + render_human(result.sorted_diagnostics(), result.sources))
    assert "\n".join(out) == text_snapshot


def test_did_you_mean_names_the_place(write_project: Callable[[str], Compilation]) -> None:
    result = write_project(
        PRELUDE + 'metric a {\n  title: "A"\n  owner: growht\n  grain: day\n'
        "  measure: count(events.user_id)\n}\n"
    )
    (diagnostic,) = result.diagnostics
    assert diagnostic.help == "did you mean `growth` (project/main.metric:1:6)?"


def test_duplicate_points_at_both_places(write_project: Callable[[str], Compilation]) -> None:
    result = write_project({"a.metric": PRELUDE, "b.metric": 'team growth { title: "G" }\n'})
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "MC108"
    assert diagnostic.span is not None and diagnostic.span.file == "project/b.metric"
    assert [s.span.file for s in diagnostic.secondary] == ["project/a.metric"]


@pytest.mark.parametrize(
    ("before", "extra"),
    [("", 0), ("日本語 ", 3), ("🚀 ", 1), ("e\u0301 ", -1), ("ｆｕｌｌ ", 4)],
)
def test_the_caret_is_under_the_problem_as_a_terminal_shows_the_line(
    write_project: Callable[[str], Compilation], before: str, extra: int
) -> None:
    """Wide characters (CJK, emoji, full-width forms) take two columns, combining
    marks none: the caret is counted in columns (`extra` more than characters)."""
    result = write_project(f'team t {{\n  title: "{before}x"  review: weekyl\n}}\n')
    lines = render_human(result.sorted_diagnostics(), result.sources).splitlines()
    shown = next(line for line in lines if "weekyl" in line and " | " in line)
    caret = lines[lines.index(shown) + 1]
    assert caret.index("^") == shown.index("weekyl") + extra
    assert caret.count("^") == len("weekyl")
