"""Every output format on one fixture: the flawed example project."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from metricc.cli import main
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("fmt", ["human", "concise", "json", "github", "sarif"])
def test_format_snapshot(fmt: str, text_snapshot: SnapshotAssertion) -> None:
    result = CliRunner().invoke(main, ["lint", "examples/flawed", "--format", fmt])
    assert result.exit_code == 1
    assert result.stdout == text_snapshot


def test_json_lists_every_rule() -> None:
    from metricc.lint.rules import RULES

    result = CliRunner().invoke(main, ["lint", "examples/flawed", "--format", "json"])
    findings = json.loads(result.stdout)
    assert {f["rule"] for f in findings} >= {rule.name for rule in RULES}
    for finding in findings:
        assert set(finding) >= {
            "rule",
            "code",
            "severity",
            "message",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
        }


def test_reference_set_is_lint_clean() -> None:
    result = CliRunner().invoke(main, ["lint", "metrics"])
    assert result.exit_code == 0, result.output


def test_fail_on_error_ignores_warnings() -> None:
    result = CliRunner().invoke(main, ["lint", "examples/flawed", "--fail-on", "error"])
    assert result.exit_code == 0


def test_select_and_ignore() -> None:
    result = CliRunner().invoke(
        main,
        [
            "lint",
            "examples/flawed",
            "--format",
            "json",
            "--select",
            "vanity-metric,MC502",
            "--ignore",
            "MC502",
        ],
    )
    assert {f["rule"] for f in json.loads(result.stdout)} == {"vanity-metric"}
    bad = CliRunner().invoke(main, ["lint", "examples/flawed", "--select", "nonsense"])
    assert bad.exit_code == 2


def test_sarif_is_valid_sarif_2_1_0() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    sarif = pytest.importorskip("sarif_pydantic")
    result = CliRunner().invoke(main, ["lint", "examples/flawed", "--format", "sarif"])
    log = json.loads(result.stdout)
    jsonschema.validate(log, sarif.Sarif.model_json_schema())
    parsed = sarif.Sarif.model_validate(log)
    (run,) = parsed.runs
    assert run.tool.driver.name == "metricc"
    assert len(run.results) == len(
        json.loads(CliRunner().invoke(main, ["lint", "examples/flawed", "--format", "json"]).stdout)
    )
    rule_ids = [rule.id for rule in run.tool.driver.rules]
    for item in run.results:
        assert rule_ids[item.rule_index] == item.rule_id
        assert item.locations[0].physical_location.region.start_line >= 1
