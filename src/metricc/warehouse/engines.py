"""Running SQL on a warehouse: which engine a `--db` names, and how to reach it.

    warehouse.duckdb                     an embedded DuckDB file (the default)
    postgresql://user:pw@host:5432/db    a PostgreSQL server (psycopg)
    spark:path/to/parquet                a local Spark session over Parquet tables

Every engine returns column names and rows of plain Python values, so
formatting never cares where they came from. Messages never show a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

Rows = tuple[list[str], list[tuple[Any, ...]]]


class WarehouseError(Exception):
    """A warehouse that cannot be reached or queried; the message says why."""


@dataclass(frozen=True)
class Target:
    """A parsed `--db`: the engine, the SQL dialect it speaks, and where it is."""

    engine: str
    dialect: str
    location: str

    @property
    def shown(self) -> str:
        """The location with any password replaced by `***`."""
        return redact(self.location)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def parse_target(db: str, base: Path | None = None) -> Target:
    """A warehouse named as `--db` takes it: a PostgreSQL URL, `spark:FOLDER` of Parquet
    files, else a DuckDB file. A relative file or folder is relative to `base` when
    given (the folder of the metricc.toml that names it), else to the working folder."""
    if re.match(r"postgres(ql)?://", db):
        return Target("postgres", "postgres", db)
    if db.startswith("spark:"):
        folder = db.removeprefix("spark:").removeprefix("//") or "."
        return Target("spark", "spark", _within(base, folder))
    return Target("duckdb", "duckdb", _within(base, db))


def _within(base: Path | None, location: str) -> str:
    return (
        str(base / location) if base is not None and not Path(location).is_absolute() else location
    )


def run(target: Target, sql: str) -> Rows:
    """Column names and rows of one query."""
    runner = {"duckdb": _run_duckdb, "postgres": _run_postgres, "spark": _run_spark}
    return runner[target.engine](target, sql)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return redact(text.splitlines()[0]) if text else type(error).__name__


def _run_duckdb(target: Target, sql: str) -> Rows:
    import duckdb

    path = target.location
    if not Path(path).is_file():
        raise WarehouseError(
            f"no warehouse at `{path}`; create the sample one with "
            f"`metricc sample-warehouse {path}`, or pass --db"
        )
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as error:
        raise WarehouseError(f"`{path}` is not a DuckDB database: {_first_line(error)}") from error
    try:
        cursor = con.execute(sql)
        return [d[0] for d in cursor.description or []], cursor.fetchall()
    except duckdb.CatalogException as error:
        raise WarehouseError(f"the query does not fit `{path}`: {_first_line(error)}") from error
    except duckdb.Error as error:
        raise WarehouseError(f"the query failed on `{path}`: {_first_line(error)}") from error
    finally:
        con.close()


def connect_postgres(url: str) -> Any:
    """A psycopg connection, or a WarehouseError naming the server without its password."""
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a dependency
        raise WarehouseError("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from error
    try:
        return psycopg.connect(url, connect_timeout=10, autocommit=True)
    except psycopg.Error as error:
        raise WarehouseError(f"cannot connect to {redact(url)}: {_first_line(error)}") from error


def _run_postgres(target: Target, sql: str) -> Rows:
    import psycopg

    with connect_postgres(target.location) as con:
        try:
            cursor = con.execute(sql.encode())
            return [d.name for d in cursor.description or []], cursor.fetchall()
        except psycopg.Error as error:
            raise WarehouseError(
                f"the query failed on {target.shown}: {_first_line(error)}"
            ) from error


_SPARK: dict[str, Any] = {}


def spark_session() -> Any:
    """One local Spark session per process: UTC, two cores, quiet."""
    if "session" not in _SPARK:
        try:
            from pyspark.sql import SparkSession
        except ImportError as error:
            raise WarehouseError("Spark needs pyspark (and Java): pip install pyspark") from error
        try:
            session = (
                SparkSession.builder.master("local[2]")
                .appName("metricc")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
        except Exception as error:  # Java missing or failing to start
            raise WarehouseError(f"cannot start Spark: {_first_line(error)}") from error
        session.sparkContext.setLogLevel("ERROR")
        _SPARK["session"] = session
    return _SPARK["session"]


def _run_spark(target: Target, sql: str) -> Rows:
    folder = Path(target.location)
    tables = sorted(folder.glob("*.parquet"))
    if not tables:
        raise WarehouseError(
            f"no Parquet tables in `{folder}`; write the sample ones with "
            f"`metricc sample-warehouse spark:{folder}`"
        )
    session = spark_session()
    if _SPARK.get("folder") != folder.resolve():
        for table in tables:
            session.read.parquet(str(table)).createOrReplaceTempView(table.stem)
        _SPARK["folder"] = folder.resolve()
    try:
        frame = session.sql(sql.strip().rstrip(";"))
        rows = frame.collect()
    except Exception as error:
        raise WarehouseError(f"the query failed on Spark: {_first_line(error)}") from error
    return list(frame.columns), [tuple(row) for row in rows]
