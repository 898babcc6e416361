"""What an installed package carries: its grammar (read beside the package's modules)
and sqlglot's compiled build."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

from metricc.syntax.grammar import grammar_text
from tests.conftest import ROOT


def test_installed_package_finds_its_grammar() -> None:
    packaged = resources.files("metricc").joinpath("grammar", "metricc.lark")
    assert packaged.is_file()
    assert grammar_text() == (ROOT / "grammar" / "metricc.lark").read_text("utf-8")


def test_wheel_contains_grammar_and_runs_without_the_source_tree(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("metricc-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "metricc/grammar/metricc.lark" in names
        assert "metricc/py.typed" in names
        archive.extractall(tmp_path / "site")
    probe = (
        "import metricc.syntax.grammar as g, metricc.span as s, metricc.syntax.parser as p; "
        "print(g.__file__); f, d = p.parse_source(s.SourceFile('x', 'team t { title: \"T\" }')); "
        "print(len(f.blocks), len(d))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    where, counts = out.stdout.splitlines()
    assert where.startswith(str(tmp_path / "site"))
    assert counts == "1 0"


def test_sql_is_generated_by_sqlglots_compiled_build() -> None:
    """`sqlglot[c]` installs sqlglotc, the same sqlglot compiled by mypyc; its
    extension modules must match the Python half exactly, or queries come out of
    one version's builders and another's generator."""
    from importlib import metadata

    import sqlglot.expressions.core
    import sqlglot.generator

    assert metadata.version("sqlglotc") == metadata.version("sqlglot")
    for module in (sqlglot.generator, sqlglot.expressions.core):
        assert Path(module.__file__ or "").suffix == ".so", module.__file__
