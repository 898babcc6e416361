"""Every scalar function and predicate of the language, on every engine: the same
numbers on DuckDB, PostgreSQL and Spark (the reference metrics use only a few)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metricc.model.semantic import Project
from metricc.pipeline import check_project
from tests.conftest import METRICS
from tests.engines.conftest import assert_engines_agree

# One metric per function or construct, over the sample warehouse's sources.
MEASURES = {
    "round_digits": "avg(round(sessions.duration_s / 7, 2))",
    "round_whole": "sum(round(orders.amount_usd))",
    "abs_floor_ceil": "sum(abs(floor(sessions.duration_s / 3) - ceil(sessions.duration_s / 3)))",
    "text_functions": (
        "count(events.event_id) where upper(trim(events.platform)) = 'IOS' "
        "and length(lower(events.name)) > 6"
    ),
    "null_functions": "sum(coalesce(nullif(orders.amount_usd, 0), 0) + greatest(1, least(2, 3)))",
    "concat": "count_distinct(concat(events.platform, '-', events.name))",
    "date_of": "count_distinct(date(events.occurred_at))",
    "hours_between": "avg(hours_between(support_tickets.opened_at, support_tickets.resolved_at))",
    "days_between": (
        "max(days_between(date(support_tickets.opened_at), support_tickets.resolved_at))"
    ),
    "predicates": (
        "count(events.event_id) where (events.platform in ('ios', 'web')) = true "
        "and (events.name like 'work%') != false and not (events.feature is null) = true"
    ),
    "case_when": (
        "sum(case when orders.status = 'completed' then orders.amount_usd "
        "when orders.status = 'refunded' then -orders.amount_usd else 0 end)"
    ),
    "arithmetic": "sum(-(orders.amount_usd - orders.cost_usd) * 2 / (1 + 1))",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("functions")
    (folder / "sources.metric").write_text((METRICS / "sources.metric").read_text())
    (folder / "functions.metric").write_text(
        "".join(
            f'metric {name} {{\n  title: "{name}"\n  grain: month\n  measure: {measure}\n}}\n\n'
            for name, measure in MEASURES.items()
        )
    )
    result = check_project(Path(folder))
    assert result.project is not None and not result.failed, result.diagnostics
    return result.project


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_every_engine_computes_the_same(
    engines: dict[str, str], project: Project, name: str
) -> None:
    assert_engines_agree(engines, project, name)
