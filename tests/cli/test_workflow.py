"""The pull-request workflow: diff, compile --check, init, pre-commit hooks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from metricc.cli import main
from tests.conftest import METRICS, ROOT


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(METRICS, tmp_path / "metrics")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_diff_reports_exactly_a_target_a_rename_and_a_source_column(repo: Path) -> None:
    metrics = repo / "metrics"
    edit(
        metrics / "engagement.metric",
        "target: >= 2500 by 2027-03-31",
        "target: >= 3000 by 2027-03-31",
    )
    edit(metrics / "engagement.metric", "metric dau {", "metric daily_active_users {")
    edit(metrics / "engagement.metric", "formula: dau / mau", "formula: daily_active_users / mau")
    edit(
        metrics / "sources.metric",
        "  table: sessions\n  time: started_at",
        "  table: sessions\n  time: ended_at",
    )
    git(repo, "commit", "-q", "-am", "head")
    code, output = run("diff", "HEAD~1", "HEAD", "--format", "json")
    assert code == 0, output
    report = json.loads(output)
    assert report["added"] == [] and report["removed"] == []
    assert [(c["old_name"], c["name"]) for c in report["renamed"]] == [
        ("dau", "daily_active_users")
    ]
    changed = {(c["kind"], c["name"]): c["fields"] for c in report["changed"]}
    assert changed == {
        ("source", "sessions"): [{"field": "time", "old": "started_at", "new": "ended_at"}],
        ("metric", "weekly_core_users"): [
            {"field": "target", "old": ">= 2500 by 2027-03-31", "new": ">= 3000 by 2027-03-31"}
        ],
    }
    assert sorted(report["impact"]["numbers"]) == ["avg_session_duration", "sessions_per_user"]
    assert report["impact"]["alerts"] == []


def test_diff_sees_dependency_and_alert_changes(repo: Path) -> None:
    edit(
        repo / "metrics" / "revenue.metric",
        "numerator: sum(orders.amount_usd) where orders.status = 'completed'\n"
        "  denominator: count_distinct(orders.user_id)",
        "numerator: sum(orders.amount_usd)\n  denominator: count_distinct(orders.user_id)",
    )
    edit(
        repo / "metrics" / "teams.metric",
        'escalation: "pagerduty:platform"',
        'escalation: "opsgenie:platform"',
    )
    code, output = run("diff", "main", "--format", "markdown")
    assert code == 0, output
    assert "### metric `arppu`" in output and "```diff" in output
    impact = output.split("### Impact", 1)[1]
    assert "`arppu`" in impact and "`cltv`" in impact and "`cltv_to_cac`" in impact
    assert "alerts change: `api_error_rate`" in impact


def test_diff_for_a_terminal_is_plain_text(repo: Path, snapshot: SnapshotAssertion) -> None:
    metrics = repo / "metrics"
    edit(metrics / "engagement.metric", '"Daily active users"', '"Daily actives"')
    edit(metrics / "engagement.metric", "formula: dau / mau", "formula: dau / (mau + 1)")
    edit(metrics / "engagement.metric", "The company's North Star", "Our North Star")
    code, output = run("diff", "main")
    assert code == 0, output
    for markup in ("|---", "```", "<details>", "### ", "`dau`"):
        assert markup not in output
    assert '  title: "Daily active users" → "Daily actives"' in output
    assert output == snapshot


def test_diff_of_folders_and_bad_revisions(repo: Path) -> None:
    code, output = run("diff", "metrics", "metrics")
    assert code == 0 and "No change in meaning." in output
    code, output = run("diff", "no-such-revision")
    assert code == 2


def test_compile_check_names_stale_files(repo: Path) -> None:
    assert run("compile", "--out", "build")[0] == 0
    code, output = run("compile", "--out", "build", "--check")
    assert code == 0 and "up to date" in output
    edit(repo / "metrics" / "engagement.metric", "target: >= 2500", "target: >= 2600")
    code, output = run("compile", "--out", "build", "--check")
    assert code == 1
    assert "changed  build/manifest.json" in output


def test_init_then_lint_fmt_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run("init", "x")
    assert code == 0, output
    monkeypatch.chdir(tmp_path / "x")
    assert run("lint") == (0, "No problems found in 4 files.\n")
    assert run("fmt", "--check")[0] == 0
    code, output = run("compile")
    assert code == 0 and (tmp_path / "x" / "build" / "manifest.json").is_file()
    code, output = run("query", "weekly_active_users", "--format", "json")
    assert code == 0 and json.loads(output)
    # The config's `warehouse` is relative to the config file, wherever metricc runs.
    monkeypatch.chdir(tmp_path / "x" / "metrics")
    assert run("query", "weekly_active_users", "--format", "json") == (0, output)
    monkeypatch.chdir(tmp_path)
    code, elsewhere = run(
        "--config", "x/metricc.toml", "query", "weekly_active_users", "--format", "json"
    )
    assert (code, elsewhere) == (0, output)
    monkeypatch.chdir(tmp_path / "x")
    workflow = yaml.safe_load(
        (tmp_path / "x" / ".github" / "workflows" / "metrics.yml").read_text()
    )
    steps = [s.get("run") for s in workflow["jobs"]["metricc"]["steps"]]
    assert {"metricc lint --format github", "metricc fmt --check", "metricc compile"} <= set(steps)


def test_init_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metricc.toml").write_text("# mine\n")
    code, output = run("init", ".", "--no-warehouse")
    assert code == 2 and "refusing to overwrite" in output
    assert (tmp_path / "metricc.toml").read_text() == "# mine\n"
    assert not (tmp_path / "metrics").exists()


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["metricc-lint"]["entry"] == "metricc lint"
    assert hooks["metricc-lint"]["pass_filenames"] is False
    assert hooks["metricc-fmt"]["entry"] == "metricc fmt"
    code, _ = run("fmt", "--check", str(METRICS / "teams.metric"), str(METRICS / "goals.metric"))
    assert code == 0
