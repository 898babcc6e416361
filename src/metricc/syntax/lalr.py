"""The LALR loop: Lark's parse table, driven by metricc's own loop, which builds
the caller's values as it reduces (`parse_text`).

Lark's own loop builds its tree (a Tree and a Meta per node, positions
propagated through every reduction) for metricc to walk into its AST; this
loop calls the AST builder's method for each rule as it reduces, with the
children shaped as Lark's tree would hold them and the first and last tokens
under it, and takes each run of chain reductions in one step. Its stacks are
always those Lark's loop would hold, so a token the grammar does not allow
raises Lark's own error, with the same expected tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import copy, deepcopy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Lark, Token, UnexpectedToken
from lark.grammar import Rule, Terminal
from lark.lexer import LexerThread
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from metricc.syntax.grammar import COMMENTS, parser
from metricc.syntax.lexer import Lexer

# Deeper than this, a tree is refused (MC001). Later stages walk expressions
# recursively (pickling, serialising, printing SQL); a sum of 300 terms once reached
# Python's recursion limit there. 120 levels of tree are ~110 of expression.
MAX_DEPTH = 120


class TooDeep(Exception):
    """A node more than MAX_DEPTH levels deep; `token` is its first token."""

    def __init__(self, token: Token) -> None:
        super().__init__("nested too deeply")
        self.token = token


# What `parse_text` calls for a rule: its children as Lark's tree would hold them,
# and the first and last tokens under it (whose positions make its span).
Builder = Callable[[list[Any], Any, Any], Any]


@dataclass(frozen=True, slots=True)
class _Shape:
    """How one of the grammar's rules makes its value, as Lark shapes its tree.

    `keep`: the symbols that stay a child (punctuation and `_KEYWORDS` do not),
    each with whether it is an `_inlined` rule (its children come up instead) and
    how many placeholders for absent `[optional]` parts go before it; `after`:
    the placeholders after the last. A `?rule` left with one child hands it up;
    an `_inlined` rule's value is its children. The others are nodes of the tree,
    built by the `Builder` of their name: one level deeper than their children.
    """

    name: str
    size: int
    keep: tuple[tuple[int, bool, int], ...]
    after: int
    hands_up: bool
    inlined: bool
    level: int

    @classmethod
    def of(cls, rule: Rule, start: str) -> _Shape:
        options, symbols = rule.options, rule.expansion
        # Placeholders: `empty_indices` has a True for each absent symbol, a False
        # for each present one, in order.
        runs = "".join("1" if empty else "0" for empty in options.empty_indices).split("0")
        nones = [len(run) for run in runs] if options.empty_indices else [0] * (len(symbols) + 1)
        keep, pending = [], 0
        for index, symbol in enumerate(symbols):
            pending += nones[index]
            if options.keep_all_tokens or not (isinstance(symbol, Terminal) and symbol.filter_out):
                inline = not symbol.is_term and symbol.name.startswith("_")
                keep.append((index, inline, pending))
                pending = 0
        after = pending + nones[len(symbols)]
        hands_up = bool(options.expand1 and not rule.alias and len(keep) == 1 and not after)
        hands_up = hands_up and not keep[0][1] and not keep[0][2]
        inlined = rule.origin.name.startswith("_")
        node = not (hands_up or inlined or rule.origin.name == start)
        name = rule.alias or rule.origin.name
        return cls(name, len(symbols), tuple(keep), after, hands_up, inlined, int(node))

    @property
    def picks_all(self) -> bool:
        """Whether every reduced value is a child as it is."""
        return (
            len(self.keep) == self.size
            and not self.after
            and not any(inline or nones for _, inline, nones in self.keep)
        )

    def reducer(self, builders: Mapping[str, Builder]) -> Builder:
        """This rule's step at a reduction: its value from the reduced values."""
        if self.hands_up:
            index = self.keep[0][0]
            return lambda children, first, last: children[index]
        pick = None if self.picks_all else self._pick
        if self.inlined:
            return (lambda children, first, last: pick(children)) if pick else _children
        build = builders[self.name]
        if pick is None:
            return build
        return lambda children, first, last: build(pick(children), first, last)

    def _pick(self, children: list[Any]) -> list[Any]:
        picked: list[Any] = []
        for index, inline, nones in self.keep:
            if nones:
                picked += [None] * nones
            if not inline:
                picked.append(children[index])
            elif picked:
                picked += children[index]
            else:
                # Left recursion (`items: items item`) hands its list on: copying it
                # at every item would take time quadratic in their number.
                picked = children[index]
        if self.after:
            picked += [None] * self.after
        return picked


def _children(children: list[Any], first: Any, last: Any) -> list[Any]:
    return children


class _Tables:
    """What every parse in a process shares: Lark's parse table in a form quicker to
    step through, each rule's shape, and where the parser lands after a reduction
    and every chain reduction after it.

    In the table, a shift is `(True, state)` and a reduction `(False, (size, level,
    name, rule))`: a rule's number rather than Lark's `Rule`, whose hash is a
    Python method. A reduction to `product` with `+` ahead is followed by
    `sum_expr: product`; a field's value climbs ten such rules (`unary` up to
    `value`) before the next token is shifted: five of every six reductions of
    a file. Each of them pops the state just pushed and goes to another from the
    same state below, handing its value up unchanged. So where the climb ends
    depends only on that state, the nonterminal reduced to and the token ahead:
    worked out once per triple, it is one lookup instead of a climb.
    """

    def __init__(self, lark: Lark) -> None:
        inner = lark.parser.parser.parser
        self.table = inner.parse_table
        self.rules: list[Rule] = list(inner.callbacks)
        self.shapes = [_Shape.of(rule, "start") for rule in self.rules]
        number = {rule: n for n, rule in enumerate(self.rules)}

        def step(action: Any, arg: Any) -> tuple[bool, Any]:
            if action is Shift:
                return True, arg
            n = number[arg]
            return False, (self.shapes[n].size, self.shapes[n].level, arg.origin.name, n)

        self.states: dict[int, dict[str, tuple[bool, Any]]] = {
            state: {symbol: step(*entry) for symbol, entry in actions.items()}
            for state, actions in self.table.states.items()
        }
        # Chain rules: one symbol, handed up as it is (`?product: unary`).
        self.chains = {
            n for n, shape in enumerate(self.shapes) if shape.hands_up and shape.size == 1
        }
        self.landings: dict[tuple[int, str, str], int] = {}

    def landing(self, below: int, reduced: str, ahead: str) -> int:
        states = self.states
        state: int = states[below][reduced][1]
        while True:
            step = states[state].get(ahead)
            if step is None or step[0] or step[1][3] not in self.chains:
                self.landings[below, reduced, ahead] = state
                return state
            state = states[below][step[1][2]][1]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables(parser())


class _Conf(ParseConf):  # type: ignore[type-arg]
    """Lark's parse configuration, with the shared tables and one parse's reducers,
    by rule number, as its `callbacks`: Lark's interactive parser empties them
    to feed tokens without building anything, and `_State` honours that."""

    __slots__ = ("tables",)

    def __init__(self, tables: _Tables, reducers: list[Builder]) -> None:
        super().__init__(tables.table, reducers, "start")  # type: ignore[arg-type]
        self.tables = tables


class _State(ParserState):  # type: ignore[type-arg]
    """Lark's LALR parser state, with each run of chain reductions taken in one step
    and the first token and height of every value on the stack.

    Lark's own `feed_token`, except after a reduction: the parser goes straight
    to where the chain reductions that follow would have taken it, so its
    stacks are always those Lark's loop would hold. A value's span runs from the
    first token under it to the last, which is the one shifted last when it is
    reduced: as Lark propagates positions, where a node's span is its first and
    last children's, and `(expr)` hands `expr` up with its parentheses around
    it. A token the grammar does not allow raises what Lark's loop raises; the
    error's interactive parser (which works out the tokens that were acceptable)
    feeds tokens through this loop, without reducers.
    """

    __slots__ = ("firsts", "heights", "last")
    parse_conf: _Conf

    def __init__(
        self,
        parse_conf: _Conf,
        lexer: LexerThread,
        state_stack: list[int] | None = None,
        value_stack: list[Any] | None = None,
        firsts: list[Token | None] | None = None,
        heights: list[int] | None = None,
        last: Token | None = None,
    ) -> None:
        super().__init__(parse_conf, lexer, state_stack, value_stack)
        self.firsts = firsts if firsts is not None else []
        self.heights = heights if heights is not None else []
        self.last = last

    def copy(self, deepcopy_values: bool = True) -> _State:
        values = deepcopy(self.value_stack) if deepcopy_values else copy(self.value_stack)
        stacks = (copy(self.state_stack), values, copy(self.firsts), copy(self.heights))
        return type(self)(self.parse_conf, self.lexer, *stacks, self.last)

    def feed_token(self, token: Token, is_end: bool = False) -> object:
        state_stack, value_stack = self.state_stack, self.value_stack
        firsts, heights = self.firsts, self.heights
        conf = self.parse_conf
        tables, callbacks = conf.tables, conf.callbacks
        states, landings = tables.states, tables.landings
        ahead = token.type
        while True:
            try:
                shift, arg = states[state_stack[-1]][ahead]
            except KeyError:
                expected = {s for s in states[state_stack[-1]] if s.isupper()}
                raise UnexpectedToken(  # type: ignore[no-untyped-call]
                    token, expected, state=self, interactive_parser=None
                ) from None
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
            if is_end and state == conf.end_state:
                return value


def parse_text(text: str, builders: Mapping[str, Builder]) -> tuple[Any, list[Token]]:
    """What the builders make of a text (the `start` rule's value), and the comment
    tokens it holds. Raises Lark's `UnexpectedInput` as Lark's own parse would, and
    `TooDeep` for a node more than MAX_DEPTH levels below the file."""
    lark, tables = parser(), _tables()
    callbacks = [shape.reducer(builders) for shape in tables.shapes]
    state = _State(_Conf(tables, callbacks), Lexer.from_text(lark.parser.lexer, text))
    COMMENTS.clear()
    try:
        value = lark.parser.parser.parser.parse_from_state(state)
    finally:
        comments = list(COMMENTS)
        COMMENTS.clear()
    return value, comments
