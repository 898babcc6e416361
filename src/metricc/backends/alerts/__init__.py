"""Alert rules: threshold checks as SQL (with dbt and Grafana wrappers), an index
of every alert with its routing, and Prometheus rules for SLOs.

    alerts/alerts.yaml                         every rule: metric, severity, routing, files
    alerts/sql/<dialect>/<metric>.sql          breaching periods (no rows: nothing fires)
    alerts/dbt/tests/<metric>__<severity>.sql  dbt singular tests (fail when rows return)
    alerts/grafana/<team>.yaml                 Grafana alert rule provisioning
    alerts/prometheus/<slo>.*.yaml             SLO recording rules, burn-rate alerts, tests
    alerts/alertmanager.yaml                   routing by team to channel and escalation
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from metricc.backends.alerts.prometheus import alertmanager, dump_yaml, rule_files
from metricc.backends.inputs import Inputs, inputs_of, named, read
from metricc.backends.sql import FromQuery, comment
from metricc.cache import BuildCache, Text, digest, named_by, note, rendered, text_of
from metricc.model import semantic as sm

if TYPE_CHECKING:  # imported when a check is built (it imports sqlglot)
    from sqlglot import exp

    from metricc.backends.alerts.checks import threshold_query

__all__ = ["alert_files", "checks_from_queries", "routing", "threshold_query"]

DBT_SEVERITY = {"warn": "warn", "critical": "error"}
CHECK = "check"  # the kind of a check's cache key
GRAFANA_DATASOURCE = "metricc-warehouse"
GRAFANA_UID_LENGTH = 40
YAML_PARALLEL_FROM = 50  # YAML documents: from this many, on every core
INDEX = "alerts/alerts.yaml"
ALERTMANAGER = "alerts/alertmanager.yaml"
UNOWNED = "unowned"  # where the rules of metrics without an owner go


def routing(project: sm.Project, owned: sm.Metric | sm.SLO, severity: str) -> str | None:
    """Where an alert goes: the owner team's channel for a warning (or an SLO's
    ticket), its escalation for anything critical (or a page)."""
    team = project.teams.get(owned.owner or "")
    if team is None:
        return None
    return team.channel if severity in ("warn", "ticket") else (team.escalation or team.channel)


def _slo_routing(project: sm.Project, slo: sm.SLO) -> str | None:
    """Pages and tickets, in the order its severity names them (`page/ticket`)."""
    page, ticket = routing(project, slo, "page"), routing(project, slo, "ticket")
    return f"{page}/{ticket}" if page and ticket else None


def _header(metric: sm.Metric, dialect: str) -> str:
    where = metric.location
    return comment(
        f"thresholds of {metric.name} ({where.file}:{where.line}); dialect {dialect}"
    ) + comment("returns what fires in the latest complete period; no rows: all clear")


def _check_path(metric: sm.Metric, dialect: str) -> str:
    return f"alerts/sql/{dialect}/{metric.name}.sql"


def __getattr__(name: str) -> Any:
    if name != "threshold_query":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.checks").threshold_query


def _check(
    project: sm.Project, metric: sm.Metric, dialect: str, series: exp.Select | None = None
) -> str:
    from metricc.backends.alerts.checks import threshold_query
    from metricc.backends.sql.printing import render

    sql = render(threshold_query(project, metric, dialect, series=series), dialect)
    return _header(metric, dialect) + sql + ";\n"


def _check_key(inputs: Inputs, metric: sm.Metric, dialect: str) -> str:
    """What a check is made from: the metric's value's inputs, and its header (which
    shows where the metric is written, not its title)."""
    made_from = inputs.value(metric.name)
    return digest(CHECK, _check_path(metric, dialect), made_from, _header(metric, dialect))


def checks_from_queries(project: sm.Project) -> FromQuery:
    """The threshold checks, made by `sql_files` from each watched metric's query
    as it builds it (instead of building every query again); hand what it made
    to `alert_files` as `checks`."""
    inputs = inputs_of(project)
    return FromQuery(
        path=lambda metric, dialect: _check_path(metric, dialect) if metric.thresholds else None,
        key=lambda metric, dialect: _check_key(inputs, metric, dialect),
        make=lambda metric, dialect, query: _check(project, metric, dialect, query),
    )


def alert_files(
    project: sm.Project,
    dialects: list[str],
    cache: BuildCache | None = None,
    checks: Mapping[str, Text] | None = None,
) -> dict[str, Text]:
    """Every alert file; with a cache, a check whose inputs are unchanged is not
    rebuilt; `checks` already made (by `sql_files` with `checks_from_queries`) are
    taken as they are."""
    files: dict[str, Text] = {}
    index: list[dict[str, Any]] = []
    default = dialects[0]
    watched = [m for m in project.metrics.values() if m.thresholds]
    jobs = [(metric, dialect) for metric in watched for dialect in dialects]
    given = checks or {}
    unmade = [job for job in jobs if _check_path(*job) not in given]
    inputs = inputs_of(project, prepared=cache is not None)
    made = rendered(
        cache,
        unmade,
        lambda job: _check_path(*job),
        lambda job: _check_key(inputs, *job),
        lambda job: _check(project, *job),
        settles=True,
    )
    known = {**given, **dict(zip((_check_path(*job) for job in unmade), made, strict=True))}
    for job in jobs:
        files[_check_path(*job)] = known[_check_path(*job)]

    bodies: dict[str, str] = {}

    def body(metric: sm.Metric) -> str:
        """A metric's check in the default dialect, without its header: read only for
        the rules made again (a kept check is a file of the previous build)."""
        found = bodies.get(metric.name)
        if found is None:
            text = text_of(known[_check_path(metric, default)])
            found = text.removeprefix(_header(metric, default)).removesuffix(";\n")
            bodies[metric.name] = found
        return found

    tests = [(metric, threshold) for metric in watched for threshold in metric.thresholds]
    made = rendered(
        cache,
        tests,
        lambda test: _dbt_path(*test),
        lambda test: digest("dbt", _dbt_path(*test), default, inputs.metric(test[0].name)),
        lambda test: _dbt_test(*test, body(test[0]), default),
        parallel_from=len(tests) + 1,  # a few lines each: quicker here than sent back
        settles=True,
    )
    files.update(zip((_dbt_path(*test) for test in tests), made, strict=True))
    for metric, threshold in tests:
        index.append(
            {
                "metric": metric.name,
                "rule": f"{metric.name}:{threshold.severity}",
                "severity": threshold.severity,
                "condition": threshold.text,
                "owner": metric.owner,
                "routing": routing(project, metric, threshold.severity),
                "action": metric.action,
                "runbook": metric.runbook,
                "queries": {d: f"sql/{d}/{metric.name}.sql" for d in dialects},
            }
        )
    by_team: dict[str, list[sm.Metric]] = {}
    for metric in watched:
        by_team.setdefault(metric.owner or UNOWNED, []).append(metric)

    def team_key(team: str) -> str:
        """What a team's Grafana rules read: its watched metrics (with all their values
        read), and the team's routing; which metrics name it (one that changes owner
        or thresholds is in another team's file, or no longer in any)."""
        owner = project.teams.get(team)
        note(*([named("metric", "*")] if team == UNOWNED else []))
        note(*([named_by(read(owner))] if owner else []))
        return digest(
            "grafana",
            _grafana_path(team),
            default,
            inputs.whole(owner) if owner else "",
            *(inputs.metric(metric.name) for metric in by_team[team]),
        )

    def team_rules(team: str) -> str:
        rules = [
            _grafana_rule(
                metric,
                threshold,
                body(metric),
                routing(project, metric, threshold.severity),
                default,
            )
            for metric in by_team[team]
            for threshold in metric.thresholds
        ]
        return dump_yaml(_grafana_document(team, rules))

    teams = list(by_team)
    # Writing YAML is slow in Python (the representer walks every value: ~10 ms for
    # a team's file): a few dozen are worth the workers.
    made = rendered(
        cache,
        teams,
        _grafana_path,
        team_key,
        team_rules,
        parallel_from=YAML_PARALLEL_FROM,
        settles=True,
    )
    files.update(zip(map(_grafana_path, teams), made, strict=True))
    for slo in project.slos.values():
        index.append(
            {
                "slo": slo.name,
                "rule": f"{slo.name}:burn-rate",
                "severity": "page/ticket",
                "condition": f"multi-window burn rate of the {slo.objective_text} objective "
                f"over {slo.window}",
                "owner": slo.owner,
                "routing": _slo_routing(project, slo),
                "action": slo.action,
                "runbook": slo.runbook,
                "queries": (
                    {"prometheus": f"prometheus/{slo.name}.alerts.yaml"}
                    if slo.backend == "prometheus"
                    else {"check": "metricc check"}
                ),
            }
        )
    files[INDEX] = _yaml(cache, INDEX, {"alerts": index})
    files.update(rule_files(project))
    files[ALERTMANAGER] = _yaml(cache, ALERTMANAGER, alertmanager(project))
    return files


def _yaml(cache: BuildCache | None, path: str, document: dict[str, Any]) -> Text:
    """A document that reads the whole project (the index of every alert, the routing
    of every team): made each time, its YAML written only when it differs, compared
    as JSON (ten times quicker to write than YAML)."""
    return rendered(
        cache,
        [path],
        lambda path: path,
        lambda path: digest("yaml", path, json.dumps(document, default=repr)),
        lambda path: dump_yaml(document),
    )[0]


def _dbt_path(metric: sm.Metric, threshold: sm.Threshold) -> str:
    return f"alerts/dbt/tests/{metric.name}__{threshold.severity}.sql"


def _dbt_test(metric: sm.Metric, threshold: sm.Threshold, check: str, dialect: str) -> str:
    """A dbt singular test: fails when the check returns a row of its severity."""
    return (
        f"{{{{ config(severity='{DBT_SEVERITY[threshold.severity]}', "
        f"tags=['metricc', '{metric.owner or UNOWNED}']) }}}}\n"
        + comment(f"{metric.name}: {threshold.severity} when {threshold.text}")
        + f"SELECT * FROM (\n{check}\n) AS metricc_check\n"
        f"WHERE {_of_severity(threshold.severity, dialect)}\n"
    )


def _grafana_path(team: str) -> str:
    return f"alerts/grafana/{team}.yaml"


def _grafana_document(team: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": 1,
                "name": f"metricc-{team}",
                "folder": "metricc",
                "interval": "1h",
                "rules": rules,
            }
        ],
    }


@functools.cache
def _of_severity(severity: str, dialect: str) -> str:
    """The condition that keeps a check's rows of one severity (the literal quoted by
    sqlglot); printed once per severity and dialect, not for every threshold."""
    from sqlglot import exp

    from metricc.backends.sql.printing import render

    return render(exp.column("severity").eq(exp.Literal.string(severity)), dialect)


def grafana_uid(metric: str, severity: str) -> str:
    """A rule's UID: Grafana takes at most 40 characters. A longer one keeps its start
    and a digest of the whole (cut alone, a long name's warn and critical rules
    got one UID, and Grafana kept only one of them)."""
    uid = f"metricc-{metric}-{severity}"
    if len(uid) <= GRAFANA_UID_LENGTH:
        return uid
    tag = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:8]
    return f"{uid[: GRAFANA_UID_LENGTH - len(tag) - 1]}-{tag}"


def _grafana_rule(
    metric: sm.Metric, threshold: sm.Threshold, check: str, route: str | None, dialect: str
) -> dict[str, Any]:
    """A Grafana-managed rule: the check's breaching rows in the latest period, > 0 fires."""
    count = (
        f"SELECT count(*) AS breaches FROM (\n{check}\n) AS metricc_check\n"
        f"WHERE {_of_severity(threshold.severity, dialect)}"
    )
    return {
        "uid": grafana_uid(metric.name, threshold.severity),
        "title": f"{metric.title} ({threshold.severity})",
        "condition": "C",
        "data": [
            {
                "refId": "A",
                "relativeTimeRange": {"from": 86400 * 400, "to": 0},
                "datasourceUid": GRAFANA_DATASOURCE,
                "model": {"refId": "A", "rawSql": count, "format": "table", "rawQuery": True},
            },
            {
                "refId": "C",
                "datasourceUid": "__expr__",
                "model": {
                    "refId": "C",
                    "type": "threshold",
                    "expression": "A",
                    "conditions": [{"evaluator": {"type": "gt", "params": [0]}}],
                },
            },
        ],
        "noDataState": "OK",
        "execErrState": "Error",
        "for": "0s",
        "annotations": {
            "summary": f"{metric.name}: {threshold.severity} when {threshold.text}",
            "description": metric.action or "",
            "runbook_url": metric.runbook or "",
        },
        "labels": {
            "severity": threshold.severity,
            "team": metric.owner or "unowned",
            "metric": metric.name,
            **({"route": route} if route else {}),
        },
    }
