"""The functions the expression language knows, as data.

The resolver checks names and arities against these tables; the SQL backend
maps each name to a sqlglot node. One table, so the two can never disagree.
"""

from __future__ import annotations

from typing import NamedTuple


class Signature(NamedTuple):
    min_args: int
    max_args: int | None  # None: any number
    doc: str


AGGREGATES: dict[str, Signature] = {
    "count": Signature(1, 1, "rows where the argument is not null"),
    "count_distinct": Signature(1, 1, "distinct non-null values"),
    "sum": Signature(1, 1, "sum of the values (0 in an empty period)"),
    "avg": Signature(1, 1, "mean of the values (null in an empty period)"),
    "min": Signature(1, 1, "smallest value"),
    "max": Signature(1, 1, "largest value"),
    "median": Signature(1, 1, "continuous median (interpolated)"),
    "percentile": Signature(2, 2, "continuous percentile: percentile(expr, 0.95)"),
}

# Aggregates that give 0, not null, over no rows: zero-filled in empty periods.
ADDITIVE = frozenset({"count", "count_distinct", "sum"})

SCALARS: dict[str, Signature] = {
    "abs": Signature(1, 1, "absolute value"),
    "round": Signature(1, 2, "round(x[, digits])"),
    "floor": Signature(1, 1, "largest integer not above x"),
    "ceil": Signature(1, 1, "smallest integer not below x"),
    "coalesce": Signature(1, None, "first non-null argument"),
    "nullif": Signature(2, 2, "null when both arguments are equal"),
    "greatest": Signature(2, None, "largest argument"),
    "least": Signature(2, None, "smallest argument"),
    "upper": Signature(1, 1, "text in upper case"),
    "lower": Signature(1, 1, "text in lower case"),
    "trim": Signature(1, 1, "text without surrounding spaces"),
    "length": Signature(1, 1, "number of characters"),
    "concat": Signature(1, None, "texts joined"),
    "date": Signature(1, 1, "the date part of a timestamp"),
    "seconds_between": Signature(2, 2, "seconds from the first time to the second"),
    "minutes_between": Signature(2, 2, "minutes from the first time to the second, fractional"),
    "hours_between": Signature(2, 2, "hours from the first time to the second, fractional"),
    "days_between": Signature(2, 2, "days from the first time to the second, fractional"),
}

# Seconds per unit for the *_between functions.
BETWEEN_UNITS = {
    "seconds_between": 1,
    "minutes_between": 60,
    "hours_between": 3600,
    "days_between": 86400,
}
