"""Shared subtrees printed once give, byte for byte, what sqlglot prints of each tree."""

from __future__ import annotations

import textwrap

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

import metricc.backends.sql.query as query_module
from metricc.backends.alerts import checks_from_queries
from metricc.backends.sql import printing, render, sql_files
from metricc.backends.sql.dialects import QUIRKS, cast, quirks
from metricc.backends.sql.query import Shared, build_query
from metricc.model.semantic import Project
from metricc.pipeline import check_project
from tests.syntax.test_parallel_parse import _synthetic


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Every metric kind, many metrics over the same sources and grains, thresholds."""
    folder = tmp_path_factory.mktemp("synthetic") / "p"
    _synthetic().write_project(folder, 150, files=2)  # type: ignore[attr-defined]
    project = check_project(folder).project
    assert project is not None
    return project


def _plain(dialect: str) -> Generator:
    return Dialect.get_or_raise(dialect).generator(pretty=True, identify=quirks(dialect).identify)


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_queries_and_checks_print_as_when_each_tree_is_printed_whole(
    synthetic: Project, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = sql_files(synthetic, [dialect], also=checks_from_queries(synthetic))
    assert any(path.startswith("alerts/") for path in shared)  # checks printed from queries
    with monkeypatch.context() as patch:
        patch.setattr(printing, "_generator", _plain)
        patch.setattr(
            query_module,
            "build_query",
            lambda project, name, dialect, shared: build_query(project, name, dialect),
        )
        alone = sql_files(synthetic, [dialect], also=checks_from_queries(synthetic))
    assert shared == alone


def _starts(project: Project, metric: str, dialect: str, shared: Shared) -> list[object]:
    query = build_query(project, metric, dialect, shared=shared)
    bodies = [cte.this for cte in query.args["with_"].expressions[:2]]
    return [query, *(body.meta_get(printing.PRINTED) for body in bodies)]


def test_queries_over_the_same_sources_and_grain_share_their_start(synthetic: Project) -> None:
    first, second = [
        name
        for name, metric in synthetic.metrics.items()
        if synthetic.metric_sources(name) == ("events",) and metric.grain == "week"
    ][:2]
    shared = Shared(synthetic)
    query, bounds, spine = _starts(synthetic, first, "duckdb", shared)
    again, *printed = _starts(synthetic, second, "duckdb", shared)
    assert isinstance(bounds, printing.Printed) and printed == [bounds, spine]
    text = render(query, "duckdb")  # type: ignore[arg-type]
    kept = [textwrap.indent(p.texts["duckdb"], "  ") for p in (bounds, spine)]  # type: ignore[union-attr]
    assert all(body in text for body in kept)  # printed once, as the query holds it
    assert all(body in render(again, "duckdb") for body in kept)  # type: ignore[arg-type]
    held = [_bodies(q) for q in (query, again)]  # type: ignore[arg-type]
    assert all(a is b for a, b in zip(*held, strict=True))  # the very bodies, not copies
    assert all(body.parent.parent.parent is again for body in held[1])  # type: ignore[union-attr]
    shared.let_go()  # the last query is no longer reachable from the bodies
    assert all(body.parent is None for body in held[1]) and not shared.lent


def _bodies(query: exp.Select) -> list[exp.Expr]:
    return [cte.this for cte in query.args["with_"].expressions[:2]]


def test_no_tree_is_tagged_where_sqlglot_rewrites_it_while_printing(synthetic: Project) -> None:
    rewriting = [d for d, q in QUIRKS.items() if q.rewrites]
    assert rewriting
    name = next(iter(synthetic.metrics))
    for dialect in [*rewriting, "tsql"]:
        shared = Shared(synthetic)
        query, *printed = _starts(synthetic, name, dialect, shared)
        assert printed == [None, None]
        again = build_query(synthetic, name, dialect, shared=shared)  # printing may change it
        held = [_bodies(q) for q in (query, again)]  # type: ignore[arg-type]
        assert all(a is not b and a == b for a, b in zip(*held, strict=True))


def test_a_project_s_shared_parts_serve_no_other(
    synthetic: Project, reference_project: Project
) -> None:
    with pytest.raises(AssertionError, match="another project"):
        build_query(
            reference_project,
            next(iter(reference_project.metrics)),
            "duckdb",
            shared=Shared(synthetic),
        )


def _names(reserved: bool = True) -> exp.Select:
    """Names whose quoting differs (case, reserved words, digits, quotes, functions),
    and types as casts, parameters and element types print them."""
    plain = ["date", "double", "timestamp", "varchar", "text", "float", "int"]
    columns = [
        *(cast(exp.column("x"), kind) for kind in plain),
        *(exp.cast(exp.column("x"), kind) for kind in ["decimal(10, 2)", "array<date>"]),
        exp.column("UserId", "Events"),
        *([exp.column("order", "select")] if reserved else []),
        exp.column("1st", "t"),
        exp.column('say "hi"', "t", quoted=True),
        exp.column("plain", "t", quoted=True),
        exp.Anonymous(this="My_Func", expressions=[exp.column("x")]),
        exp.Anonymous(this=exp.to_identifier("Quoted_Func", quoted=True), expressions=[]),
    ]
    table = "Schema.Events" if reserved else "Analytics.Events"
    return exp.select(*columns, copy=False).from_(exp.to_table(table), copy=False)


@pytest.mark.parametrize("dialect", sorted(QUIRKS))
def test_names_and_types_printed_once_are_as_sqlglot_prints_them(dialect: str) -> None:
    """Except the reserved words sqlglot prints bare for an engine (next test)."""
    reserved = not QUIRKS[dialect].reserved
    expected = _plain(dialect).generate(_names(reserved), copy=False)
    assert render(_names(reserved), dialect) == expected
    assert render(_names(reserved), dialect) == expected  # the second time from what was kept


def test_snowflake_s_reserved_words_are_quoted_as_it_folds_names() -> None:
    query = exp.select(
        exp.column("group", "t"), exp.column("start", "t"), exp.column("amount", "t"), copy=False
    ).from_(exp.to_table("order_items"), copy=False)
    query = query.where(exp.column("from", "t").neq(exp.Literal.string("x")), copy=False)
    printed = render(query, "snowflake")
    assert printed.split() == [
        *["SELECT", 't."GROUP",', 't."START",', "t.amount", "FROM", "order_items"],
        *["WHERE", 't."FROM"', "<>", "'x'"],
    ]
    assert sqlglot.parse_one(printed, read="snowflake").sql("snowflake") == " ".join(
        printed.split()
    )


def test_every_step_of_a_query_is_named_in_the_model_s_list(reference_project: Project) -> None:
    """A source's table may not take a step's name (resolve refuses `table: spine`):
    the list it checks is every CTE name the queries and alert checks use, besides
    each metric's own (`<metric>__measure`...)."""
    from metricc.backends.alerts import alert_files
    from metricc.backends.sql import QueryOptions, metric_sql
    from metricc.model.semantic import QUERY_STEPS

    texts = [metric_sql(reference_project, name, "duckdb") for name in reference_project.metrics]
    by_platform = QueryOptions(dimensions=("platform",))  # a breakdown adds its grid
    texts.append(metric_sql(reference_project, "dau", "duckdb", by_platform))
    texts += [
        text
        for path, text in alert_files(reference_project, ["duckdb"]).items()
        if path.startswith("alerts/sql/")
    ]
    names = set()
    for text in texts:
        for cte in sqlglot.parse_one(text, read="duckdb").find_all(exp.CTE):
            names.add(cte.alias)
    assert {n for n in names if "__" not in n} == QUERY_STEPS
