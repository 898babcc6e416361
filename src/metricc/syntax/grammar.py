"""Loading the grammar: one cached LALR parser with positions, and the loop that
drives its parse table (`parse_text`).

The grammar file ships inside the package (`metricc/grammar/metricc.lark`,
a link to the repository's `grammar/` folder) and is found through
importlib.resources, so an installed wheel works without the source tree.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Tree, UnexpectedToken
from lark.grammar import NonTerminal, Rule
from lark.lexer import LexerThread
from lark.parse_tree_builder import PropagatePositions
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState


def grammar_text() -> str:
    return resources.files("metricc").joinpath("grammar", "metricc.lark").read_text("utf-8")


# Comments are not in the tree; the lexer hands each one to this list, which
# `parse_text` empties before every parse (fmt and suppressions need them).
_COMMENTS: list[Token] = []


def lark_parser() -> Lark:
    """The LALR parser as Lark makes it: positions propagated through every
    reduction. The benchmarks' baseline, and what `parser` must parse alike."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"COMMENT": _COMMENTS.append},
        cache=True,  # parse tables are cached on disk: a quicker start for every command
    )


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built once per process, without position steps that do nothing.

    Lark wraps every rule's reduction in a step that works out the new node's
    positions from its children. Most reductions in a file are chain rules
    (`?unary: atom`, `?product: unary`...: eight per operand of an expression)
    that hand their one child up as it is; the step finds that child's own
    positions and stores them on it again. Those rules' reductions skip it
    (a fifth of a parse). A test checks that every node's positions are Lark's.
    """
    lark = lark_parser()
    callbacks = lark.parser.parser.parser.callbacks
    for rule, callback in callbacks.items():
        if isinstance(callback, PropagatePositions) and _hands_its_child_up(rule):
            callbacks[rule] = callback.node_builder
    return lark


def _hands_its_child_up(rule: Rule) -> bool:
    """A `?rule` whose only symbol is a rule kept in the tree, with no placeholder
    to add: its reduction returns that child itself."""
    symbols, options = rule.expansion, rule.options
    return (
        options.expand1
        and not rule.alias
        and not any(options.empty_indices)
        and len(symbols) == 1
        and isinstance(symbols[0], NonTerminal)
        and not symbols[0].name.startswith("_")  # inlined: its children come up instead
    )


class _ChainConf(ParseConf):  # type: ignore[type-arg]
    """Lark's parse configuration, and where the parser lands after a reduction and
    every chain reduction that follows it.

    A reduction to `product` with `+` ahead is followed by `sum_expr: product`;
    a field's value climbs ten such rules (`unary` up to `value`) before the
    next token is shifted: five of every six reductions of a file. Each of
    them pops the state just pushed and goes to another from the same state
    below, handing its value up unchanged. So where the climb ends depends only
    on that state, the nonterminal reduced to and the token ahead: worked out
    once per triple, it is one lookup instead of a climb.
    """

    __slots__ = ("chains", "landings")

    def __init__(self, lark: Lark) -> None:
        inner = lark.parser.parser.parser
        super().__init__(inner.parse_table, inner.callbacks, "start")
        self.chains = {
            rule
            for rule, callback in inner.callbacks.items()
            if isinstance(rule, Rule)
            and _hands_its_child_up(rule)
            and not isinstance(callback, PropagatePositions)
        }
        self.landings: dict[tuple[int, str, str], int] = {}

    def landing(self, below: int, reduced: str, ahead: str) -> int:
        states = self.states
        state: int = states[below][reduced][1]
        while True:
            action = states[state].get(ahead)
            if action is None or action[0] is Shift or action[1] not in self.chains:
                self.landings[below, reduced, ahead] = state
                return state
            state = states[below][action[1].origin.name][1]


class _ChainState(ParserState):  # type: ignore[type-arg]
    """Lark's LALR parser state, with each run of chain reductions taken in one step.

    Lark's own `feed_token`, except after a reduction: the parser goes straight
    to where the chain reductions that follow would have taken it, so its
    stacks are always those Lark's loop would hold. A token the grammar does not
    allow raises what Lark's loop raises; the error's interactive parser (which
    works out the tokens that were acceptable) feeds tokens through this loop.
    """

    __slots__ = ()
    parse_conf: _ChainConf

    def feed_token(self, token: Token, is_end: bool = False) -> object:
        state_stack, value_stack = self.state_stack, self.value_stack
        conf = self.parse_conf
        states, callbacks, landings = conf.states, conf.callbacks, conf.landings
        ahead = token.type
        while True:
            try:
                action, arg = states[state_stack[-1]][ahead]
            except KeyError:
                expected = {s for s in states[state_stack[-1]] if s.isupper()}
                raise UnexpectedToken(  # type: ignore[no-untyped-call]
                    token, expected, state=self, interactive_parser=None
                ) from None
            if action is Shift:
                state_stack.append(arg)
                value_stack.append(token if ahead not in callbacks else callbacks[ahead](token))
                return None
            size = len(arg.expansion)
            children = value_stack[-size:] if size else []
            if size:
                del state_stack[-size:]
                del value_stack[-size:]
            value = callbacks[arg](children) if callbacks else children
            below, reduced = state_stack[-1], arg.origin.name
            state = landings.get((below, reduced, ahead))
            if state is None:
                state = conf.landing(below, reduced, ahead)
            state_stack.append(state)
            value_stack.append(value)
            if is_end and state == conf.end_state:
                return value


@lru_cache(maxsize=1)
def _chain_conf() -> _ChainConf:
    return _ChainConf(parser())


def _quick_parse(text: str) -> Tree[Token]:
    lark = parser()
    tokens = lark.parser._make_lexer_thread(text)
    assert isinstance(tokens, LexerThread)
    state = _ChainState(_chain_conf(), tokens)
    return lark.parser.parser.parser.parse_from_state(state)  # type: ignore[no-any-return]


def parse_text(text: str) -> tuple[Tree[Token], list[Token]]:
    """The parse tree of a text and the comment tokens it holds."""
    _COMMENTS.clear()
    try:
        tree = _quick_parse(text)
    finally:
        comments = list(_COMMENTS)
        _COMMENTS.clear()
    return tree, comments


# How the parser's terminal names read in an error message.
TERMINAL_NAMES = {
    "NAME": "a name",
    "STRING": "a string",
    "TEXT": 'a """text""" block',
    "NUMBER": "a number",
    "PERCENT": "a percent",
    "DURATION": "a duration",
    "DATE": "a date",
    "COMPARATOR": "a comparison (`<`, `>=`, ...)",
    "$END": "the end of the file",
}


def describe_terminal(name: str) -> str:
    """`a name`, `` `{` ``, `` `where` ``: a terminal as a person would call it."""
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return name.lower().replace("_", " ")
