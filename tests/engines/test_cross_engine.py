"""The generated SQL runs, and agrees, on DuckDB, a real PostgreSQL server and Spark.

For every reference metric: the same periods, and values within 1e-9 relative
difference (percentiles included), on the same sample rows loaded into each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metricc.model.semantic import Project
from metricc.pipeline import check_project
from tests.conftest import METRICS, ROOT
from tests.engines.conftest import assert_engines_agree

with pytest.MonkeyPatch.context() as _patch:
    _patch.chdir(ROOT)
    _RESULT = check_project(METRICS.relative_to(ROOT))
assert _RESULT.project is not None
PROJECT: Project = _RESULT.project


@pytest.mark.parametrize("name", sorted(PROJECT.metrics))
def test_engines_agree(engines: dict[str, str], name: str) -> None:
    assert_engines_agree(engines, PROJECT, name)


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
