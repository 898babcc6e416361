"""The LALR loop: Lark's parse table, driven by metricc's own loop, which builds
the caller's values as it reduces (`parse_text`).

Lark's own loop builds its tree (a Tree and a Meta per node, positions
propagated through every reduction) for metricc to walk into its AST; this
loop calls the AST builder's method for each rule as it reduces, with the
children shaped as Lark's tree would hold them and the first and last tokens
under it, and takes each run of chain reductions in one step. Its stacks are
always those Lark's loop would hold, so a token the grammar does not allow
raises what Lark's loop raises, with the same expected tokens. The tables come
from `metricc.syntax.tables`: a parse imports no Lark.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metricc.syntax.errors import TooDeep, UnexpectedToken
from metricc.syntax.lexer import Token, lex
from metricc.syntax.tables import Builder, Tables, tables

# Deeper than this, a tree is refused (MC001). Later stages walk expressions
# recursively (pickling, serialising, printing SQL); a sum of 300 terms once reached
# Python's recursion limit there. 120 levels of tree are ~110 of expression.
MAX_DEPTH = 120


class _State:
    """The parser's stacks, fed one token at a time, with each run of chain
    reductions taken in one step and the first token and height of every value.

    Lark's own `feed_token`, except after a reduction: the parser goes straight
    to where the chain reductions that follow would have taken it, so its
    stacks are always those Lark's loop would hold. A value's span runs from the
    first token under it to the last, which is the one shifted last when it is
    reduced: as Lark propagates positions, where a node's span is its first and
    last children's, and `(expr)` hands `expr` up with its parentheses around
    it. Without reducers (`callbacks` empty) it only steps through the table, as
    Lark's interactive parser does to work out which tokens an error's state
    accepts.
    """

    __slots__ = ("tables", "callbacks", "state_stack", "value_stack", "firsts", "heights", "last")

    def __init__(self, tables: Tables, callbacks: list[Builder], state_stack: list[int]) -> None:
        self.tables, self.callbacks = tables, callbacks
        self.state_stack = state_stack
        self.value_stack: list[Any] = [None] * (len(state_stack) - 1)
        self.firsts: list[Token | None] = [None] * (len(state_stack) - 1)
        self.heights = [0] * (len(state_stack) - 1)
        self.last: Token | None = None

    def accepts(self) -> set[str]:
        """The terminals the parser would take next, as Lark's interactive parser
        works them out: each of its state's fed to a copy of the stacks."""
        accepted = set()
        for terminal in self.tables.states[self.state_stack[-1]]:
            if terminal.isupper():
                trial = _State(self.tables, [], list(self.state_stack))
                try:
                    trial.feed(Token.make(terminal, "", 0, 0, (0, 0, 0, 0)), terminal == "$END")
                except UnexpectedToken:
                    continue
                accepted.add(terminal)
        return accepted

    def feed(self, token: Token, is_end: bool = False) -> object:
        state_stack, value_stack = self.state_stack, self.value_stack
        firsts, heights = self.firsts, self.heights
        tables, callbacks = self.tables, self.callbacks
        states, landings = tables.states, tables.landings
        ahead = token.type
        while True:
            try:
                shift, arg = states[state_stack[-1]][ahead]
            except KeyError:
                expected = {s for s in states[state_stack[-1]] if s.isupper()}
                raise UnexpectedToken(token, expected) from None
            if shift:
                state_stack.append(arg)
                value_stack.append(token)
                firsts.append(token)
                heights.append(0)
                self.last = token
                return None
            size, level, reduced, rule = arg
            if size:
                children = value_stack[-size:]
                first = firsts[-size]
                if first is None:  # an empty rule's value first: its tokens start later
                    first = next((f for f in firsts[-size:] if f is not None), None)
                height = max(heights[-size:]) + level
                del state_stack[-size:], value_stack[-size:], firsts[-size:], heights[-size:]
            else:
                children, first, height = [], None, level
            if callbacks:
                if height > MAX_DEPTH:
                    raise TooDeep(first)
                value = callbacks[rule](children, first, None if first is None else self.last)
            else:
                value = children
            below = state_stack[-1]
            state = landings.get((below, reduced, ahead))
            if state is None:
                state = tables.landing(below, reduced, ahead)
            state_stack.append(state)
            value_stack.append(value)
            firsts.append(first)
            heights.append(height)
            if is_end and state == tables.end:
                return value


def parse_text(text: str, builders: Mapping[str, Builder]) -> tuple[Any, list[Token]]:
    """What the builders make of a text (the `start` rule's value), and the comment
    tokens it holds. Raises `UnexpectedInput` where Lark's own parse would (with
    its expected and accepted terminals), and `TooDeep` for a node more than
    MAX_DEPTH levels below the file."""
    grammar = tables()
    state = _State(grammar, [shape.reducer(builders) for shape in grammar.shapes], [grammar.start])
    comments: list[Token] = []
    token = None
    try:
        for token in lex(grammar, text, state.state_stack, comments):
            state.feed(token)
        return state.feed(Token.end(token), True), comments
    except UnexpectedToken as error:
        error.accepts_of = state.accepts  # from the stacks the error left
        raise
