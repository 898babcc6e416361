"""Loading the grammar: one cached LALR parser with positions.

The grammar file ships inside the package (`metricc/grammar/metricc.lark`,
a link to the repository's `grammar/` folder) and is found through
importlib.resources, so an installed wheel works without the source tree.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.grammar import NonTerminal, Rule
from lark.parse_tree_builder import PropagatePositions


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


def parse_text(text: str) -> tuple[Tree[Token], list[Token]]:
    """The parse tree of a text and the comment tokens it holds."""
    _COMMENTS.clear()
    try:
        tree = parser().parse(text)
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
