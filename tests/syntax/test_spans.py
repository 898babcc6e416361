"""Spans are made by position (`make_span`) where hundreds of thousands are made:
they must be the very spans the dataclass makes."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metricc.span import FieldSpans, Span, make_span

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


@given(
    st.text(max_size=10),
    st.dictionaries(st.text(max_size=8), st.tuples(*[positions] * 6), max_size=6),
)
def test_field_spans_kept_as_numbers_are_the_spans_they_were_made_of(
    file: str, numbers: dict[str, tuple[int, ...]]
) -> None:
    spans = {name: make_span(file, *values) for name, values in numbers.items()}
    kept = FieldSpans.of(spans)
    assert dict(kept) == spans and len(kept) == len(spans) and list(kept) == list(spans)
    assert all(kept.get(name) == span for name, span in spans.items())
    assert kept.get("not a field") is None or "not a field" in spans
    again = pickle.loads(pickle.dumps(kept))
    assert again == kept and hash(again) == hash(kept) and dict(again) == spans
    assert kept == spans  # as the dict it stands for


def test_field_spans_differ_by_where_their_fields_are() -> None:
    one = FieldSpans.of({"title": make_span("a.metric", 0, 5, 1, 1, 1, 6)})
    assert one != FieldSpans.of({"title": make_span("b.metric", 0, 5, 1, 1, 1, 6)})
    assert one != FieldSpans.of({"title": make_span("a.metric", 1, 5, 1, 2, 1, 6)})
    assert FieldSpans() == FieldSpans.of({}) and not FieldSpans()
