"""One test per row of the dialect table: each quirk renders as the engine needs."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from metricc.backends.sql import QueryOptions, metric_sql
from metricc.backends.sql.dialects import QUIRKS, date_series, epoch_seconds, percentile, truncate
from metricc.backends.sql.expressions import divide
from metricc.pipeline import check_project
from tests.conftest import METRICS

TS = exp.column("t")

WEEK_START = {
    "duckdb": "DATE_TRUNC('WEEK', t)",
    "postgres": "DATE_TRUNC('WEEK', t)",
    "spark": "DATE_TRUNC('WEEK', t)",
    "snowflake": "DATE_TRUNC('WEEK', t)",
    "bigquery": "TIMESTAMP_TRUNC(t, ISOWEEK)",
    "trino": "DATE_TRUNC('WEEK', t)",
    "redshift": "DATE_TRUNC('WEEK', t)",
}
PERCENTILE = {
    "duckdb": "QUANTILE_CONT(x, 0.95)",
    "postgres": "PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY x)",
    "spark": "PERCENTILE(x, 0.95)",
    "snowflake": "PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY x)",
    "bigquery": "APPROX_QUANTILES(x",
    "trino": "APPROX_PERCENTILE(x, 0.95)",
    "redshift": "PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY x)",
}
EPOCH = {
    "duckdb": "EPOCH(t)",
    "postgres": "DATE_PART('epoch', t)",
    "spark": "UNIX_TIMESTAMP(t)",
    "snowflake": "EXTRACT(epoch_second FROM t)",
    "bigquery": "UNIX_SECONDS(CAST(t AS TIMESTAMP))",
    "trino": "TO_UNIXTIME(t)",
    "redshift": "DATE_PART('epoch', t)",
}


def test_the_table_covers_every_supported_dialect() -> None:
    assert set(QUIRKS) == set(WEEK_START) == set(PERCENTILE) == set(EPOCH)


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_week_starts_on_monday(dialect: str) -> None:
    assert WEEK_START[dialect] in truncate(dialect, TS, "week").sql(dialect=dialect)


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_continuous_percentile(dialect: str) -> None:
    sql = percentile(dialect, exp.column("x"), exp.Literal.number("0.95")).sql(dialect=dialect)
    assert PERCENTILE[dialect] in sql
    assert sqlglot.parse_one(f"SELECT {sql} FROM t", read=dialect) is not None


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_epoch_seconds(dialect: str) -> None:
    assert epoch_seconds(dialect, TS).sql(dialect=dialect) == EPOCH[dialect]


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_division_is_never_integer_division(dialect: str) -> None:
    sql = divide(exp.column("a"), exp.column("b")).sql(dialect=dialect)
    assert "CAST(a AS" in sql and "NULLIF(b, 0)" in sql


def test_executed_dialects_are_marked() -> None:
    assert {d for d, q in QUIRKS.items() if q.executed} == {"duckdb", "postgres", "spark"}


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_a_day_is_a_date_cast(dialect: str) -> None:
    assert truncate(dialect, TS, "day").sql(dialect=dialect) == "CAST(t AS DATE)"


@pytest.mark.parametrize("grain", ["week", "month", "quarter", "year"])
@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_a_truncation_built_as_date_trunc_prints_as_sqlglot_s_timestamp_trunc(
    dialect: str, grain: str
) -> None:
    """The `trunc` quirk only picks the node quicker to print: the SQL is the same."""
    quirk = QUIRKS[dialect]
    unit = quirk.week_unit if grain == "week" else grain.upper()
    theirs = exp.TimestampTrunc(this=TS.copy(), unit=exp.var(unit))
    ours = truncate(dialect, TS.copy(), grain)
    assert isinstance(ours.this, exp.DateTrunc if quirk.trunc == "date_trunc" else type(theirs))
    assert ours.sql(dialect=dialect) == f"CAST({theirs.sql(dialect=dialect)} AS DATE)"


def test_spines_in_the_select_list_only_where_executed() -> None:
    """A set-returning select list is engine-specific: only engines we run get one."""
    in_select = {d for d, q in QUIRKS.items() if q.spine == "select"}
    assert in_select == {"duckdb", "postgres"}
    assert all(QUIRKS[d].executed for d in in_select)


def test_duckdb_date_series_is_what_sqlglot_makes_of_a_date_array() -> None:
    """The DuckDB spelling is built directly only to skip sqlglot's rewrite: same SQL."""
    parts = (
        exp.column("lo", "b"),
        exp.column("hi", "b"),
        exp.Interval(this=exp.Literal.string("7"), unit=exp.var("DAY")),
    )
    ours = date_series("duckdb", *(p.copy() for p in parts))
    assert ours.sql(dialect="duckdb") == exp.GenerateDateArray(
        start=parts[0], end=parts[1], step=parts[2]
    ).sql(dialect="duckdb")
    assert [d for d, q in QUIRKS.items() if q.series != "date_array"] == ["duckdb"]


def test_monday_on_duckdb() -> None:
    sql = truncate(
        "duckdb", exp.cast(exp.Literal.string("2026-01-01 12:00:00"), "timestamp"), "week"
    ).sql(dialect="duckdb")
    assert duckdb.connect().execute(f"SELECT {sql}").fetchone()[0] == date(2025, 12, 29)


def test_percentile_interpolates_on_duckdb() -> None:
    sql = percentile("duckdb", exp.column("x"), exp.Literal.number("0.25")).sql(dialect="duckdb")
    got = duckdb.connect().execute(f"SELECT {sql} FROM (VALUES (10.0), (20.0), (30.0)) t(x)")
    assert got.fetchone()[0] == pytest.approx(15.0)


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_snowflake_spines_use_functions_snowflake_has(grain: str) -> None:
    """sqlglot rewrites only one-unit date series for Snowflake (ARRAY_GENERATE_RANGE);
    a 7-day step stayed GENERATE_DATE_ARRAY, which Snowflake does not have."""
    project = check_project(METRICS).project
    assert project is not None
    sql = metric_sql(project, "ctr", "snowflake", QueryOptions(grain=grain))
    assert "GENERATE_DATE_ARRAY" not in sql and "ARRAY_GENERATE_RANGE" in sql
    assert sqlglot.parse(sql, read="snowflake")
