"""What stops a parse: a text the grammar does not allow, with what Lark's own
parser would report of it, or a node nested too deeply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class UnexpectedInput(Exception):
    """The grammar allows nothing at `pos_in_stream` (`line`, `column`) that is there."""

    pos_in_stream: int
    line: int
    column: int


class UnexpectedCharacters(UnexpectedInput):
    """No terminal of any context matches here; `allowed`: those this one allows."""

    def __init__(self, pos: int, line: int, column: int, allowed: set[str]) -> None:
        super().__init__(f"no terminal matches at line {line}, column {column}")
        self.pos_in_stream, self.line, self.column = pos, line, column
        self.allowed = allowed


class UnexpectedToken(UnexpectedInput):
    """A token the parser has no step for. `expected`: the terminals its state (or,
    for a token of another lexing context, its lexer) names; `accepts`: those that
    the parser would have taken (worked out on first use, as Lark's interactive
    parser does)."""

    def __init__(self, token: Any, expected: set[str]) -> None:
        super().__init__(f"unexpected {token.type} at line {token.line}, column {token.column}")
        self.token = token
        self.pos_in_stream, self.line, self.column = token.start_pos, token.line, token.column
        self.expected = expected
        self.accepts_of: Callable[[], set[str]] = set
        self._accepts: set[str] | None = None

    @property
    def accepts(self) -> set[str]:
        if self._accepts is None:
            self._accepts = self.accepts_of()
        return self._accepts


class TooDeep(Exception):
    """A node more than `lalr.MAX_DEPTH` levels deep; `token` is its first token."""

    def __init__(self, token: Any) -> None:
        super().__init__("nested too deeply")
        self.token = token
