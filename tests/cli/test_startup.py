"""What a one-file `metricc lint` loads: nothing a lint does not use.

A pre-commit hook runs lint on every commit, so its start-up is most of its
time. This checks behaviour (what is imported and built), not speed; the
figures are in bench/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import METRICS

SCRIPT = """
import json, sys
from metricc.cli import main
try:
    main(["lint", sys.argv[1]])
except SystemExit:
    pass
from metricc.frozen import Frozen
from metricc.diagnostics import model as diagnostics
from metricc.model import ast, expr, semantic
classes = [c for m in (ast, expr, semantic, diagnostics) for c in vars(m).values()]
print(json.dumps({
    "modules": sorted(
        name for name in ("sqlglot", "jinja2", "markdown_it_pyrs", "duckdb", "multiprocessing",
                          "metricc.backends")
        if name in sys.modules
    ),
    "validators": sorted(
        c.__name__ for c in classes
        if isinstance(c, type) and issubclass(c, Frozen) and c.__pydantic_complete__
    ),
}))
"""


def test_a_one_file_lint_imports_no_backend_and_builds_no_validator(tmp_path: Path) -> None:
    (tmp_path / "engagement.metric").write_text((METRICS / "engagement.metric").read_text())
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded == {"modules": [], "validators": []}
