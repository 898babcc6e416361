"""Stages import only downward (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "metricc"

# module prefix -> prefixes of metricc it may import (besides itself and `metricc` for the version)
ALLOWED = {
    "metricc.span": set(),
    "metricc.home": set(),
    "metricc.parallel": set(),
    "metricc.frozen": {"metricc.home"},
    "metricc.cache": {"metricc.parallel", "metricc.home"},
    "metricc.diagnostics": {"metricc.span", "metricc.frozen"},
    "metricc.model": {"metricc.span", "metricc.frozen"},
    "metricc.syntax": {"metricc.span", "metricc.diagnostics", "metricc.model", "metricc.home"},
    "metricc.resolve": {"metricc.span", "metricc.diagnostics", "metricc.model"},
    "metricc.lint": {"metricc.span", "metricc.diagnostics", "metricc.model", "metricc.config"},
    "metricc.backends": {
        "metricc.span",
        "metricc.model",
        "metricc.parallel",
        "metricc.cache",
        "metricc.home",
    },
    "metricc.warehouse": set(),
    "metricc.results": {"metricc.model"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("metricc")}


def test_stages_import_only_downward() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        rule = next((k for k in ALLOWED if module == k or module.startswith(k + ".")), None)
        for imported in _imports(path):
            if imported == "metricc" or rule is None:
                continue
            if imported == rule or imported.startswith(rule + "."):
                continue
            if not any(imported == a or imported.startswith(a + ".") for a in ALLOWED[rule]):
                problems.append(f"{module} imports {imported}")
    assert problems == []


def test_nothing_imports_the_cli() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "cli.py":
            assert "metricc.cli" not in _imports(path), path
