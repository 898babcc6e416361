"""The grammar's tables are made from Lark once and then read from the user's cache
folder: a parse imports no Lark, and a cache that is damaged, stale or cannot be
written changes nothing but the time it takes."""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from metricc.home import cache_folder
from metricc.syntax import tables as module
from metricc.syntax.grammar import lark_parser
from metricc.syntax.tables import Tables, tables
from tests.conftest import METRICS

PROBE = """
import json, sys
from metricc.syntax.parser import parse_source
from metricc.span import SourceFile
tree, problems = parse_source(SourceFile("x.metric", sys.argv[1]))
print(json.dumps([len(tree.blocks), len(problems), "lark" in sys.modules]))
"""


def _parse_elsewhere(text: str, cache: Path) -> list[object]:
    """Blocks and problems of `text` parsed in a fresh process, and whether it imported Lark."""
    env = {"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, text], capture_output=True, text=True, check=True, env=env
    )
    return list(json.loads(done.stdout))


def _cached(cache: Path) -> list[Path]:
    return sorted((cache / "metricc").glob("grammar-*.marshal"))


def test_lark_is_imported_to_make_the_tables_and_then_not_at_all(tmp_path: Path) -> None:
    text = (METRICS / "engagement.metric").read_text("utf-8")
    first = _parse_elsewhere(text, tmp_path)
    assert first[2] is True and len(_cached(tmp_path)) == 1
    assert _parse_elsewhere(text, tmp_path) == [first[0], first[1], False]
    # A syntax error is reported from the tables too.
    assert _parse_elsewhere("metric m {\n  title: :\n}\n", tmp_path) == [0, 1, False]


@pytest.mark.parametrize("damage", [b"", b"not marshal data", marshal.dumps(("other", {}))])
def test_a_damaged_or_foreign_cache_file_is_made_again(tmp_path: Path, damage: bytes) -> None:
    text = (METRICS / "engagement.metric").read_text("utf-8")
    expected = _parse_elsewhere(text, tmp_path)
    (path,) = _cached(tmp_path)
    path.write_bytes(damage)
    assert _parse_elsewhere(text, tmp_path) == [*expected[:2], True]
    assert marshal.loads(path.read_bytes())[1] == module._from_lark(lark_parser())


def test_a_cache_folder_that_cannot_be_written_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert cache_folder() == blocked / "metricc"
    tables.cache_clear()
    try:
        made = tables()
        assert isinstance(made, Tables) and made.states == tables.__wrapped__().states
    finally:
        tables.cache_clear()


def test_the_cache_needs_an_absolute_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative XDG_CACHE_HOME is ignored (as the XDG spec says): the cache would
    land wherever the command runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", "/home/someone")
    assert cache_folder() == Path("/home/someone/.cache/metricc")


def test_a_write_that_fails_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tables.cache_clear()
    try:
        tables()
        (path,) = _cached(tmp_path)
        path.unlink()
        path.mkdir()  # where the file goes, a folder: the rename fails
        tables.cache_clear()
        tables()
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    finally:
        tables.cache_clear()


def test_the_tables_are_larks_own() -> None:
    """What a parse steps through is Lark's table, state for state. (Taken from this
    very parser: two of Lark's builds of the grammar may number states apart, as
    when its cache in the temp folder is made again after metricc's tables were.)"""
    lark = lark_parser()
    table = lark.parser.parser.parser.parse_table
    made = Tables(module._from_lark(lark))
    assert made.states.keys() == table.states.keys()
    for state, actions in table.states.items():
        assert made.states[state].keys() == actions.keys()
    assert made.start == table.start_states["start"] and made.end == table.end_states["start"]
    assert made.comments == {"COMMENT"} and "NAME" in made.root[1]  # keywords matched as NAME


def test_tables_taken_from_a_lark_made_afresh_can_be_stored() -> None:
    """On a fresh machine Lark has no cache of its own yet: the parser it makes names
    rules with its Tokens, which marshal refuses: the tables hold plain strings."""
    fresh = module._from_lark(lark_parser(cache=False))
    assert marshal.loads(marshal.dumps(fresh)) == fresh
