"""How deep an expression may nest: deep enough for any real definition, and never so
deep that a later stage (pickling the cache, serialising, printing SQL) meets
Python's recursion limit. Deeper is an error at the expression, not a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metricc.span import SourceFile
from metricc.syntax.lalr import MAX_DEPTH
from metricc.syntax.parser import parse_source
from tests.cli.test_workflow import run
from tests.conftest import METRICS

# The first metric of engagement.metric (weekly_core_users) gets the long sum.
MEASURE = "measure: count_distinct(events.user_id)"


def _sum(terms: int) -> str:
    return "sum(" + " + ".join(["events.user_id"] * terms) + ")"


def _accepted(terms: int) -> bool:
    # In the same place as in `_project`: a measure with a filter.
    text = f"metric m {{\n  measure: {_sum(terms)} where events.name = 'x'\n}}\n"
    _, problems = parse_source(SourceFile("m.metric", text))
    return not any(d.code == "MC001" for d in problems)


def _deepest() -> int:
    low, high = 1, 2 * MAX_DEPTH
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if _accepted(middle) else (low, middle - 1)
    return low


def _project(tmp_path: Path, terms: int) -> None:
    shutil.copytree(METRICS, tmp_path / "metrics")
    engagement = tmp_path / "metrics" / "engagement.metric"
    text = engagement.read_text()
    assert MEASURE in text
    engagement.write_text(text.replace(MEASURE, f"measure: {_sum(terms)}", 1))


def test_the_deepest_expression_accepted_compiles_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deepest = _deepest()
    assert deepest >= 100  # a sum of a hundred terms is allowed
    _project(tmp_path, deepest)
    monkeypatch.chdir(tmp_path)
    code, output = run("compile", "metrics", "--dialect", "duckdb", "--dialect", "postgres")
    assert code == 0, output
    teams = tmp_path / "metrics" / "teams.metric"
    teams.write_text(teams.read_text() + "# Compile again, from the cached trees.\n")
    code, output = run("compile", "metrics", "--dialect", "duckdb", "--dialect", "postgres")
    assert code == 0 and "kept from the previous build" in output, output
    assert "events.user_id" not in (tmp_path / "build/sql/duckdb/weekly_core_users.sql").read_text()
    assert '"user_id" + ' in (tmp_path / "build/sql/duckdb/weekly_core_users.sql").read_text()


def test_a_deeper_expression_is_an_error_at_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its block is left out (as a block with a syntax error is): the references to it
    are reported too, and nothing else."""
    _project(tmp_path, 3 * MAX_DEPTH)
    monkeypatch.chdir(tmp_path)
    code, output = run("lint", "metrics", "--format", "concise")
    assert code == 1
    text = (tmp_path / "metrics/engagement.metric").read_text().splitlines()
    line = next(n for n, row in enumerate(text, 1) if "measure: sum(" in row)
    first, *others = [row for row in output.splitlines() if "error[" in row]
    assert (
        first
        == f"metrics/engagement.metric:{line}:16: error[MC001]: expressions are nested too deeply"
    )
    assert others and all(row.endswith("unknown metric `weekly_core_users`") for row in others)
