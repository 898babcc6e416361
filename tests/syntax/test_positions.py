"""The parser builds the AST as it reduces, and takes each run of chain reductions
in one step: every AST must be the one built from Lark's own tree by the same
methods, every node with the span Lark's positions give it, and every text Lark
rejects rejected alike."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Tree

from metricc.syntax import lexer
from metricc.syntax.errors import TooDeep, UnexpectedInput
from metricc.syntax.grammar import lark_parser
from metricc.syntax.lalr import MAX_DEPTH, parse_text
from metricc.syntax.tables import tables
from metricc.syntax.transform import ToAst
from tests.conftest import CORPUS, METRICS, ROOT
from tests.syntax.test_parallel_parse import _synthetic


def _texts() -> list[tuple[str, str]]:
    files = [*sorted(METRICS.glob("*.metric")), *sorted((ROOT / "examples").rglob("*.metric"))]
    files += sorted(CORPUS.rglob("*.metric"))
    found = [(p.relative_to(ROOT).as_posix(), p.read_text("utf-8")) for p in files]
    found.append(("synthetic", _synthetic().project_text(300, 11)))  # type: ignore[attr-defined]
    return found


def _ours(text: str) -> tuple[Any, list[Any]]:
    builder = ToAst("f.metric")
    blocks, _ = parse_text(text, builder.builders())
    return blocks, builder.diagnostics


def _height(tree: Tree[Any]) -> int:
    return 1 + max((_height(c) for c in tree.children if isinstance(c, Tree)), default=0)


def _from_lark(text: str) -> tuple[Any, list[Any]]:
    """Lark's own tree (positions propagated by Lark), built bottom-up by ToAst's
    methods, each given its node's positions for both its first and last token."""
    builder = ToAst("f.metric")
    builders = builder.builders()

    def build(tree: Tree[Any]) -> Any:
        children = [build(c) if isinstance(c, Tree) else c for c in tree.children]
        return builders[tree.data](children, tree.meta, tree.meta)

    tree = lark_parser().parse(text)
    if any(_height(block) > MAX_DEPTH for block in tree.children):
        raise TooDeep(tree.children[0].meta)
    return build(tree), builder.diagnostics


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[name for name, _ in _texts()])
def test_every_node_is_built_with_the_span_lark_gives_it(name: str, text: str) -> None:
    blocks, diagnostics = _ours(text)
    assert blocks and (blocks, diagnostics) == _from_lark(text)


def _outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except TooDeep:
        return "too deep"
    except (UnexpectedInput, lark.UnexpectedInput) as error:
        expected = sorted(getattr(error, "expected", None) or getattr(error, "allowed", None) or [])
        accepts = sorted(getattr(error, "accepts", None) or [])  # worked out by its own parser
        token = getattr(error, "token", None)
        found = (
            None if token is None else (token.type, str(token), token.end_line, token.end_column)
        )
        return type(error).__name__, error.line, error.column, expected, accepts, found


@given(
    st.text(
        alphabet=st.sampled_from(list('metric team source {}:"#()<>=,.-+*/%\n\t ab09_wheresumx')),
        max_size=300,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_fails_as_with_lark(text: str) -> None:
    assert _outcome(_ours, text) == _outcome(_from_lark, text)


# Words in the contexts where the contextual lexer decides: keywords that are
# names elsewhere, values, punctuation, after prefixes that open a value.
_WORDS = (
    "metric team source end case when then else and or not in is null like true false "
    "change active at start started ended by for vs within where x events.user_id count "
    "-> { } : ( ) , . + - * / < >= = <> 2027-03-31 5d 10% 12 1.5 's' \"t\" # \n"
)
WORDS = _WORDS.split(" ")
PREFIXES = ("", "metric m {\n  x: ", "metric m {\n  measure: count(e.u) ", "metric m {\n  warn: ")


@given(st.sampled_from(PREFIXES), st.lists(st.sampled_from(WORDS), max_size=12), st.booleans())
@settings(max_examples=300, deadline=None)
def test_any_words_lex_and_parse_as_with_lark(prefix: str, words: list[str], close: bool) -> None:
    """Both ways the lexer may go: the root's regex where it serves (a small text),
    and each state's own (as for a large one)."""
    text = prefix + " ".join(words) + (" }\n" if close else "")
    expected = _outcome(_from_lark, text)
    assert _outcome(_ours, text) == expected
    with patch.object(lexer, "OWN_REGEXES_FROM", 0):
        assert _outcome(_ours, text) == expected


def test_chain_reductions_are_taken_in_one_step() -> None:
    """Otherwise the speed-up silently went away (a Lark upgrade, a grammar edit)."""
    chains = {tables().shapes[n].name for n in tables().chains}
    assert {"value", "expr", "or_expr", "and_expr", "sum_expr", "product", "unary"} <= chains
    _ours("metric m {\n  measure: count(events.user_id) + 1\n}\n")
    assert tables().landings
