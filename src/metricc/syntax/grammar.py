"""The grammar: its text, the LALR parser Lark makes of it (from which
`metricc.syntax.tables` takes what a parse needs), and how its terminals read
in a message.

The grammar file ships inside the package (`metricc/grammar/metricc.lark`,
a link to the repository's `grammar/` folder) and is read beside this module,
so an installed wheel works without the source tree. (Through
importlib.resources, every command's start imported tempfile and shutil.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark

GRAMMAR = Path(__file__).parent.parent / "grammar" / "metricc.lark"


def grammar_text() -> str:
    return GRAMMAR.read_text("utf-8")


def _comment(token: Any) -> Any:
    """Lark's lexer hands each comment here; the tables record that comments are kept."""
    return token


def lark_parser(cache: bool = True) -> Lark:
    """The LALR parser as Lark makes it: positions propagated through every
    reduction. What the tables are made from, the benchmarks' baseline, and
    what `lalr.parse_text` must parse alike. `cache`: Lark's own analysis
    cached on disk (quicker tests and benchmarks); made afresh, Lark's names
    are its Tokens, not plain strings."""
    from lark import Lark

    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"COMMENT": _comment},
        cache=cache,
    )


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


def describe_terminal(name: str, literals: dict[str, str]) -> str:
    """`a name`, `` `{` ``, `` `where` ``: a terminal as a person would call it;
    `literals` are the terminals that are a fixed string."""
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    if name in literals:
        return f"`{literals[name]}`"
    return name.lower().replace("_", " ")
