"""SLOs as Prometheus rules: error-ratio recording rules and multi-window,
multi-burn-rate alerts, with promtool unit tests and Alertmanager routing.

The burn-rate policy is data (`POLICY`): each row pages or opens a ticket
when the error ratio over a long window *and* a short one exceed
`burn x (1 - objective)`. The short window makes the alert stop soon after
the burning stops. Thresholds are exact decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from metricc.model import semantic as sm
from metricc.model.semantic import POLICY, BurnRate

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def dump_yaml(data: Any) -> str:
    """YAML in document order (the C dumper when PyYAML has it: large builds are much faster)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))


def _number(value: Decimal) -> str:
    """An exact decimal as Prometheus reads it: 0.0144, never 0.014399999999999999."""
    text = format(value.normalize(), "f")
    return text


def record_name(window: str) -> str:
    return f"slo:sli_error:ratio_rate{window}"


def _window_text(slo: sm.SLO) -> str:
    return str(slo.window)


def _error_ratio(slo: sm.SLO, window: str) -> str:
    assert slo.good_promql is not None and slo.total_promql is not None
    good = slo.good_promql.replace("$window", window)
    total = slo.total_promql.replace("$window", window)
    return f"1 - (({good}) / ({total}))"


def _labels(slo: sm.SLO) -> dict[str, str]:
    return {"slo": slo.name, "team": slo.owner or "unowned"}


def recording_rules(slo: sm.SLO) -> dict[str, Any]:
    windows = [*WINDOWS, _window_text(slo)] if _window_text(slo) not in WINDOWS else list(WINDOWS)
    return {
        "name": f"metricc-slo-{slo.name}-recordings",
        "rules": [
            {"record": record_name(w), "expr": _error_ratio(slo, w), "labels": _labels(slo)}
            for w in windows
        ],
    }


def alert_name(rate: BurnRate) -> str:
    return f"SLOErrorBudgetBurn{rate.severity.title()}{rate.long}"


def annotations_of(slo: sm.SLO, rate: BurnRate) -> dict[str, str]:
    """An alert's annotations as Alertmanager shows them (what promtool's tests expect)."""
    limit = _number(rate.burn * slo.budget)
    return {
        "summary": f"{slo.title or slo.name}: error budget burning {rate.burn}x too fast",
        "description": (
            f"The error ratio over {rate.long} and {rate.short} is above "
            f"{limit} ({rate.burn} x the {_number(slo.budget)} budget of "
            f"the {slo.objective_text} objective over {slo.window}). " + (slo.action or "")
        ).strip(),
        "runbook_url": slo.runbook or "",
    }


def _as_template(text: str) -> str:
    """Text Prometheus shows as written: annotations are Go templates, where `{{`
    opens an action (and a malformed one makes Prometheus refuse the rule file)."""
    return text.replace("{{", '{{ "{{" }}')


def alerting_rules(slo: sm.SLO) -> dict[str, Any]:
    rules = []
    selector = f'{{slo="{slo.name}"}}'
    for rate in POLICY:
        limit = _number(rate.burn * slo.budget)
        rules.append(
            {
                "alert": alert_name(rate),
                "expr": (
                    f"{record_name(rate.long)}{selector} > {limit} "
                    f"and {record_name(rate.short)}{selector} > {limit}"
                ),
                "labels": {"severity": rate.severity, **_labels(slo)},
                "annotations": {k: _as_template(v) for k, v in annotations_of(slo, rate).items()},
            }
        )
    return {"name": f"metricc-slo-{slo.name}-alerts", "rules": rules}


def rule_files(project: sm.Project) -> dict[str, str]:
    """`alerts/prometheus/<slo>.rules.yaml`, its alerts file and promtool tests."""
    files: dict[str, str] = {}
    for slo in project.slos.values():
        if slo.backend != "prometheus":
            continue
        base = f"alerts/prometheus/{slo.name}"
        files[f"{base}.recordings.yaml"] = dump_yaml({"groups": [recording_rules(slo)]})
        files[f"{base}.alerts.yaml"] = dump_yaml({"groups": [alerting_rules(slo)]})
        files[f"{base}.alerts.test.yaml"] = dump_yaml(unit_tests(slo))
    return files


def unit_tests(slo: sm.SLO) -> dict[str, Any]:
    """promtool tests of the burn-rate logic, fed with recorded error ratios.

    For each policy row: both windows burning -> the alert fires; the long
    window burning but the short one recovered -> it does not.
    """
    tests = []
    for rate in POLICY:
        over = _number(rate.burn * slo.budget * 2)
        labels = f'slo="{slo.name}",team="{slo.owner or "unowned"}"'
        burning = [
            {"series": f"{record_name(w)}{{{labels}}}", "values": f"{over}x20"}
            for w in (rate.long, rate.short)
        ]
        recovered = [
            {"series": f"{record_name(rate.long)}{{{labels}}}", "values": f"{over}x20"},
            {"series": f"{record_name(rate.short)}{{{labels}}}", "values": "0x20"},
        ]
        expected = {"severity": rate.severity, "slo": slo.name, "team": slo.owner or "unowned"}
        name = alert_name(rate)
        tests.append(
            {
                "interval": "1m",
                "input_series": burning,
                "alert_rule_test": [
                    {
                        "eval_time": "10m",
                        "alertname": name,
                        "exp_alerts": [
                            {"exp_labels": expected, "exp_annotations": annotations_of(slo, rate)}
                        ],
                    }
                ],
            }
        )
        tests.append(
            {
                "interval": "1m",
                "input_series": recovered,
                "alert_rule_test": [{"eval_time": "10m", "alertname": name, "exp_alerts": []}],
            }
        )
    return {"rule_files": [f"{slo.name}.alerts.yaml"], "evaluation_interval": "1m", "tests": tests}


def _receiver(route: str) -> str:
    return route.lstrip("#").replace(":", "-").replace("/", "-")


def alertmanager(project: sm.Project) -> dict[str, Any]:
    """Alertmanager's configuration: route by the `team` label, pages to the
    escalation, the rest to the channel."""
    receivers: dict[str, dict[str, Any]] = {"metricc-default": {"name": "metricc-default"}}
    routes = []
    for team in project.teams.values():
        channel = _receiver(team.channel) if team.channel else "metricc-default"
        receivers.setdefault(channel, {"name": channel})
        team_routes: list[dict[str, Any]] = []
        if team.escalation:
            escalation = _receiver(team.escalation)
            receivers.setdefault(escalation, {"name": escalation})
            team_routes.append({"receiver": escalation, "matchers": ['severity=~"page|critical"']})
        routes.append(
            {
                "receiver": channel,
                "matchers": [f'team="{team.name}"'],
                **({"routes": team_routes} if team_routes else {}),
            }
        )
    config = {
        "route": {
            "receiver": "metricc-default",
            "group_by": ["alertname", "team", "slo"],
            "routes": routes,
        },
        "receivers": list(receivers.values()),
    }
    return config
