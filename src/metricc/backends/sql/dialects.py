"""Where SQL engines disagree, as data: one row per dialect.

The query builder asks this table instead of branching on dialect names, so
a new engine is a new row. Every entry has a test (tests/sql/test_dialects.py);
docs/dialects.md says which engines are executed for real and which are
checked by parsing only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlglot import exp


@dataclass(frozen=True)
class Quirks:
    """How one engine spells what metricc needs."""

    # Truncation unit that starts weeks on Monday.
    week_unit: str = "WEEK"
    # Continuous percentile: `quantile_cont(x, p)`, `percentile_cont(p) within group`,
    # Spark's exact `percentile(x, p)`, or an approximation where no exact one exists.
    percentile: Literal["quantile_cont", "within_group", "spark", "approx"] = "within_group"
    # Seconds since the epoch of a timestamp.
    epoch: Literal["time_to_unix", "unix_seconds"] = "time_to_unix"
    # Where the period spine unnests its date series: in the select list, reading
    # the bounds as columns (one pass), or in FROM with the bounds as two scalar
    # subqueries (engines whose UNNEST or generators may not appear in a select list).
    spine: Literal["select", "from"] = "from"
    # Whether the spine steps by one calendar unit (1 WEEK, 1 QUARTER) rather than
    # 7 days or 3 months: sqlglot turns only one-unit steps into Snowflake's
    # ARRAY_GENERATE_RANGE (it has no GENERATE_DATE_ARRAY).
    calendar_step: bool = False
    # How the spine's dates are generated: GENERATE_DATE_ARRAY, which sqlglot spells
    # for each engine, or DuckDB's GENERATE_SERIES cast to DATE[] built directly (what
    # sqlglot makes of the former, parsing the type `ARRAY<DATE>` for every query).
    series: Literal["date_array", "generate_series"] = "date_array"
    # The node a period's truncation is built as: sqlglot's TimestampTrunc, or a
    # DateTrunc where the engine spells both alike (DuckDB's printer builds a new
    # DATE_TRUNC call for every TimestampTrunc: 0.1 ms against 0.03).
    trunc: Literal["timestamp_trunc", "date_trunc"] = "timestamp_trunc"
    # Whether sqlglot rewrites the tree it prints (the date series, for engines
    # without GENERATE_DATE_ARRAY): a tree printed once cannot be printed again.
    rewrites: bool = False
    # Whether the engine executes the SQL in our test suite (else: parse-checked only).
    executed: bool = False
    # Whether ROUND(x, digits) takes only exact numbers (PostgreSQL has no
    # ROUND(double precision, integer)): x is rounded as NUMERIC and comes back DOUBLE.
    round_exact: bool = False
    # Words the engine reserves that sqlglot prints bare: such a name is quoted, in
    # the case the engine folds unquoted names to (Snowflake: `"GROUP"`).
    reserved: frozenset[str] = frozenset()
    # How identifiers are quoted: "safe" quotes names whose case the engine would not change.
    identify: bool | str = "safe"
    note: str = ""


# The words Snowflake reserves (its "Reserved & limited keywords" that cannot name a
# column or table without quotes).
SNOWFLAKE_RESERVED = frozenset(
    """
    ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION
    CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP
    CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL
    GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE
    JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER
    ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME
    START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING
    VALUES VIEW WHEN WHENEVER WHERE WITH
    """.split()  # noqa: SIM905 (a word list reads better as words)
)

QUIRKS: dict[str, Quirks] = {
    "duckdb": Quirks(
        percentile="quantile_cont",
        spine="select",
        series="generate_series",
        trunc="date_trunc",
        executed=True,
        note="the embedded default; every reference metric is checked here",
    ),
    "postgres": Quirks(
        spine="select",
        trunc="date_trunc",
        round_exact=True,
        executed=True,
        note="executed against a real server in CI",
    ),
    "spark": Quirks(
        percentile="spark", executed=True, note="executed with a local pyspark session in CI"
    ),
    "snowflake": Quirks(
        calendar_step=True,
        reserved=SNOWFLAKE_RESERVED,
        trunc="date_trunc",
        rewrites=True,
        note="weeks start on Monday with the default WEEK_START = 0",
    ),
    "bigquery": Quirks(
        week_unit="ISOWEEK",
        percentile="approx",
        epoch="unix_seconds",
        note="PERCENTILE_CONT is analytic-only: percentiles use APPROX_QUANTILES",
    ),
    "trino": Quirks(
        percentile="approx", trunc="date_trunc", note="no exact percentile: approx_percentile"
    ),
    "redshift": Quirks(trunc="date_trunc", rewrites=True, note="percentile_cont as an aggregate"),
}

DEFAULT_DIALECT = "duckdb"


def cast(value: exp.Expr, kind: str) -> exp.Expr:
    """CAST(value AS kind) without parsing the type name (builders parse strings)."""
    return exp.Cast(this=value, to=exp.DataType(this=exp.DataType.Type[kind.upper()]))


_DATE_ARRAY = exp.DataType(
    this=exp.DataType.Type.ARRAY,
    expressions=[exp.DataType(this=exp.DataType.Type.DATE)],
    nested=True,
)


def date_series(dialect: str, start: exp.Expr, end: exp.Expr, step: exp.Expr) -> exp.Expr:
    """Every date from `start` to `end` by `step`, as an array of DATEs.

    Built in DuckDB's own spelling there: printing sqlglot's GENERATE_DATE_ARRAY for
    DuckDB took 0.28 ms against 0.08 ms (a tenth of building and printing a query).
    """
    if quirks(dialect).series == "generate_series":
        series = exp.GenerateSeries(start=start, end=end, step=step)
        return exp.Cast(this=series, to=_DATE_ARRAY.copy())
    return exp.GenerateDateArray(start=start, end=end, step=step)


def quirks(dialect: str) -> Quirks:
    """The row for a dialect; sqlglot dialects not in the table get the defaults."""
    return QUIRKS.get(dialect, Quirks())


def percentile(dialect: str, value: exp.Expr, fraction: exp.Expr) -> exp.Expr:
    style = quirks(dialect).percentile
    if style == "quantile_cont":
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[value, fraction])
    if style == "spark":
        return exp.Anonymous(this="PERCENTILE", expressions=[value, fraction])
    if style == "approx":
        return exp.ApproxQuantile(this=value, quantile=fraction)
    return exp.WithinGroup(
        this=exp.PercentileCont(this=fraction),
        expression=exp.Order(expressions=[exp.Ordered(this=value, nulls_first=False)]),
    )


def epoch_seconds(dialect: str, value: exp.Expr) -> exp.Expr:
    """Seconds since the epoch of a time. BigQuery's UNIX_SECONDS takes a TIMESTAMP
    alone (sqlglot's TIMESTAMPTZ): a DATE (`date(x)`) or a DATETIME column, the
    contract's times without zone, is cast to one first (read as UTC)."""
    if quirks(dialect).epoch == "unix_seconds":
        return exp.Anonymous(this="UNIX_SECONDS", expressions=[cast(value, "timestamptz")])
    return exp.TimeToUnix(this=value)


def truncate(dialect: str, value: exp.Expr, grain: str) -> exp.Expr:
    """The first day of the period containing `value`, as a DATE.

    A day is a plain cast: every engine truncates a timestamp cast to DATE, and
    DuckDB groups by it in about a third less time than by DATE_TRUNC('DAY', ...).
    """
    if grain == "day":
        return cast(value, "date")
    quirk = quirks(dialect)
    unit = quirk.week_unit if grain == "week" else grain.upper()
    if quirk.trunc == "date_trunc":
        trunc = exp.DateTrunc(this=value, unit=exp.Literal.string(unit))  # type: ignore[no-untyped-call]
        return cast(trunc, "date")
    return cast(exp.TimestampTrunc(this=value, unit=exp.var(unit)), "date")
