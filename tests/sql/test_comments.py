"""What a person wrote (a title, a threshold over several lines) reaches generated SQL
only inside comments, one line each: it can never end up as SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metricc.backends.alerts import alert_files
from metricc.backends.sql import comment, sql_files
from tests.conftest import METRICS

TITLE = 'title: "Daily active users"'
THRESHOLD = "  warn: < 45% for 2 periods\n"

VARIANTS = [
    ("a title with a line break", TITLE, 'title: "Daily\\nDROP TABLE events;"'),
    ("a title with CR LF", TITLE, 'title: "Daily\\r\\nactive users"'),
    ("a title with a Unicode line separator", TITLE, 'title: "Daily\u2028active users"'),
    ("a title that closes a block comment", TITLE, 'title: "Daily */ active /* users"'),
    ("a threshold written over lines", THRESHOLD, "  warn: <\n    45%\n    for 2 periods\n"),
]


def _sql_only(text: str) -> list[str]:
    """The lines that are SQL: no comments, no dbt config line."""
    return [line for line in text.splitlines() if not line.startswith(("--", "{{ config("))]


def _outputs(make: Callable[[dict[str, str]], Any], change: tuple[str, str] | None) -> dict:
    files = {path.name: path.read_text() for path in METRICS.glob("*.metric")}
    if change:
        old, new = change
        files["engagement.metric"] = files["engagement.metric"].replace(old, new, 1)
    compilation = make(files)
    assert compilation.project is not None, compilation.diagnostics
    project = compilation.project
    built = {**sql_files(project, ["duckdb"]), **alert_files(project, ["duckdb"])}
    return {path: text for path, text in built.items() if path.endswith(".sql")}


@pytest.mark.parametrize(("old", "new"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_a_person_s_text_stays_in_its_comment_line(
    write_project: Callable[[dict[str, str]], Any], old: str, new: str
) -> None:
    plain = _outputs(write_project, None)
    changed = _outputs(write_project, (old, new))
    assert changed.keys() == plain.keys()
    for path, text in changed.items():
        assert _sql_only(text) == _sql_only(plain[path]), path
        assert len(text.splitlines()) == len(plain[path].splitlines()), path


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("plain", "-- plain\n"),
        ("two\nlines", "-- two lines\n"),
        ("a  \r\n  b\u2028c\x85d\x0be", "-- a b c d e\n"),
        ("tab\tinside", "-- tab inside\n"),
        ("ends with a break\n", "-- ends with a break\n"),
    ],
)
def test_a_comment_is_one_line(text: str, line: str) -> None:
    assert comment(text) == line


@given(st.text())
def test_any_text_makes_one_comment_line(text: str) -> None:
    line = comment(text)
    assert line.startswith("-- ") and line.endswith("\n")
    assert len(line.splitlines()) == 1 and len(line[:-1].splitlines(keepends=True)) == 1
