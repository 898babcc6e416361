"""The grammar's parse table and lexers as plain data, cached on disk: what a parse
needs, without importing Lark.

Lark makes them (its LALR analysis, its contextual lexer's terminals and
regexes per parser state) once per grammar and Lark installation; they are
kept as `marshal` data in the user's cache folder. Importing Lark and loading
its own cache was a fifth of a one-file `metricc lint`. Every value here is
taken from Lark's objects, so the loop in `metricc.syntax.lalr` and the lexer
in `metricc.syntax.lexer` parse, and fail, exactly as Lark does.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metricc.home import recall, remember
from metricc.syntax.grammar import grammar_text, lark_parser

if TYPE_CHECKING:
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import BasicLexer

# Bumped whenever what is stored changes shape.
FORMAT = 1

# A regex as Lark compiled it: its pattern and flags.
Regex = tuple[str, int]

# What one of Lark's lexers matches with: its terminals' regexes (Lark splits
# a long alternation into several), the keywords a terminal's match may be
# (`where` matched as NAME; Lark retypes it by a full match of these), the
# terminals it allows (keywords included), and those it names in an error.
LexerData = tuple[list[Regex], dict[str, list[Regex]], list[str], list[str]]

# What a parse calls for a rule: its children as Lark's tree would hold them, and
# the first and last tokens under it (whose positions make its span).
Builder = Callable[[list[Any], Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """How one of the grammar's rules makes its value, as Lark shapes its tree.

    `keep`: the symbols that stay a child (punctuation and `_KEYWORDS` do not),
    each with whether it is an `_inlined` rule (its children come up instead) and
    how many placeholders for absent `[optional]` parts go before it; `after`:
    the placeholders after the last. A `?rule` left with one child hands it up;
    an `_inlined` rule's value is its children. The others are nodes of the tree,
    built by the builder of their name: one level deeper than their children.
    """

    name: str
    size: int
    keep: tuple[tuple[int, bool, int], ...]
    after: int
    hands_up: bool
    inlined: bool
    level: int

    @classmethod
    def of(cls, rule: Rule, start: str) -> Shape:
        from lark.grammar import Terminal

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
        name = str(rule.alias or rule.origin.name)  # a Token when Lark made it afresh
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


class Tables:
    """What every parse in a process shares: the parse table, each rule's shape,
    the lexers' data, and where the parser lands after a reduction and every
    chain reduction after it.

    In `states`, a shift is `(True, state)` and a reduction `(False, (size, level,
    name, rule))`, `rule` being the rule's number in `shapes`. `lexers` holds
    each distinct lexer of Lark's contextual lexer, `lexer_of` which one a parser
    state lexes with, and `root` the lexer of every terminal. `literals` are the
    terminals that are a fixed string (`{`, `where`), for messages.

    A reduction to `product` with `+` ahead is followed by `sum_expr: product`;
    a field's value climbs ten such rules (`unary` up to `value`) before the
    next token is shifted: five of every six reductions of a file. Each of them
    pops the state just pushed and goes to another from the same state below,
    handing its value up unchanged. So where the climb ends depends only on
    that state, the nonterminal reduced to and the token ahead: worked out once
    per triple (`landing`), it is one lookup instead of a climb.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.states: dict[int, dict[str, tuple[bool, Any]]] = data["states"]
        self.shapes = [Shape(*fields) for fields in data["shapes"]]
        self.start: int = data["start"]
        self.end: int = data["end"]
        self.root: LexerData = data["root"]
        self.lexers: list[LexerData] = data["lexers"]
        self.lexer_of: dict[int, int] = data["lexer_of"]
        self.ignore = frozenset(data["ignore"])
        self.newlines = frozenset(data["newlines"])
        self.comments = frozenset(data["comments"])
        self.literals: dict[str, str] = data["literals"]
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


def _lexer_data(lexer: BasicLexer) -> LexerData:
    from lark.lexer import UnlessCallback

    regexes = [(r.pattern, r.flags) for r in lexer.scanner._mres]  # built on first use
    keywords = {}
    for kind, callback in lexer.callback.items():
        if isinstance(callback, UnlessCallback):
            keywords[kind] = [(r.pattern, r.flags) for r in callback.scanner._mres]
        elif kind not in lexer.ignore_types:
            raise ValueError(f"the grammar's lexer calls back on {kind}: not supported")
    named = sorted(lexer.scanner.allowed_types - lexer.ignore_types) or ["<END-OF-FILE>"]
    return regexes, keywords, sorted(t.name for t in lexer.terminals), named


def _from_lark(lark: Lark) -> dict[str, Any]:
    """Everything a parse needs, taken from Lark's parser."""
    from lark.parsers.lalr_analysis import Shift

    inner = lark.parser.parser.parser
    table = inner.parse_table
    rules = list(inner.callbacks)
    shapes = [Shape.of(rule, "start") for rule in rules]
    number = {rule: n for n, rule in enumerate(rules)}

    def step(action: Any, arg: Any) -> tuple[bool, Any]:
        if action is Shift:
            return True, arg
        shape = shapes[number[arg]]
        return False, (shape.size, shape.level, str(arg.origin.name), number[arg])

    contextual = lark.parser.lexer
    distinct: dict[int, int] = {}
    lexers: list[LexerData] = []
    lexer_of = {}
    for state, lexer in contextual.lexers.items():
        if id(lexer) not in distinct:
            distinct[id(lexer)] = len(lexers)
            lexers.append(_lexer_data(lexer))
        lexer_of[state] = distinct[id(lexer)]
    root = contextual.root_lexer
    return {
        "states": {
            state: {symbol: step(*entry) for symbol, entry in actions.items()}
            for state, actions in table.states.items()
        },
        "shapes": [
            (s.name, s.size, s.keep, s.after, s.hands_up, s.inlined, s.level) for s in shapes
        ],
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "root": _lexer_data(root),
        "lexers": lexers,
        "lexer_of": lexer_of,
        "ignore": sorted(root.ignore_types),
        "newlines": sorted(root.newline_types),
        "comments": sorted(lark.options.lexer_callbacks),
        "literals": {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"},
    }


# What else the tables depend on: how they are taken from Lark, and the options
# Lark's parser is made with.
_MADE_BY = (Path(__file__), Path(__file__).with_name("grammar.py"))


def _stamp(path: str) -> str:
    """A file as installed: its path, size and time (another version is another file)."""
    try:
        found = os.stat(path)
    except OSError:
        return path
    return f"{path}:{found.st_size}:{found.st_mtime_ns}"


def _identity(text: str) -> str:
    """What the tables are made from: the grammar, the code that takes them from
    Lark, this Lark installation and this Python."""
    spec = PathFinder.find_spec("lark")
    files = [spec.origin if spec is not None and spec.origin else "?", *map(str, _MADE_BY)]
    stamps = "\0".join(_stamp(path) for path in files)
    return f"{FORMAT}\0{sys.version}\0{marshal.version}\0{stamps}\0{text}"


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables, from the cache when it holds this grammar's, else from Lark
    (and then cached: a cache that cannot be written only costs the next start)."""
    identity = _identity(grammar_text())
    data = recall("grammar", identity, marshal)
    if data is None:
        data = _from_lark(lark_parser())
        remember("grammar", identity, data, marshal)
    return Tables(data)
