"""The generated SQL runs, and agrees, on DuckDB, a real PostgreSQL server and Spark.

For every reference metric: the same periods, and values within 1e-9 relative
difference (percentiles included), on the same sample rows loaded into each.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from metricc.backends.sql import metric_sql
from metricc.model.semantic import Project
from metricc.pipeline import check_project
from metricc.warehouse.engines import parse_target, run
from tests.conftest import METRICS, ROOT

with pytest.MonkeyPatch.context() as _patch:
    _patch.chdir(ROOT)
    _RESULT = check_project(METRICS.relative_to(ROOT))
assert _RESULT.project is not None
PROJECT: Project = _RESULT.project


@pytest.fixture(scope="module")
def engines(warehouse: Path, postgres_url: str, spark_folder: Path) -> dict[str, str]:
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


@pytest.mark.parametrize("name", sorted(PROJECT.metrics))
def test_engines_agree(engines: dict[str, str], name: str) -> None:
    results: dict[str, list[tuple[Any, ...]]] = {}
    for dialect, db in engines.items():
        columns, rows = run(parse_target(db), metric_sql(PROJECT, name, dialect))
        assert columns[:2] == ["period", "value"], (dialect, columns)
        results[dialect] = [tuple(_normal(v) for v in row) for row in rows]
    reference = results.pop("duckdb")
    assert reference
    for dialect, rows in results.items():
        assert [r[0] for r in rows] == [r[0] for r in reference], (dialect, name)
        for ours, theirs in zip(rows, reference, strict=True):
            for a, b in zip(ours[1:], theirs[1:], strict=True):
                assert _agree(a, b), (dialect, name, ours[0], a, b)


def test_query_command_on_postgres_and_spark(
    engines: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from metricc.cli import main

    monkeypatch.chdir(ROOT)
    outputs = {}
    for dialect, db in engines.items():
        result = CliRunner().invoke(main, ["query", "churn_rate", "--db", db, "--format", "json"])
        assert result.exit_code == 0, result.output
        outputs[dialect] = json.loads(result.stdout)
    assert outputs["postgres"] == outputs["duckdb"] == outputs["spark"]


def test_connection_errors_hide_the_password() -> None:
    from click.testing import CliRunner

    from metricc.cli import main

    result = CliRunner().invoke(
        main, ["query", "dau", "--db", "postgresql://metricc:s3cret@127.0.0.1:1/nope"]
    )
    assert result.exit_code == 1
    assert "s3cret" not in result.output
    assert "postgresql://metricc:***@127.0.0.1:1/nope" in result.output


def test_missing_parquet_folder_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from metricc.cli import main

    result = CliRunner().invoke(main, ["query", "dau", "--db", f"spark:{tmp_path}"])
    assert result.exit_code == 1
    assert "no Parquet tables" in result.output
