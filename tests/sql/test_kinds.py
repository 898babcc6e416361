"""Definitions nobody tuned the compiler for: small tables, answers worked out by hand.

Each case is a metric written in the language, a few rows, and the expected
rows of the query (period, [dimensions], value[, numerator, denominator]).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pytest

from metricc.backends.sql import QueryOptions, metric_sql
from metricc.pipeline import Compilation

SOURCES = """
source ev {
  table: ev
  time: t
  entity user: u
  dimension kind: k
}
source st {
  table: st
  valid_from: a
  valid_to: b
}
source other {
  table: other
  time: t
}
"""

# Events: (u, t, k, x). 2026-01-01 is a Thursday; the week of 2026-01-12 is empty.
EVENTS = [
    (1, "2026-01-01 10:00:00", "a", 10.0),
    (2, "2026-01-02 11:00:00", "b", 20.0),
    (1, "2026-01-05 09:00:00", "a", None),
    (3, "2026-01-06 23:59:59", "a", 30.0),
    (2, "2026-01-19 00:00:00", "b", 40.0),
    (4, "2026-01-20 12:00:00", "signup", None),
    (4, "2026-02-03 12:00:00", "buy", None),
    (5, "2026-01-20 12:00:00", "signup", None),
    (5, "2026-02-03 12:00:01", "buy", None),
]
# States: (a, b): started and cancelled.
STATES = [
    ("2025-12-15 00:00:00", "2026-02-01 00:00:00"),
    ("2026-01-10 00:00:00", None),
    ("2026-01-20 00:00:00", "2026-03-05 00:00:00"),
    ("2026-02-10 00:00:00", None),
]
OTHER = [("2026-01-08 00:00:00", 5.0), ("2026-03-30 00:00:00", 7.0)]


def metric(body: str, name: str = "m") -> str:
    return f'metric {name} {{\n  title: "M"\n{body}\n}}\n'


W = [
    date(2025, 12, 29),
    date(2026, 1, 5),
    date(2026, 1, 12),
    date(2026, 1, 19),
    date(2026, 1, 26),
    date(2026, 2, 2),
]

CASES: list[tuple[str, str, QueryOptions, list[tuple[Any, ...]]]] = [
    (
        "weeks-start-monday-with-empty-week",
        metric("  grain: week\n  measure: count(ev.u)"),
        QueryOptions(),
        list(zip(W, [2.0, 2.0, 0.0, 3.0, 0.0, 2.0], strict=True)),
    ),
    (
        "avg-is-null-when-empty",
        metric("  grain: week\n  measure: avg(ev.x)"),
        QueryOptions(),
        list(zip(W, [15.0, 30.0, None, 40.0, None, None], strict=True)),
    ),
    (
        "count-skips-nulls-sum-zero-fills",
        metric("  grain: week\n  measure: count(ev.x) + sum(ev.x)"),
        QueryOptions(),
        list(zip(W, [32.0, 31.0, 0.0, 41.0, 0.0, 0.0], strict=True)),
    ),
    (
        "ratio-zero-denominator-is-null",
        metric(
            "  grain: week\n  numerator: count(ev.u) where ev.k = 'a'\n"
            "  denominator: count(ev.u) where ev.k = 'b'"
        ),
        QueryOptions(),
        [
            (W[0], 1.0, 1.0, 1.0),
            (W[1], None, 2.0, 0.0),
            (W[2], None, 0.0, 0.0),
            (W[3], 0.0, 0.0, 1.0),
            (W[4], None, 0.0, 0.0),
            (W[5], None, 0.0, 0.0),
        ],
    ),
    (
        "ratio-sides-with-one-filter",
        metric(
            "  grain: week\n  numerator: sum(ev.x) - count(ev.x) where ev.k = 'a'\n"
            "  denominator: sum(ev.x) where ev.k = 'a'"
        ),
        QueryOptions(),
        [
            (W[0], 0.9, 9.0, 10.0),
            (W[1], 29 / 30, 29.0, 30.0),
            (W[2], None, 0.0, 0.0),
            (W[3], None, 0.0, 0.0),
            (W[4], None, 0.0, 0.0),
            (W[5], None, 0.0, 0.0),
        ],
    ),
    (
        "median-interpolates",
        metric("  grain: month\n  measure: median(ev.x)"),
        QueryOptions(),
        [(date(2026, 1, 1), 25.0), (date(2026, 2, 1), None)],
    ),
    (
        "percentile-as-percent",
        metric("  grain: month\n  measure: percentile(ev.x, 25%)"),
        QueryOptions(),
        [(date(2026, 1, 1), 17.5), (date(2026, 2, 1), None)],
    ),
    (
        "window-3-days",
        metric("  grain: day\n  measure: count_distinct(ev.u)\n  window: 3d"),
        QueryOptions(start=date(2026, 1, 4), end=date(2026, 1, 9)),
        [
            (date(2026, 1, 4), 1.0),
            (date(2026, 1, 5), 1.0),
            (date(2026, 1, 6), 2.0),
            (date(2026, 1, 7), 2.0),
            (date(2026, 1, 8), 1.0),
            (date(2026, 1, 9), 0.0),
        ],
    ),
    (
        "window-at-week-grain-takes-last-day",
        metric("  grain: week\n  measure: count_distinct(ev.u)\n  window: 7d"),
        QueryOptions(),
        list(zip(W, [2.0, 2.0, 0.0, 3.0, 0.0, 2.0], strict=True)),
    ),
    (
        "cumulative-window",
        metric("  grain: week\n  measure: count_distinct(ev.u)\n  window: all"),
        QueryOptions(),
        list(zip(W, [2.0, 3.0, 3.0, 5.0, 5.0, 5.0], strict=True)),
    ),
    (
        "conversion-limit-is-inclusive",
        metric("  grain: week\n  conversion: ev.k = 'signup' -> ev.k = 'buy' within 14d by user"),
        QueryOptions(start=date(2026, 1, 19), end=date(2026, 1, 25)),
        [(W[3], 0.5, 1.0, 2.0)],
    ),
    (
        "states-churn",
        metric(
            "  grain: month\n  numerator: count(st.a) ended\n"
            "  denominator: count(st.a) active at start"
        ),
        QueryOptions(),
        [
            (date(2025, 12, 1), None, 0.0, 0.0),
            (date(2026, 1, 1), 0.0, 0.0, 1.0),
            (date(2026, 2, 1), 1.0 / 3, 1.0, 3.0),
            (date(2026, 3, 1), 1.0 / 3, 1.0, 3.0),
        ],
    ),
    (
        "states-started-and-active-at-end",
        metric(
            "  grain: month\n  numerator: count(st.a) started\n"
            "  denominator: count(st.a) active at end"
        ),
        QueryOptions(),
        [
            (date(2025, 12, 1), 1.0, 1.0, 1.0),
            (date(2026, 1, 1), 2.0 / 3, 2.0, 3.0),
            (date(2026, 2, 1), 1.0 / 3, 1.0, 3.0),
            (date(2026, 3, 1), 0.0, 0.0, 2.0),
        ],
    ),
    (
        "quarter-grain",
        metric("  grain: quarter\n  measure: sum(other.t2)").replace("other.t2", "ev.x"),
        QueryOptions(),
        [(date(2026, 1, 1), 100.0)],
    ),
    (
        "year-grain-from-option",
        metric("  grain: day\n  measure: count(ev.u)"),
        QueryOptions(grain="year"),
        [(date(2026, 1, 1), 9.0)],
    ),
    (
        "ratio-across-sources-unions-ranges",
        metric("  grain: month\n  numerator: sum(other.v)\n  denominator: count(ev.u)"),
        QueryOptions(),
        [
            (date(2026, 1, 1), 5.0 / 7, 5.0, 7.0),
            (date(2026, 2, 1), 0.0, 0.0, 2.0),
            (date(2026, 3, 1), None, 7.0, 0.0),
        ],
    ),
    (
        "breakdown-zero-fills-each-value",
        metric(
            "  grain: week\n  dimensions: kind\n  measure: count(ev.u) where ev.k in ('a', 'b')"
        ),
        QueryOptions(dimensions=("kind",), end=date(2026, 1, 11)),
        [(W[0], "a", 1.0), (W[0], "b", 1.0), (W[1], "a", 2.0), (W[1], "b", 0.0)],
    ),
]


def _load(con: Any) -> None:
    con.execute("CREATE TABLE ev (u BIGINT, t TIMESTAMP, k VARCHAR, x DOUBLE)")
    con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?)", EVENTS)
    con.execute("CREATE TABLE st (a TIMESTAMP, b TIMESTAMP)")
    con.executemany("INSERT INTO st VALUES (?, ?)", STATES)
    con.execute("CREATE TABLE other (t TIMESTAMP, v DOUBLE)")
    con.executemany("INSERT INTO other VALUES (?, ?)", OTHER)


CASES_BY_NAME = {case[0]: case[1] for case in CASES}


@pytest.mark.parametrize(
    ("text", "options", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_kind(
    write_project: Callable[[str], Compilation],
    text: str,
    options: QueryOptions,
    expected: list[tuple[Any, ...]],
) -> None:
    result = write_project(SOURCES + text)
    assert not result.failed, [d.message for d in result.diagnostics]
    assert result.project is not None
    con = duckdb.connect()
    _load(con)
    got = con.execute(metric_sql(result.project, "m", "duckdb", options)).fetchall()
    assert len(got) == len(expected), got
    for row, want in zip(got, expected, strict=True):
        assert len(row) == len(want), (row, want)
        for a, b in zip(row, want, strict=True):
            assert a == pytest.approx(b, rel=1e-9) if isinstance(b, float) else a == b, (row, want)


def test_formula_reaggregates_inputs_at_its_grain(
    write_project: Callable[[str], Compilation],
) -> None:
    """`daily_avg` is defined per day; at month grain it is re-aggregated, not averaged."""
    text = (
        SOURCES
        + metric("  grain: day\n  measure: sum(ev.x)", "daily_sum")
        + metric("  grain: day\n  measure: count(ev.x)", "daily_count")
        + metric("  grain: month\n  formula: daily_sum / daily_count")
    )
    result = write_project(text)
    assert result.project is not None
    con = duckdb.connect()
    _load(con)
    got = con.execute(metric_sql(result.project, "m", "duckdb")).fetchall()
    assert got == [(date(2026, 1, 1), 25.0), (date(2026, 2, 1), None)]


def test_sides_with_one_filter_share_it_and_their_aggregates(
    write_project: Callable[[str], Compilation],
) -> None:
    """One WHERE instead of a CASE per aggregate, and `sum(ev.x)` computed once."""
    result = write_project(SOURCES + CASES_BY_NAME["ratio-sides-with-one-filter"])
    assert result.project is not None
    sql = metric_sql(result.project, "m", "duckdb")
    assert "CASE" not in sql
    assert sql.count('SUM("ev"."x")') == 1
    assert sql.count('"ev"."k" = \'a\'') == 1
