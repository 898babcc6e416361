"""The `metricc` console command: the CLI's exit codes and output survive its quick exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import METRICS

CASES = [
    (["--version"], 0, "metricc, version"),
    (["lint", str(METRICS)], 0, "No problems found in 8 files."),
    (["lint", "/no/such/folder"], 1, "does not exist"),
    (["no-such-command"], 2, "No such command"),
]


@pytest.mark.parametrize(("args", "code", "says"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_the_command_exits_with_the_cli_s_code_and_all_of_its_output(
    args: list[str], code: int, says: str
) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from metricc.cli import entry; entry()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == code, run.stderr
    assert says in run.stdout + run.stderr
