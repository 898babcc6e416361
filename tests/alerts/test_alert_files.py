"""Alert rules in the build: SQL checks, the index, dbt, Grafana, Prometheus, Alertmanager."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
import yaml
from syrupy.assertion import SnapshotAssertion

from metricc.backends.alerts import alert_files, checks_from_queries, grafana_uid
from metricc.backends.alerts.prometheus import POLICY
from metricc.model.semantic import Project
from metricc.pipeline import Compilation
from tests.conftest import METRICS

DIALECTS = ["duckdb", "postgres", "snowflake", "bigquery", "spark", "trino", "redshift"]


@pytest.fixture(scope="module")
def files(reference_project: Project) -> dict[str, str]:
    return alert_files(reference_project, DIALECTS)


def test_checks_made_from_the_queries_trees_are_those_built_alone(
    reference_project: Project, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`compile` builds each query once: `sql_files` makes the check from its tree."""
    from metricc.backends import sql
    from metricc.backends.sql import query

    built: list[tuple[str, str]] = []
    real = query.build_query
    monkeypatch.setattr(
        query,
        "build_query",
        lambda p, m, d, o=None, shared=None: built.append((m, d)) or real(p, m, d, o, shared),
    )
    made = sql.sql_files(reference_project, DIALECTS, also=checks_from_queries(reference_project))
    checks = {path: text for path, text in made.items() if path.startswith("alerts/")}
    assert checks == {path: text for path, text in files.items() if path.startswith("alerts/sql/")}
    assert len(built) == len(set(built)) == len(DIALECTS) * len(reference_project.metrics)
    given = alert_files(reference_project, DIALECTS, checks=checks)
    assert given == files


def test_yaml_written_on_every_core_is_the_yaml_written_here(
    reference_project: Project, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from metricc.backends import alerts

    monkeypatch.setattr(alerts, "YAML_PARALLEL_FROM", 1)  # the reference set has 8 teams
    assert alert_files(reference_project, DIALECTS) == files


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_printed_tree_serves_a_check_unless_printing_rewrote_it(
    reference_project: Project, dialect: str
) -> None:
    """`sql_files` hands a query's tree to its check once printed, without a copy,
    except where the dialect's quirk says printing rewrites it: there the check
    made from a printed tree differs. (Should sqlglot stop rewriting, this fails:
    the copy can go.)"""
    from metricc.backends.alerts import _check
    from metricc.backends.sql import render
    from metricc.backends.sql.dialects import QUIRKS
    from metricc.backends.sql.query import build_query

    differs = []
    for metric in reference_project.metrics.values():
        if metric.thresholds:
            query = build_query(reference_project, metric.name, dialect)
            render(query, dialect)
            if _check(reference_project, metric, dialect, query) != _check(
                reference_project, metric, dialect
            ):
                differs.append(metric.name)
    assert bool(differs) == QUIRKS[dialect].rewrites, differs


def test_every_threshold_has_a_check_per_dialect(
    reference_project: Project, files: dict[str, str]
) -> None:
    with_thresholds = [m for m in reference_project.metrics.values() if m.thresholds]
    assert with_thresholds
    for metric in with_thresholds:
        for dialect in DIALECTS:
            sql = files[f"alerts/sql/{dialect}/{metric.name}.sql"]
            assert sqlglot.parse(sql, read=dialect)[0] is not None


def test_index_routes_warn_to_channel_and_critical_to_escalation(
    files: dict[str, str], json_snapshot: SnapshotAssertion
) -> None:
    index = yaml.safe_load(files["alerts/alerts.yaml"])["alerts"]
    by_rule = {a["rule"]: a for a in index}
    assert by_rule["api_error_rate:warn"]["routing"] == "#platform-alerts"
    assert by_rule["api_error_rate:critical"]["routing"] == "pagerduty:platform"
    assert by_rule["api_error_rate:critical"]["action"].startswith("Open the incident channel")
    # An SLO's pages go where the team escalates, its tickets to its channel (as Alertmanager).
    assert by_rule["api_availability:burn-rate"]["routing"] == "pagerduty:platform/#platform-alerts"
    assert index == json_snapshot


@pytest.mark.parametrize(
    ("as_of", "fired"),
    [("2026-06-18", [("2026-06-17", "critical"), ("2026-06-17", "warn")]), ("2026-06-21", [])],
)
def test_a_check_reports_what_fires_in_the_latest_complete_period(
    reference_project: Project, warehouse: Path, as_of: str, fired: list[tuple[str, str]]
) -> None:
    """A scheduled check alerts when it returns rows: with every past breach among
    them, one bad day kept it (and the dbt test and the Grafana rule) firing for good."""
    import datetime

    import duckdb

    from metricc.backends.alerts.checks import threshold_query
    from metricc.backends.sql import render

    metric = reference_project.metrics["api_error_rate"]
    day = datetime.date.fromisoformat(as_of)
    sql = render(threshold_query(reference_project, metric, "duckdb", day), "duckdb")
    rows = duckdb.connect(str(warehouse), read_only=True).execute(sql).fetchall()
    assert [(str(row[1])[:10], row[4]) for row in rows] == fired


def test_grafana_rule_uids_are_unique_and_short_enough() -> None:
    """Grafana takes 40 characters: cut alone, a long name's two rules shared one UID."""
    assert grafana_uid("api_error_rate", "critical") == "metricc-api_error_rate-critical"
    long = "api_server_error_rate_all_services"
    uids = {grafana_uid(long, severity) for severity in ("warn", "critical")}
    uids |= {grafana_uid(long + "_eu", severity) for severity in ("warn", "critical")}
    assert len(uids) == 4 and all(len(uid) <= 40 for uid in uids)


def test_dbt_tests_map_severities(files: dict[str, str]) -> None:
    warn = files["alerts/dbt/tests/api_error_rate__warn.sql"]
    critical = files["alerts/dbt/tests/api_error_rate__critical.sql"]
    assert warn.startswith("{{ config(severity='warn'")
    assert critical.startswith("{{ config(severity='error'")


def test_grafana_provisioning_shape(files: dict[str, str]) -> None:
    doc = yaml.safe_load(files["alerts/grafana/platform.yaml"])
    assert doc["apiVersion"] == 1
    (group,) = doc["groups"]
    rules = {rule["uid"]: rule for rule in group["rules"]}
    rule = rules["metricc-api_error_rate-critical"]
    assert rule["condition"] == "C"
    assert "FROM" in rule["data"][0]["model"]["rawSql"]
    assert rule["labels"]["severity"] == "critical"


def test_burn_rate_thresholds_are_exact_decimals(
    reference_project: Project, files: dict[str, str]
) -> None:
    slo = reference_project.slos["api_availability_prom"]
    text = files["alerts/prometheus/api_availability_prom.alerts.yaml"]
    for rate in POLICY:
        assert f"> {format((rate.burn * slo.budget).normalize(), 'f')} " in text
    assert slo.budget == Decimal("0.001")
    assert "0000000" not in text and "9999999" not in text


def test_recording_rules_cover_every_window(files: dict[str, str]) -> None:
    groups = yaml.safe_load(files["alerts/prometheus/api_availability_prom.recordings.yaml"])
    records = [rule["record"] for rule in groups["groups"][0]["rules"]]
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
        assert f"slo:sli_error:ratio_rate{window}" in records


def test_alertmanager_routes_by_team(files: dict[str, str]) -> None:
    config = yaml.safe_load(files["alerts/alertmanager.yaml"])
    routes = {r["matchers"][0]: r for r in config["route"]["routes"]}
    platform = routes['team="platform"']
    assert platform["receiver"] == "platform-alerts"
    assert platform["routes"][0]["receiver"] == "pagerduty-platform"
    names = {r["name"] for r in config["receivers"]}
    assert {"platform-alerts", "pagerduty-platform", "metricc-default"} <= names


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        message = "promtool not found (Debian: apt-get install prometheus)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_promtool_accepts_rules_and_their_tests_pass(files: dict[str, str], tmp_path: Path) -> None:
    promtool = _promtool()
    for name, text in files.items():
        if name.startswith("alerts/prometheus/"):
            (tmp_path / Path(name).name).write_text(text)
    rules = sorted(str(p) for p in tmp_path.glob("*.yaml") if not p.name.endswith(".test.yaml"))
    tests = sorted(str(p) for p in tmp_path.glob("*.test.yaml"))
    assert rules and tests
    checked = subprocess.run([promtool, "check", "rules", *rules], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", *tests], capture_output=True, text=True, cwd=tmp_path
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_user_text_in_annotations_is_shown_as_written_not_run_as_a_template(
    write_project: Callable[[dict[str, str]], Compilation], tmp_path: Path
) -> None:
    """Annotations are Go templates: a `{{` in an SLO's title or action would make
    Prometheus refuse the file (or run as a template); it shows as written."""
    promtool = _promtool()
    files = {path.name: path.read_text() for path in METRICS.glob("*.metric")}
    files["reliability.metric"] = files["reliability.metric"].replace(
        '"Stop risky deploys while the budget burns; find the failing service."',
        '"Check {{ oops and {{ $labels.slo }} }}"',
    )
    compilation = write_project(files)
    assert compilation.project is not None, compilation.diagnostics
    made = alert_files(compilation.project, ["duckdb"])
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in made.items():
        if name.startswith("alerts/prometheus/"):
            (folder / Path(name).name).write_text(text)
    assert (
        "Check {{ oops and {{ $labels.slo }} }}"
        in made["alerts/prometheus/api_availability_prom.alerts.test.yaml"]
    )
    rules = sorted(str(p) for p in folder.glob("*.yaml") if not p.name.endswith(".test.yaml"))
    checked = subprocess.run([promtool, "check", "rules", *rules], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(str(p) for p in folder.glob("*.test.yaml"))
    tested = subprocess.run(
        [promtool, "test", "rules", *tests], capture_output=True, text=True, cwd=folder
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_dbt_tests_and_grafana_rules_run_and_keep_their_severity(
    reference_project: Project, files: dict[str, str], warehouse: Path
) -> None:
    """Executed on the sample warehouse: each wrapper returns the check's rows of its
    own severity (dbt) or counts them (Grafana), nothing else."""
    import duckdb

    connection = duckdb.connect(str(warehouse), read_only=True)
    grafana = {
        rule["uid"]: rule["data"][0]["model"]["rawSql"]
        for team in reference_project.teams
        if f"alerts/grafana/{team}.yaml" in files
        for group in yaml.safe_load(files[f"alerts/grafana/{team}.yaml"])["groups"]
        for rule in group["rules"]
    }
    fired = 0
    for metric in [m for m in reference_project.metrics.values() if m.thresholds]:
        check = connection.execute(files[f"alerts/sql/duckdb/{metric.name}.sql"])
        columns = [d[0] for d in check.description]
        rows = [dict(zip(columns, row, strict=True)) for row in check.fetchall()]
        for threshold in metric.thresholds:
            expected = sorted(
                tuple(r.values()) for r in rows if r["severity"] == threshold.severity
            )
            dbt = files[f"alerts/dbt/tests/{metric.name}__{threshold.severity}.sql"]
            jinja, sql = dbt.split("\n", 1)
            assert jinja.startswith("{{ config(") and jinja.endswith(") }}")
            assert sorted(connection.execute(sql).fetchall()) == expected
            uid = grafana_uid(metric.name, threshold.severity)
            assert connection.execute(grafana[uid]).fetchall() == [(len(expected),)]
            fired += len(expected)
    assert fired  # the sample warehouse makes some thresholds fire
