"""Source files and spans: where a piece of text came from.

Everything the compiler reports points back at the definition a person wrote,
so spans travel from the parser through the semantic model to diagnostics and
the catalogue. This module imports nothing of metricc.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A range of one file: 0-based offsets plus 1-based line and column.

    A slotted dataclass rather than a model: every node of every tree has
    spans, and a model instance costs ten times the memory (pydantic accepts
    the instances as they are, and dumps them like a model).
    """

    file: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple[type[Span], tuple[str, int, int, int, int, int, int]]:
        # The dataclass default looks its fields up for every span; the build cache
        # unpickles hundreds of thousands of them.
        return Span, (
            self.file,
            self.start,
            self.end,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
        )


@dataclass(frozen=True)
class SourceFile:
    """The text of one `.metric` file, with a line index for rendering spans."""

    path: str
    text: str
    _line_starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "_line_starts", starts)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based offset, clamped to the file."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)].rstrip("\r")

    def span(self, start: int, end: int) -> Span:
        """A span of this file between two offsets."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(
            file=self.path,
            start=start,
            end=max(start, end),
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
        )
