"""`metricc check` and `metricc links`: known answers on small series and on the sample data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from metricc.check import fitted_line, target_status
from metricc.cli import main
from metricc.links import Link, correlate, judge, pearson
from tests.conftest import ROOT


def test_fitted_line_is_least_squares() -> None:
    assert fitted_line([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert fitted_line([(1, 2)]) is None


def _metric(op: str, value: str, by: date | None, direction: str = "up"):  # type: ignore[no-untyped-def]
    from metricc.model import semantic as sm

    target = sm.Target(op=op, value=Decimal(value), text=f"{op} {value}", by=by)
    return _bare_metric("m", direction=direction, target=target)


def _bare_metric(name: str, **fields: object):  # type: ignore[no-untyped-def]
    """A metric with only the fields these checks read (nodes are not validated)."""
    from metricc.model import semantic as sm

    unread = {"location": None, "title": name, "definition": None}
    return sm.Metric(**{"name": name, "grain": "week", **unread, **fields})


WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(8)]


@pytest.mark.parametrize(
    ("values", "op", "goal", "by", "status"),
    [
        ([10, 11, 12, 13, 14, 15, 16, 17], ">=", "15", date(2026, 12, 31), "on track"),
        ([10, 11, 12, 13, 14, 15, 16, 17], ">=", "50", date(2026, 12, 31), "on track"),
        ([10, 11, 12, 13, 14, 15, 16, 17], ">=", "1000", date(2026, 12, 31), "at risk"),
        ([17, 16, 15, 14, 13, 12, 11, 10], ">=", "20", date(2026, 12, 31), "off track"),
        ([5, 4, 3, 2, 2, 2, 1, 1], "<=", "0.5", date(2026, 12, 31), "on track"),
        ([10, 11, 12, 13, 14, 15, 16, 17], ">=", "20", None, "at risk"),
        # Meets it now, but the trend crosses it before the deadline: not on track.
        ([24, 23, 22, 21, 20, 19, 18, 17], ">=", "15", date(2026, 12, 31), "at risk"),
        ([24, 23, 22, 21, 20, 19, 18, 17], ">=", "15", date(2026, 3, 9), "on track"),
        ([24, 23, 22, 21, 20, 19, 18, 17], ">=", "15", None, "on track"),
        ([1, 2, 3, 4, 5, 6, 7, 8], "<=", "10", date(2026, 12, 31), "at risk"),
    ],
)
def test_target_status(
    values: list[float], op: str, goal: str, by: date | None, status: str
) -> None:
    series = list(zip(WEEKS, [float(v) for v in values], strict=True))
    result = target_status(_metric(op, goal, by), series, date(2026, 3, 2))
    assert result.status == status, result


def test_target_without_data_is_at_risk() -> None:
    assert target_status(_metric(">=", "1", None), [], date(2026, 3, 2)).status == "at risk"


def test_correlation_finds_the_lag() -> None:
    leading = [float(v) for v in (1, 5, 2, 8, 3, 9, 4, 7, 6, 10, 2, 8)]
    lagging = [0.0, 0.0, *leading[:-2]]  # the same series two periods later
    lags = correlate(leading, lagging, max_lag=4)
    best = max(lags, key=lambda lag: abs(lag.correlation or 0))
    assert best.lag == 2 and best.correlation == pytest.approx(1.0)
    assert lags[2].periods == 10
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 1, 1], [2, 4, 6]) is None


def test_links_need_enough_periods() -> None:
    from metricc.model import semantic as sm

    metric = _bare_metric("a", direction="up")
    project = sm.Project(root=".", files=(), metrics={"a": metric, "b": metric})
    link = Link("a", "b", "month", correlate([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1))
    assert judge(link, project).startswith("not enough data")


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_check_reports_the_incident_and_exits_1(warehouse: Path, at_root: None) -> None:
    result = CliRunner().invoke(
        main, ["check", "--db", str(warehouse), "--at", "2026-06-18", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    fired = {(a["metric"], a["severity"]) for a in report["alerts"]}
    assert ("api_error_rate", "critical") in fired
    assert ("p95_page_load_ms", "warn") in fired
    critical = next(a for a in report["alerts"] if a["severity"] == "critical")
    assert critical["routing"] == "pagerduty:platform" and critical["period"] == "2026-06-17"
    targets = {t["metric"] for t in report["targets"]}
    assert targets == {
        "weekly_core_users",
        "activation_rate",
        "dau",
        "mau",
        "stickiness",
        "signup_to_purchase",
        "churn_rate",
        "revenue_per_user",
        "arppu",
        "gross_margin",
        "cltv",
        "cac",
        "cltv_to_cac",
        "roas",
        "api_error_rate",
        "p99_api_latency_ms",
        "nps",
        "merged_prs",
        "escaped_defect_rate",
    }
    assert all(t["status"] in ("on track", "at risk", "off track") for t in report["targets"])
    slo = next(s for s in report["slos"] if s["slo"] == "api_availability")
    assert slo["total"] > 0 and slo["budget_left"] < 1 and slo["burn_rates"]["1d"] > 14.4


def test_quiet_day_exits_0(warehouse: Path, at_root: None) -> None:
    """No metric breaches; the API's errors run at about its budget, so only the
    slowest burn-rate row (a ticket: over 1x in 3d and 6h) fires."""
    result = CliRunner().invoke(main, ["check", "--db", str(warehouse), "--at", "2026-06-10"])
    assert result.exit_code == 0, result.output
    assert "Alerts firing: 1\n  WARN     api_availability = " in result.output
    assert "(ticket: error budget burning over 1x in 3d and 6h) -> #platform-alerts" in (
        result.output
    )


def test_an_slo_burning_its_budget_fast_pages(warehouse: Path, at_root: None) -> None:
    """Through the API incident the page row over 6h fires, as the Prometheus rules
    would, and routes to the escalation; the slower ticket rows fire too."""
    result = CliRunner().invoke(
        main, ["check", "--db", str(warehouse), "--at", "2026-06-17", "--format", "json"]
    )
    assert result.exit_code == 1
    fired = [a for a in json.loads(result.output)["alerts"] if a["metric"] == "api_availability"]
    assert [(a["severity"], a["routing"]) for a in fired] == [
        ("critical", "pagerduty:platform"),
        ("warn", "#platform-alerts"),
        ("warn", "#platform-alerts"),
    ]
    assert [a["threshold"].split(":")[0] for a in fired] == ["page", "ticket", "ticket"]


def test_a_date_past_the_data_is_checked_as_of_the_data_s_end(
    warehouse: Path, at_root: None
) -> None:
    """Periods with no rows yet would count as zeros and fire alerts (a 0% stickiness)."""
    late = CliRunner().invoke(main, ["check", "--db", str(warehouse), "--at", "2026-09-01"])
    last = CliRunner().invoke(main, ["check", "--db", str(warehouse)])
    assert "warning: the warehouse has no rows after 2026-06-29: judging as of 2026-06-30" in (
        late.stderr
    )
    assert late.stdout == last.stdout and late.exit_code == last.exit_code


def test_values_read_in_their_metric_s_unit(warehouse: Path, at_root: None) -> None:
    """As `query` and the catalogue show them: a percent metric's `now 0.6655,
    target >= 60%` read as two different scales."""
    result = CliRunner().invoke(main, ["check", "--db", str(warehouse), "--at", "2026-06-18"])
    targets = {line.split()[2]: line for line in result.output.splitlines() if " now " in line}
    assert re.search(r"activation_rate +now \d+\.\d%, target >= 60%", targets["activation_rate"])
    assert re.search(r"revenue_per_user +now \$\d+\.\d\d,", targets["revenue_per_user"])
    critical = next(line for line in result.output.splitlines() if "CRITICAL" in line)
    assert re.search(r"api_error_rate = \d+\.\d% in 2026-06-17", critical)


def test_links_at_a_day_use_only_the_periods_ended_by_it(warehouse: Path, at_root: None) -> None:
    """A monthly link judged on 2026-06-02 used all of June (to the 29th), as without
    `--at`; it uses the months that ended by that day, as on 2026-06-01."""

    def lags(at: str) -> dict[tuple[str, str], object]:
        result = CliRunner().invoke(
            main, ["links", "--db", str(warehouse), "--at", at, "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        return {(k["leading"], k["lagging"]): k["lags"] for k in found if k["grain"] == "month"}

    first, second = lags("2026-06-01"), lags("2026-06-02")
    assert first and first == second
    assert lags("2026-05-01") != first  # May had not ended by then
    # June never ends in this warehouse (its rows stop on the 29th): a later day, or
    # none, is judged as of the day after the last row, so June is left out.
    assert lags("2026-07-01") == lags("2026-06-30") == first


def test_links_cover_every_link(warehouse: Path, at_root: None) -> None:
    result = CliRunner().invoke(main, ["links", "--db", str(warehouse), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = {(link["leading"], link["lagging"]) for link in json.loads(result.stdout)}
    assert ("activation_rate", "weekly_core_users") in found
    assert ("signup_to_purchase", "revenue_per_user") in found
    assert len(found) == sum(len(m.leads) for m in _reference().metrics.values())


def _reference():  # type: ignore[no-untyped-def]
    from metricc.pipeline import check_project
    from tests.conftest import METRICS

    result = check_project(METRICS)
    assert result.project is not None
    return result.project
