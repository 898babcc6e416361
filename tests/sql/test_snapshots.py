"""Generated SQL per dialect: snapshots to review, and every query parses back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from syrupy.assertion import SnapshotAssertion

from metricc.backends.sql import QUIRKS, QueryOptions, metric_sql, sql_files
from metricc.model.semantic import Project
from metricc.pipeline import check_project
from tests.conftest import CORPUS, METRICS, ROOT

DIALECTS = list(QUIRKS)


def _project(path: Path) -> Project:
    result = check_project(path.relative_to(ROOT))
    assert [d.message for d in result.diagnostics] == []
    assert result.project is not None
    return result.project


@pytest.fixture(scope="module")
def kinds(request: pytest.FixtureRequest) -> Project:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return _project(CORPUS / "sql" / "kinds.metric")


@pytest.fixture(scope="module")
def reference() -> Project:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return _project(METRICS)


KINDS = [
    "simple_count",
    "compound_measure",
    "p90",
    "cross_source_ratio",
    "derived",
    "trailing",
    "trailing_avg",
    "funnel",
    "churn",
    "hours",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("metric", KINDS)
def test_sql_snapshot(
    kinds: Project, metric: str, dialect: str, sql_snapshot: SnapshotAssertion
) -> None:
    assert metric_sql(kinds, metric, dialect) == sql_snapshot


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_breakdown_and_range_snapshot(
    kinds: Project, dialect: str, sql_snapshot: SnapshotAssertion
) -> None:
    from datetime import date

    options = QueryOptions(
        grain="month", dimensions=("platform",), start=date(2026, 2, 1), end=date(2026, 4, 30)
    )
    assert metric_sql(kinds, "simple_count", dialect, options) == sql_snapshot


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_reference_query_parses_in_its_dialect(reference: Project, dialect: str) -> None:
    for path, text in sql_files(reference, [dialect]).items():
        parsed = sqlglot.parse(text, read=dialect)
        assert len(parsed) == 1 and parsed[0] is not None, path


def test_sql_is_deterministic(reference: Project) -> None:
    assert sql_files(reference, DIALECTS) == sql_files(reference, DIALECTS)


def test_literals_and_identifiers_are_quoted_by_the_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.metric").write_text(
        "source s {\n  table: t\n  time: select\n}\n"
        'metric m {\n  title: "M"\n  grain: day\n'
        "  measure: count(s.order) where s.name = 'it''s; drop table t; --'\n}\n"
    )
    result = check_project(Path("p"))
    assert result.project is not None
    sql = metric_sql(result.project, "m", "duckdb")
    assert "'it''s; drop table t; --'" in sql
    assert '"s"."select"' in sql and '"s"."order"' in sql
    (statement,) = sqlglot.parse(sql, read="duckdb")
    assert statement is not None


def test_parallel_rendering_gives_the_same_files(
    reference: Project, monkeypatch: pytest.MonkeyPatch
) -> None:

    serial = sql_files(reference, ["duckdb", "postgres"])
    import metricc.parallel as parallel

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    assert sql_files(reference, ["duckdb", "postgres"]) == serial


def test_unknown_dimension_is_a_clear_error(reference: Project) -> None:
    from metricc.backends.sql import QueryError

    with pytest.raises(QueryError, match="cannot be broken down by `plat`.*platform, country"):
        metric_sql(reference, "dau", "duckdb", QueryOptions(dimensions=("plat",)))
