"""The parser skips Lark's position step where it does nothing, and takes each run of
chain reductions in one step: every tree must still be Lark's own, every node with
the positions Lark gives it, and every text Lark rejects rejected alike."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Token, Tree, UnexpectedInput
from lark.parse_tree_builder import PropagatePositions

from metricc.syntax.grammar import _chain_conf, lark_parser, parse_text, parser
from tests.conftest import CORPUS, METRICS, ROOT
from tests.syntax.test_parallel_parse import _synthetic

POSITIONS = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")


def _texts() -> list[tuple[str, str]]:
    files = [*sorted(METRICS.glob("*.metric")), *sorted((ROOT / "examples").rglob("*.metric"))]
    files += sorted(CORPUS.rglob("*.metric"))
    found = [(p.relative_to(ROOT).as_posix(), p.read_text("utf-8")) for p in files]
    found.append(("synthetic", _synthetic().project_text(300, 11)))  # type: ignore[attr-defined]
    return found


def _walk(ours: object, lark: object, where: str) -> int:
    """Compare two trees node by node; the number of positioned nodes compared."""
    if not isinstance(lark, Tree):
        assert type(ours) is type(lark) and ours == lark, where
        if isinstance(lark, Token):
            assert [getattr(ours, k) for k in POSITIONS] == [getattr(lark, k) for k in POSITIONS]
        return 0
    assert isinstance(ours, Tree) and ours.data == lark.data, where
    assert len(ours.children) == len(lark.children), where
    assert ours.meta.empty == lark.meta.empty, where
    here = f"{where}/{lark.data}"
    compared = 0
    if not lark.meta.empty:
        ours_at = [getattr(ours.meta, k) for k in POSITIONS]
        assert ours_at == [getattr(lark.meta, k) for k in POSITIONS], here
        compared = 1
    return compared + sum(
        _walk(a, b, here) for a, b in zip(ours.children, lark.children, strict=True)
    )


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[name for name, _ in _texts()])
def test_every_node_has_the_positions_lark_gives_it(name: str, text: str) -> None:
    assert _walk(parse_text(text)[0], lark_parser().parse(text), name) > 0


def _outcome(parse: object, text: str) -> object:
    try:
        return parse(text)  # type: ignore[operator]
    except UnexpectedInput as error:
        expected = sorted(getattr(error, "expected", []))
        accepts = sorted(getattr(error, "accepts", None) or [])  # worked out by its own parser
        return type(error).__name__, error.line, error.column, expected, accepts


@given(
    st.text(
        alphabet=st.sampled_from(list('metric team source {}:"#()<>=,.-+*/%\n\t ab09_wheresumx')),
        max_size=300,
    )
)
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_fails_as_with_lark(text: str) -> None:
    assert _outcome(lambda t: parse_text(t)[0], text) == _outcome(lark_parser().parse, text)


def test_chain_reductions_are_taken_in_one_step() -> None:
    """Otherwise the speed-up silently went away (a Lark upgrade, a grammar edit)."""
    chains = {rule.origin.name for rule in _chain_conf().chains}
    assert {"value", "expr", "or_expr", "and_expr", "sum_expr", "product", "unary"} <= chains
    parse_text("metric m {\n  measure: count(events.user_id) + 1\n}\n")
    assert _chain_conf().landings


def test_chain_rules_skip_the_position_step() -> None:
    """Otherwise the speed-up silently went away (a Lark upgrade, a grammar edit)."""
    callbacks = parser().parser.parser.parser.callbacks
    unwrapped = {
        r.origin.name for r, c in callbacks.items() if not isinstance(c, PropagatePositions)
    }
    assert {"expr", "or_expr", "and_expr", "sum_expr", "product", "unary"} <= unwrapped
