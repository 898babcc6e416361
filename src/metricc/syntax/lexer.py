"""The lexer: Lark's contextual lexer, from its tables, in one loop.

Lark's contextual lexer matches each token with a regex of the terminals the
parser's state allows (one regex per set of them, compiled the first time a
state lexes) and calls five methods per token: a quarter of a parse. This
loop matches with the same regexes and sets a token's slots directly. Where
the text matches nothing in its context it fails as Lark's does: with the
token of another context that matches there (UnexpectedToken), or else
UnexpectedCharacters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from metricc.syntax.errors import UnexpectedCharacters, UnexpectedToken
from metricc.syntax.tables import LexerData, Tables

# Below this much text, the root lexer's regex (of every terminal) serves
# wherever it may, rather than compiling a regex per state as Lark does: a
# one-file project lexes in 33 states, and compiling their regexes was a
# tenth of a one-file lint. From it, each state's own regex is compiled as
# Lark would: it has fewer terminals to try, and a large text pays for it
# (the root's makes lexing a 1,000-metric file 8% slower).
OWN_REGEXES_FROM = 32 * 1024

T = TypeVar("T")


class Token(str):
    """A token's text, with its terminal's name (`type`) and where it is: as Lark's."""

    __slots__ = (
        "type",
        "value",
        "start_pos",
        "end_pos",
        "line",
        "column",
        "end_line",
        "end_column",
    )

    type: str
    value: str
    start_pos: int
    end_pos: int
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def make(
        cls, kind: str, value: str, start: int, end: int, lines: tuple[int, int, int, int]
    ) -> Token:
        """A token of `kind` at offsets `start`-`end`; `lines`: its line and column,
        then its end's. (`lex` sets the slots itself: it makes one per word.)"""
        token = str.__new__(cls, value)
        token.type, token.value, token.start_pos, token.end_pos = kind, value, start, end
        token.line, token.column, token.end_line, token.end_column = lines
        return token

    @classmethod
    def end(cls, last: Token | None) -> Token:
        """`$END`, where Lark puts it: at the last token, or at the start of an empty text."""
        if last is None:
            return cls.make("$END", "", 0, 0, (1, 1, 1, 1))
        where = (last.line, last.column, last.end_line, last.end_column)
        return cls.make("$END", "", last.start_pos, last.end_pos, where)


class _Scanner:
    """One of Lark's lexers, compiled: `match` finds the first of its terminals at a
    place; `keywords[kind]` tells the keyword a match of `kind` is, if any;
    `named`: the terminals an error names."""

    def __init__(self, data: LexerData) -> None:
        regexes, keywords, _, named = data
        compiled = [re.compile(pattern, flags) for pattern, flags in regexes]

        def first_match(text: str, pos: int, end: int) -> Any:
            return next(filter(None, (p.match(text, pos, end) for p in compiled)), None)

        self.match: Callable[[str, int, int], Any] = (
            compiled[0].match if len(compiled) == 1 else first_match
        )
        self.keywords = {kind: _keyword(found) for kind, found in keywords.items()}
        self.named = set(named)

    def kind(self, matched: str, value: str) -> str:
        """The terminal a token matched as `matched` is: a keyword, or itself."""
        keyword = self.keywords.get(matched)
        return (keyword(value) or matched) if keyword is not None else matched


def _keyword(regexes: list[tuple[str, int]]) -> Callable[[str], str | None]:
    compiled = [re.compile(pattern, flags) for pattern, flags in regexes]

    def keyword(value: str) -> str | None:
        for regex in compiled:
            found = regex.fullmatch(value)
            if found:
                return found.lastgroup
        return None

    return keyword


class _PerState(dict[int, T]):
    """A value per parser state, made on first use."""

    def __init__(self, make: Callable[[int], T]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, state: int) -> T:
        value = self[state] = self.make(state)
        return value


class _Scanners:
    """The root scanner, and each parser state's, compiled on first use (states
    that lex alike share one)."""

    def __init__(self, tables: Tables) -> None:
        self.root = _Scanner(tables.root)
        compiled = _PerState(lambda index: _Scanner(tables.lexers[index]))
        self.of = _PerState(lambda state: compiled[tables.lexer_of[state]])
        # Without compiling the state's regexes: where the root's serves, they are not needed.
        self.allowed = _PerState(lambda state: frozenset(tables.lexers[tables.lexer_of[state]][2]))


@lru_cache(maxsize=1)
def _scanners(tables: Tables) -> _Scanners:
    return _Scanners(tables)


def lex(tables: Tables, text: str, stack: list[int], comments: list[Token]) -> Iterator[Token]:
    """The tokens of `text`, each lexed in the context of the parser's state on top
    of `stack` when it is asked for; comments go to `comments` instead.

    The root's token serves where the state allows it, and the NAME a keyword
    was matched as: a state's own regex then finds the same token, its
    terminals being a part of the root's in the same order (and a keyword of a
    state with NAME is matched as NAME too). Elsewhere (`end` where a field's
    name goes; a keyword where no NAME may be) the state's own regex decides.
    """
    scanners = _scanners(tables)
    root = scanners.root
    root_match, root_keywords = root.match, root.keywords
    allowed_in, scanner_in = scanners.allowed, scanners.of
    ignore, newlines, kept = tables.ignore, tables.newlines, tables.comments
    new = str.__new__
    pos, end, line, line_start = 0, len(text), 1, 0
    own = end >= OWN_REGEXES_FROM
    while pos < end:
        found = None
        if not own:
            found = root_match(text, pos, end)
            if found is not None:
                value, matched = found.group(), found.lastgroup
                keyword = root_keywords.get(matched)
                kind = (keyword(value) or matched) if keyword is not None else matched
                allowed = allowed_in[stack[-1]]
                if matched not in allowed or kind not in allowed:
                    found = None
        if found is None:
            scanner = scanner_in[stack[-1]]
            found = scanner.match(text, pos, end)
            if found is None:
                raise _unexpected(root, scanner, text, pos, line, line_start)
            value, matched = found.group(), found.lastgroup
            keyword = scanner.keywords.get(matched)
            kind = (keyword(value) or matched) if keyword is not None else matched
        start, start_line, column = pos, line, pos - line_start + 1
        pos = found.end()
        if kind in newlines:
            breaks = value.count("\n")
            if breaks:
                line += breaks
                line_start = start + value.rindex("\n") + 1
        ignored = kind in ignore
        if ignored and kind not in kept:
            continue
        token = new(Token, value)
        token.type, token.value, token.start_pos, token.end_pos = kind, value, start, pos
        token.line, token.column, token.end_line = start_line, column, line
        token.end_column = pos - line_start + 1
        if ignored:
            comments.append(token)
        else:
            yield token


def _unexpected(
    root: _Scanner, scanner: _Scanner, text: str, pos: int, line: int, line_start: int
) -> UnexpectedCharacters | UnexpectedToken:
    """Nothing of this context matches at `pos`: the token of another context that
    does, unexpected here, or else the characters."""
    column = pos - line_start + 1
    found = root.match(text, pos, len(text))
    if found is None:
        return UnexpectedCharacters(pos, line, column, scanner.named)
    value, end = found.group(), found.end()
    last_start = pos + value.rindex("\n") + 1 if "\n" in value else line_start
    lines = (line, column, line + value.count("\n"), end - last_start + 1)
    token = Token.make(root.kind(found.lastgroup, value), value, pos, end, lines)
    return UnexpectedToken(token, scanner.named)
