"""Source files and spans: where a piece of text came from.

Everything the compiler reports points back at the definition a person wrote,
so spans travel from the parser through the semantic model to diagnostics and
the catalogue. This module imports nothing of metricc.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any, cast


# A slotted dataclass rather than a model node: every node of every tree has
# spans, and a slotted instance has no `__dict__` (pydantic dumps it as it dumps
# a node). Its docstring is the manifest schema's description of a location.
@dataclass(frozen=True, slots=True)
class Span:
    """A range of one file: 0-based offsets plus 1-based line and column."""

    file: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple[Callable[..., Span], tuple[str, int, int, int, int, int, int]]:
        # The dataclass default looks its fields up for every span; the build cache
        # unpickles hundreds of thousands of them.
        return make_span, (
            self.file,
            self.start,
            self.end,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
        )


# A frozen dataclass's `__init__` sets each field through `object.__setattr__`;
# setting the slots directly takes half the time. The parser makes ~50 spans per
# metric and the build cache unpickles as many.
_new = object.__new__
_set_file, _set_start, _set_end, _set_line, _set_column, _set_end_line, _set_end_column = (
    getattr(Span, name).__set__
    for name in ("file", "start", "end", "line", "column", "end_line", "end_column")
)


def make_span(
    file: str, start: int, end: int, line: int, column: int, end_line: int, end_column: int
) -> Span:
    """`Span(...)` by position, quicker: what the parser and the cache build spans with."""
    span = _new(Span)
    _set_file(span, file)
    _set_start(span, start)
    _set_end(span, end)
    _set_line(span, line)
    _set_column(span, column)
    _set_end_line(span, end_line)
    _set_end_column(span, end_column)
    return span


class FieldSpans(Mapping[str, Span]):
    """A block's fields' spans by field name, kept as one tuple of numbers (all in the
    block's file) and made into spans when first asked for.

    The build cache unpickles every unchanged block's model after an edit; its
    ~10 field spans were each a call into Python (a quarter of loading a file's
    records), and most are never asked for (only lint's findings and `diff`
    point at a field). Equal, hashed and pickled by its numbers.
    """

    __slots__ = ("file", "_flat", "_made")
    _WIDTH = 7  # a field: its name, then its span's six numbers

    def __init__(self, file: str = "", flat: tuple[str | int, ...] = ()) -> None:
        self.file = file
        self._flat = flat
        self._made: dict[str, Span] | None = None

    @classmethod
    def of(cls, spans: Mapping[str, Span]) -> FieldSpans:
        """The field spans of a block, given as spans (all in one file)."""
        flat: list[str | int] = []
        file = ""
        for name, span in spans.items():
            file = span.file
            flat += (name, span.start, span.end, span.line, span.column)
            flat += (span.end_line, span.end_column)
        return cls(file, tuple(flat))

    def _spans(self) -> dict[str, Span]:
        made = self._made
        if made is None:
            flat, file, width = self._flat, self.file, self._WIDTH
            made = self._made = {
                str(flat[i]): make_span(file, *cast(tuple[int, ...], flat[i + 1 : i + width]))
                for i in range(0, len(flat), width)
            }
        return made

    def __getitem__(self, name: str) -> Span:
        return self._spans()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans())

    def __len__(self) -> int:
        return len(self._flat) // self._WIDTH

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FieldSpans):
            return self._flat == other._flat and (not self._flat or self.file == other.file)
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(self._flat)

    def __reduce__(self) -> tuple[type[FieldSpans], tuple[str, tuple[str | int, ...]]]:
        return FieldSpans, (self.file, self._flat)

    def __repr__(self) -> str:
        return f"FieldSpans({self._spans()!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.is_instance_schema(cls)  # never dumped (an excluded field)


@dataclass(frozen=True)
class Edit:
    """How an edit of a file moved what it left alone: text before `start` stays
    where it was, text from `end` on (in the edited file) moved by `chars`
    characters and `lines` lines, its columns as they were (the incremental
    parse's blocks; what the build cache keeps of them moves likewise)."""

    start: int
    end: int
    chars: int
    lines: int

    def before(self, offset: int) -> tuple[int, int] | None:
        """Where the edited file's text at `offset` was in the previous one, and how
        many lines it moved; None if it is in the stretch parsed afresh."""
        if offset < self.start:
            return offset, 0
        return (offset - self.chars, self.lines) if offset >= self.end else None


@dataclass(frozen=True)
class SourceFile:
    """The text of one `.metric` file, with a line index for rendering spans (made
    when first asked for: a compile reads every file, and most are never shown)."""

    path: str
    text: str

    @cached_property
    def _line_starts(self) -> list[int]:
        # Each line's length plus its newline, summed, all in C: two fifths quicker
        # than a loop of `find`s (made for every file a compile's findings show).
        lengths = map((1).__add__, map(len, self.text.split("\n")))
        return list(accumulate(lengths, initial=0))[:-1]

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based offset, clamped to the file."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """The 0-based offset of a 1-based line and column (within the file)."""
        return self._line_starts[line - 1] + column - 1

    def line_of(self, span: Span) -> str:
        """The text of the line `span` starts on, without its newline: found around
        its offset, so the line index is not made (a compile shows a few findings
        in files of 16,000 lines: indexing them took 0.03 s)."""
        return self._line_from(self.text.rfind("\n", 0, span.start) + 1)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        return self._line_from(self._line_starts[line - 1])

    def _line_from(self, start: int) -> str:
        """The text of the line that begins at offset `start`, without its newline."""
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)].rstrip("\r")

    def span(self, start: int, end: int) -> Span:
        """A span of this file between two offsets."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return make_span(self.path, start, max(start, end), line, column, end_line, end_column)
