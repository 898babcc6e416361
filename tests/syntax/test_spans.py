"""Spans are made by position (`make_span`) where hundreds of thousands are made:
they must be the very spans the dataclass makes."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metricc.span import Span, make_span

positions = st.integers(min_value=0, max_value=10**9)


@given(st.text(max_size=40), positions, positions, positions, positions, positions, positions)
def test_a_span_made_by_position_is_the_dataclass_s_span(
    file: str, start: int, end: int, line: int, column: int, end_line: int, end_column: int
) -> None:
    made = make_span(file, start, end, line, column, end_line, end_column)
    expected = Span(
        file=file,
        start=start,
        end=end,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
    )
    assert type(made) is Span and made == expected and hash(made) == hash(expected)
    assert dataclasses.astuple(made) == dataclasses.astuple(expected)
    assert pickle.loads(pickle.dumps(made)) == expected


def test_a_span_made_by_position_is_frozen() -> None:
    made = make_span("a.metric", 0, 4, 1, 1, 1, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ('"plain"', "plain"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"a\\\\b"', "a\\b"),
        ('"two\\nlines\\tand a tab"', "two\nlines\tand a tab"),
        ('"C:\\data\\x"', "C:\\data\\x"),  # an unknown escape stays as written
        ("'it''s'", "it's"),
        ("'a\\b'", "a\\b"),  # SQL quoting: no backslash escapes
    ],
)
def test_a_string_s_value(written: str, value: str) -> None:
    from metricc.syntax.transform import unquote

    assert unquote(written) == value
