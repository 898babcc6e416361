"""Real engines for the cross-engine tests: a PostgreSQL server and a Spark session.

Each fixture starts what it needs itself. Locally, a missing engine skips the
tests with a message saying how to install it; in CI (CI=true) it fails, so
these tests can never be silently skipped there.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from metricc.model.semantic import Project

PG_HINT = "install PostgreSQL (Debian: apt-get install postgresql) so initdb and pg_ctl are found"
SPARK_HINT = "install Java 17+ (Debian: apt-get install openjdk-17-jre-headless) and pyspark"


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {message}")
    pytest.skip(message)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for version in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (version / name).exists():
            return str(version / name)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a unix socket in a temp folder."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _missing(PG_HINT)
    assert initdb and pg_ctl
    folder = Path(tempfile.mkdtemp(prefix="metricc-pg-", dir="/tmp"))
    data, socket = folder / "data", folder
    # initdb refuses to run as root: run the server as the `postgres` user then.
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _missing("running as root needs runuser to start PostgreSQL as `postgres`")
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    user = "postgres" if prefix else os.environ.get("USER", "postgres")

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    run(initdb, "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-locale")
    run(
        pg_ctl,
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-w",
        "-t",
        "60",
        "-o",
        f"-k {socket} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
        "start",
    )
    try:
        url = f"postgresql://{user}@/postgres?host={socket}"
        yield url
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def spark_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample warehouse as Parquet, with a Spark session able to read it."""
    from metricc.warehouse.engines import WarehouseError, spark_session
    from metricc.warehouse.sample import write_parquet

    try:
        import pyspark  # noqa: F401
    except ImportError:
        _missing(SPARK_HINT)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _missing(SPARK_HINT)
    try:
        spark_session()
    except WarehouseError as error:
        _missing(f"{error}; {SPARK_HINT}")
    folder = tmp_path_factory.mktemp("parquet")
    write_parquet(folder)
    return folder


@pytest.fixture(scope="session")
def engines(warehouse: Path, postgres_url: str, spark_folder: Path) -> dict[str, str]:
    """The sample warehouse on each engine, by dialect (DuckDB first: the reference)."""
    from metricc.warehouse.sample import write_postgres

    write_postgres(postgres_url)
    return {"duckdb": str(warehouse), "postgres": postgres_url, "spark": f"spark:{spark_folder}"}


def _normal(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return float(value)


def _agree(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def assert_engines_agree(engines: dict[str, str], project: Project, name: str) -> None:
    """A metric's query runs on every engine: the same periods, values within 1e-9."""
    from metricc.backends.sql import metric_sql
    from metricc.warehouse.engines import parse_target, run

    results: dict[str, list[tuple[Any, ...]]] = {}
    for dialect, db in engines.items():
        columns, rows = run(parse_target(db), metric_sql(project, name, dialect))
        assert columns[:2] == ["period", "value"], (dialect, columns)
        results[dialect] = [tuple(_normal(v) for v in row) for row in rows]
    reference = results.pop("duckdb")
    assert reference
    for dialect, rows in results.items():
        assert [r[0] for r in rows] == [r[0] for r in reference], (dialect, name)
        for ours, theirs in zip(rows, reference, strict=True):
            for a, b in zip(ours[1:], theirs[1:], strict=True):
                assert _agree(a, b), (dialect, name, ours[0], a, b)
