"""An edited file parsed again only where the edit touched it: the tree must be the
one a parse of the whole file makes, or `reparse` must decline (None)."""

from __future__ import annotations

import pickle
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metricc import pipeline
from metricc.frozen import Frozen
from metricc.span import SourceFile
from metricc.syntax.incremental import previous_of, reparse
from metricc.syntax.parser import parse_source
from tests.cli.test_incremental import assert_same_as_clean_build, compile_to, project  # noqa: F401
from tests.cli.test_workflow import edit
from tests.conftest import METRICS

ENGAGEMENT = (METRICS / "engagement.metric").read_text()
NEW_BLOCK = """metric new_one {
  title: "New"
  owner: growth
  grain: week
  measure: count(events.user_id)
}
"""


def _reparsed(old: str, new: str, path: str = "engagement.metric") -> object:
    """The edited file's tree as `reparse` makes it (None: declined); each block it
    says it kept is the same text, where it says it was."""
    tree, problems = parse_source(SourceFile(path, old))
    assert not problems
    pickled = pickle.dumps((tree, problems), protocol=pickle.HIGHEST_PROTOCOL)
    made = reparse(SourceFile(path, new), previous_of(old, tree), lambda: pickled)
    if made is None:
        return None
    edited, moves = made
    blocks = {block.span.start: block.span for block in tree.blocks}
    for block in edited.blocks:
        found = moves.before(block.span.start)
        if found is not None:
            was, lines = found
            span = blocks[was]
            assert old[was : span.end] == new[block.span.start : block.span.end]
            assert (block.span.line, block.span.column) == (span.line + lines, span.column)
    return edited


EDITS = {
    "a title in the first block": ('title: "Weekly core-workflow users"', 'title: "Core users"'),
    "a field added (a line more)": ("  unit: users\n", "  unit: users\n  runbook: x\n"),
    "a description's lines joined": (
        "in the week.\n    The company's",
        "in the week. The company's",
    ),
    "a line broken, no character more": ("indicator: leading\n", "indicator:\nleading\n"),
    "a comment between blocks": ("}\n\nmetric dau {", "}\n\n# daily\nmetric dau {"),
    "the file's first comment": ("# Engagement: the North", "# Engagement, the North"),
    "a block added between two": ("}\n\nmetric dau {", "}\n\n" + NEW_BLOCK + "\nmetric dau {"),
    "a block removed": (
        ENGAGEMENT[ENGAGEMENT.index("metric activation_rate") :].split("}\n")[0] + "}\n",
        "",
    ),
    "a block added at the end": (ENGAGEMENT, ENGAGEMENT + "\n" + NEW_BLOCK),
    "a comment at the very end": (ENGAGEMENT, ENGAGEMENT + "# the end, no newline"),
}


@pytest.mark.parametrize("change", EDITS.values(), ids=EDITS.keys())
def test_an_edit_is_parsed_again_where_it_is_and_the_tree_is_the_whole_parse(
    change: tuple[str, str],
) -> None:
    old, new = change
    assert old in ENGAGEMENT
    edited = ENGAGEMENT.replace(old, new, 1)
    whole, problems = parse_source(SourceFile("engagement.metric", edited))
    assert not problems
    assert _reparsed(ENGAGEMENT, edited) == whole


DECLINED = {
    "the edit is a syntax error": ("  unit: users\n", "  unit users\n"),
    "the next block starts the edit's line": ("}\n\nmetric dau {", "} metric dau {"),
    "most of the file changes": (ENGAGEMENT, ENGAGEMENT.replace("  ", "    ")),
    "nothing changes": ("", ""),
}


@pytest.mark.parametrize("change", DECLINED.values(), ids=DECLINED.keys())
def test_an_edit_that_cannot_be_parsed_alone_is_left_to_a_whole_parse(
    change: tuple[str, str],
) -> None:
    old, new = change
    assert _reparsed(ENGAGEMENT, ENGAGEMENT.replace(old, new, 1)) is None


def test_a_previous_parse_with_syntax_errors_is_not_built_on() -> None:
    broken = ENGAGEMENT + "metric broken {\n  title: \n"
    tree, problems = parse_source(SourceFile("engagement.metric", broken))
    assert problems
    pickled = pickle.dumps((tree, problems))
    edited = SourceFile("engagement.metric", broken.replace("Weekly core", "Weekly kernel"))
    assert reparse(edited, previous_of(broken, tree), lambda: pickled) is None


# Pieces of the language an edit may add: names, braces, fields, strings, comments.
PIECES = st.lists(
    st.sampled_from(
        ["metric", " x", " {", "}", "\n", "  title: ", '"t"', '"""', "# c", ":", "1", "(", ")"]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file=st.sampled_from(sorted(METRICS.glob("*.metric"))),
    at=st.floats(0, 1),
    removed=st.integers(0, 40),
    added=PIECES,
)
def test_any_edit_gives_the_whole_parse_or_none(
    file: Path, at: float, removed: int, added: str
) -> None:
    old = file.read_text()
    start = int(at * len(old))
    new = old[:start] + added + old[start + removed :]
    found = _reparsed(old, new, file.name)
    if found is not None:
        whole, problems = parse_source(SourceFile(file.name, new))
        assert not problems
        assert found == whole


def test_a_compile_after_an_edit_parses_and_digests_only_what_the_edit_touched(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The edited file is parsed only between the blocks the edit left alone, and of
    its blocks only those the edit touched are dumped to JSON for their digests;
    those below an edit that adds lines are dumped once, for the digest that names
    their line. The build is a clean build's, byte for byte."""
    compile_to("build")
    assert len(list(Path("build/.metricc/text").iterdir())) == len(list(project.iterdir()))
    parsed: list[str] = []
    dumped: Counter[str] = Counter()
    whole, dump = pipeline.parse_source, Frozen.dump_json

    def parse_spy(source: SourceFile) -> object:
        parsed.append(source.path)
        return whole(source)

    def dump_spy(node: Frozen, **options: Any) -> str:
        dumped[getattr(node, "name", type(node).__name__)] += 1
        return dump(node, **options)

    below_mau = ["mau", "stickiness", "avg_session_duration", "sessions_per_user"]
    below_mau += ["feature_adoption_rate", "signup_to_purchase"]
    for (old, new), expected in [
        (('title: "Daily active users"', 'title: "DAU"'), {"dau": 3}),
        (
            # After a comment: `mau`, which the new block's `metric ` runs into, is
            # not parsed again.
            ("}\n\nmetric mau {", "}\n\n# new\n" + NEW_BLOCK + "\nmetric mau {"),
            {"new_one": 3} | dict.fromkeys(below_mau, 1),
        ),
        # A line more, no character more: the blocks below move by a line alone.
        (('title: "DAU"', 'title:\n"DAU"'), {"dau": 3, "new_one": 1} | dict.fromkeys(below_mau, 1)),
    ]:
        edit(project / "engagement.metric", old, new)
        with monkeypatch.context() as spying:
            spying.setattr(pipeline, "parse_source", parse_spy)
            spying.setattr(Frozen, "dump_json", dump_spy)
            compile_to("build")
        assert parsed == []
        edited = re.findall(r"^\w+ (\w+) \{", (project / "engagement.metric").read_text(), re.M)
        assert {name: n for name, n in dumped.items() if name in edited} == expected
        assert_same_as_clean_build()
        dumped.clear()
