"""What a one-file `metricc lint` and an up-to-date `metricc compile` load: nothing
they do not use.

A pre-commit hook runs lint on every commit, so its start-up is most of its
time; a compile with nothing to do is all start-up. (Pydantic is for dumping
the model, validating a config file and the manifest's schema; tomllib is for
a project with a config file; Lark makes the grammar's tables once, which a
parse then reads from the cache.)
This checks behaviour (what is imported and built), not speed; the figures are
in bench/README.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import METRICS

SCRIPT = """
import json, sys
from metricc.cli import main
code = 0
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exit:
    code = exit.code or 0
print(json.dumps({
    "code": code,
    "modules": sorted(
        name for name in ("sqlglot", "jinja2", "markdown_it_pyrs", "duckdb", "multiprocessing",
                          "metricc.backends", "lark", "metricc.pipeline", "asyncio", "tomllib",
                          "metricc.output", "pydantic")
        if name in sys.modules
    ),
}))
"""


def _loaded(*args: str) -> dict[str, object]:
    """What `metricc ARGS` imported of the heavy modules, and its exit code."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(args)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_a_one_file_lint_imports_no_backend_and_no_pydantic(tmp_path: Path) -> None:
    (tmp_path / "engagement.metric").write_text((METRICS / "engagement.metric").read_text())
    _loaded("lint", str(tmp_path))  # makes the grammar's tables if no run has yet
    loaded = _loaded("lint", str(tmp_path))
    assert loaded["modules"] == ["metricc.pipeline"]


def test_an_up_to_date_compile_imports_neither_the_pipeline_nor_a_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(METRICS, tmp_path / "metrics")
    monkeypatch.chdir(tmp_path)
    first = _loaded("compile", "metrics")  # builds
    assert first["code"] == 0 and "sqlglot" in first["modules"]  # type: ignore[operator]
    assert _loaded("compile", "metrics") == {"code": 0, "modules": []}
