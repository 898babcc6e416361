"""Running SQL on a warehouse: which engine a `--db` names, and how to reach it.

`--db` is a DuckDB file path (the embedded default). Every engine returns
rows as dicts of plain Python values, so formatting never cares where they
came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class WarehouseError(Exception):
    """A warehouse that cannot be reached or queried; the message says why."""


@dataclass(frozen=True)
class Target:
    """A parsed `--db`: the engine, the dialect its SQL is written in, and where."""

    engine: str
    dialect: str
    location: str

    @property
    def shown(self) -> str:
        return self.location


def parse_target(db: str) -> Target:
    return Target("duckdb", "duckdb", db)


def run(target: Target, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one query."""
    if target.engine == "duckdb":
        return _run_duckdb(target.location, sql)
    raise WarehouseError(f"unsupported warehouse `{target.shown}`")


def _run_duckdb(path: str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    file = Path(path)
    if not file.is_file():
        raise WarehouseError(
            f"no warehouse at `{path}`; create the sample one with "
            f"`metricc sample-warehouse {path}`, or pass --db"
        )
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error as error:
        raise WarehouseError(f"`{path}` is not a DuckDB database: {error}") from error
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
    except duckdb.CatalogException as error:
        raise WarehouseError(f"the query does not fit `{path}`: {_first_line(error)}") from error
    except duckdb.Error as error:
        raise WarehouseError(f"the query failed on `{path}`: {_first_line(error)}") from error
    finally:
        con.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
