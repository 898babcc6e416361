"""The lexer: Lark's contextual lexer, run in one loop.

Lark's contextual lexer matches each token with a regex of the terminals the
parser's state allows (one regex per set of them, compiled the first time a
state lexes) and calls five methods per token: a quarter of a parse. This
loop matches with the same regexes and sets a token's slots directly. Where
the text matches nothing in its context, Lark's lexer takes over from that
point and raises what it raises (UnexpectedCharacters, or UnexpectedToken
where a terminal of another context matches).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from lark import Token
from lark.lexer import ContextualLexer, LexerThread, UnlessCallback

T = TypeVar("T")

# What one of Lark's lexers matches with: the match of its terminals' regex, and
# the callbacks on tokens (keywords that NAME also matches, comments).
_Scanner = tuple[Callable[[str, int, int], Any], dict[str, Callable[..., Any]]]

# Below this much text, the root lexer's regex (of every terminal) serves
# wherever it may, rather than compiling a regex per state as Lark does: a
# one-file project lexes in 33 states, and compiling their regexes was a
# tenth of a one-file lint. From it, each state's own regex is compiled as
# Lark would: it has fewer terminals to try, and a large text pays for it
# (the root's makes lexing a 1,000-metric file 8% slower).
OWN_REGEXES_FROM = 32 * 1024


def _scanner(basic: Any) -> _Scanner:
    patterns = basic.scanner._mres  # compiled by Lark on first use

    def first_match(text: str, pos: int, end: int) -> Any:
        return next(filter(None, (p.match(text, pos, end) for p in patterns)), None)

    return (patterns[0].match if len(patterns) == 1 else first_match), basic.callback


class _PerState(dict[int, T]):
    """A value per parser state, made from the lexer of its context on first use."""

    def __init__(self, lexer: ContextualLexer, make: Callable[[Any], T]) -> None:
        super().__init__()
        self.lexer = lexer
        self.make = make

    def __missing__(self, state: int) -> T:
        value = self[state] = self.make(self.lexer.lexers[state])
        return value


def _terminals(basic: Any) -> frozenset[str]:
    return frozenset(t.name for t in basic.terminals)


class _Contexts:
    """The root lexer's scanner, and each state's allowed terminals and scanner.

    The root's token serves where the state allows it, and the NAME a keyword
    was matched as: a state's own regex then finds the same token, its
    terminals being a part of the root's in the same order (and a keyword of a
    state with NAME is matched as NAME too). Elsewhere (`end` where a field's
    name goes; a keyword where no NAME may be) the state's own regex decides.
    """

    def __init__(self, lexer: ContextualLexer) -> None:
        root = lexer.root_lexer
        self.root, callbacks = _scanner(root)
        self.ignore: frozenset[str] = root.ignore_types  # type: ignore[attr-defined]
        self.newlines: frozenset[str] = root.newline_types  # type: ignore[attr-defined]
        # The keywords NAME matches too, retyped by Lark's callback: worked out
        # before the token exists, so that a token not allowed is never made.
        self.keywords = {
            kind: callback.scanner.fullmatch
            for kind, callback in callbacks.items()
            if isinstance(callback, UnlessCallback)
        }
        self.callbacks = {k: c for k, c in callbacks.items() if k not in self.keywords}
        self.allowed = _PerState(lexer, _terminals)  # the terminals each state allows
        self.scanners = _PerState(lexer, _scanner)


@lru_cache(maxsize=1)
def _contexts(lexer: ContextualLexer) -> _Contexts:
    return _Contexts(lexer)


class Lexer(LexerThread):
    """Lark's lexer thread, lexing in one loop (see the module's docstring)."""

    def lex(self, parser_state: Any) -> Iterator[Token]:
        lexer_state = self.state
        assert lexer_state is not None
        text, end = lexer_state.text.text, lexer_state.text.end
        counter = lexer_state.line_ctr
        pos, line, line_start = counter.char_pos, counter.line, counter.line_start_pos
        contexts = _contexts(self.lexer)
        root, keywords, allowed_in = contexts.root, contexts.keywords, contexts.allowed
        ignore, newlines, scanners = contexts.ignore, contexts.newlines, contexts.scanners
        stack, new, last = parser_state.state_stack, str.__new__, lexer_state.last_token
        own = end - pos >= OWN_REGEXES_FROM
        while pos < end:
            found = None
            if not own:
                found, callbacks = root(text, pos, end), contexts.callbacks
                if found is not None:
                    value, matched = found.group(), found.lastgroup
                    kind = (keywords[matched](value) or matched) if matched in keywords else matched
                    allowed = allowed_in[stack[-1]]
                    if matched not in allowed or kind not in allowed:
                        found = None
            if found is None:
                match, callbacks = scanners[stack[-1]]
                found = match(text, pos, end)
                if found is None:
                    counter.char_pos, counter.line, counter.line_start_pos = pos, line, line_start
                    counter.column = pos - line_start + 1
                    lexer_state.last_token = last
                    yield from self.lexer.lex(lexer_state, parser_state)
                    return
                value, kind = found.group(), found.lastgroup
            start, start_line, column = pos, line, pos - line_start + 1
            pos = found.end()
            if kind in newlines:
                breaks = value.count("\n")
                if breaks:
                    line += breaks
                    line_start = start + value.rindex("\n") + 1
            ignored = kind in ignore
            if ignored and kind not in callbacks:
                continue
            token = new(Token, value)
            token.type, token.value, token.start_pos, token.end_pos = kind, value, start, pos
            token.line, token.column, token.end_line = start_line, column, line
            token.end_column = pos - line_start + 1
            if kind in callbacks:
                token = callbacks[kind](token)
            if not ignored:
                last = token
                yield token
        lexer_state.last_token = last
