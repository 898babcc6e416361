"""Loading the grammar: one cached LALR parser, whose lexer and parse table the
loop in `metricc.syntax.lalr` drives, and how its terminals read in a message.

The grammar file ships inside the package (`metricc/grammar/metricc.lark`,
a link to the repository's `grammar/` folder) and is found through
importlib.resources, so an installed wheel works without the source tree.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token


def grammar_text() -> str:
    return resources.files("metricc").joinpath("grammar", "metricc.lark").read_text("utf-8")


# Comments are not in the tree; the lexer hands each one to this list, which
# `lalr.parse_text` empties before every parse (fmt and suppressions need them).
COMMENTS: list[Token] = []


def lark_parser() -> Lark:
    """The LALR parser as Lark makes it: positions propagated through every
    reduction. The benchmarks' baseline, and what `parse_text` must parse alike."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"COMMENT": COMMENTS.append},
        cache=True,  # parse tables are cached on disk: a quicker start for every command
    )


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built once per process: its lexer and parse table drive
    `lalr.parse_text` (its tree builders are not used)."""
    return lark_parser()


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
