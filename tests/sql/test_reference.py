"""Every reference metric: the generated DuckDB SQL agrees with the hand-written oracle."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metricc.backends.sql import metric_sql
from metricc.model.semantic import Project
from tests.conftest import ROOT

ORACLE = Path(__file__).resolve().parents[1] / "reference_sql"
NAMES = sorted(p.stem for p in ORACLE.glob("*.sql") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Any:
    connection = duckdb.connect(str(warehouse), read_only=True)
    connection.execute((ORACLE / "_macros.sql").read_text())
    yield connection
    connection.close()


def rows(con: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = con.execute(sql)
    return [d[0] for d in cursor.description], cursor.fetchall()


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def test_every_reference_metric_has_an_oracle(reference_project: Project) -> None:
    assert set(NAMES) == set(reference_project.metrics)


@pytest.mark.parametrize("name", NAMES)
def test_generated_sql_matches_oracle(reference_project: Project, con: Any, name: str) -> None:
    got_columns, got = rows(con, metric_sql(reference_project, name, "duckdb"))
    want_columns, want = rows(con, (ORACLE / f"{name}.sql").read_text())
    assert got_columns[: len(want_columns)] == want_columns
    assert len(got) == len(want) > 0
    for ours, theirs in zip(got, want, strict=True):
        assert ours[0] == theirs[0], (name, ours, theirs)
        for column, a, b in zip(want_columns[1:], ours[1:], theirs[1:], strict=False):
            assert same(a, b), (name, ours[0], column, a, b)


@pytest.mark.parametrize("name", NAMES)
def test_query_command_json_matches_oracle(
    con: Any, warehouse: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What users run: `metricc query NAME --db W --format json`."""
    import json

    from click.testing import CliRunner

    from metricc.cli import main

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["query", name, "--db", str(warehouse), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    want_columns, want = rows(con, (ORACLE / f"{name}.sql").read_text())
    assert len(got) == len(want)
    for record, theirs in zip(got, want, strict=True):
        assert record["period"] == theirs[0].isoformat()
        for column, b in zip(want_columns[1:], theirs[1:], strict=True):
            assert same(record[column], b), (name, record["period"], column)


def test_query_command_csv_is_the_json_as_csv(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Booleans as JSON writes them, and a header even without rows."""
    import csv
    import json

    from click.testing import CliRunner

    from metricc.cli import main

    monkeypatch.chdir(ROOT)
    base = ["query", "activation_rate", "--db", str(warehouse)]
    as_json = json.loads(CliRunner().invoke(main, [*base, "--format", "json"]).stdout)
    rows = list(
        csv.DictReader(CliRunner().invoke(main, [*base, "--format", "csv"]).stdout.splitlines())
    )
    assert [r["low_sample"] for r in rows] == [str(j["low_sample"]).lower() for j in as_json]
    assert {"true", "false"} >= {r["low_sample"] for r in rows}
    from metricc.results import to_csv

    assert to_csv([], ["period", "value"]) == "period,value\n"
