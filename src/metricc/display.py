"""Short human summaries printed by the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from metricc.model.semantic import Project
from metricc.model.text import show_value

if TYPE_CHECKING:
    from metricc.check import Report
    from metricc.links import Link


def project_counts(project: Project) -> list[tuple[int, str]]:
    """How many blocks of each kind a project has, as a build's summary names them."""
    return [
        (len(project.metrics), "metric"),
        (len(project.slos), "SLO"),
        (len(project.goals), "goal"),
        (len(project.teams), "team"),
        (len(project.sources), "source"),
    ]


def _counted(counts: list[tuple[int, str]]) -> str:
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


def describe_build(counts: list[tuple[int, str]], out: Path, files: int, reused: int = 0) -> str:
    kept = f"; {reused} unchanged, kept from the previous build" if reused else ""
    return f"Compiled {_counted(counts)} into {out}/ ({files} files{kept})."


def describe_up_to_date(counts: list[tuple[int, str]], out: Path, files: int) -> str:
    return f"Nothing to compile: {out}/ is up to date ({_counted(counts)}; {files} files)."


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def describe_check(report: Report) -> str:
    lines = [f"As of {report.as_of} (complete periods only)", ""]
    lines.append(f"Alerts firing: {len(report.alerts)}")
    for alert in report.alerts:
        lines.append(
            f"  {alert.severity.upper():<8} {alert.metric} = "
            f"{show_value(alert.value, alert.unit)} in {alert.period} ({alert.threshold}) "
            f"-> {alert.routing or 'no route'}"
        )
        if alert.action:
            lines.append(f"           action: {alert.action}")
    lines += ["", "Targets:"]
    width = max((len(t.metric) for t in report.targets), default=0)
    for t in report.targets:
        lines.append(
            f"  {t.status:<9} {t.metric:<{width}}  now {show_value(t.current, t.unit)}, target "
            f"{t.target}, projected {show_value(t.projected, t.unit)}: {t.note}"
        )
    lines += ["", "SLOs:"]
    for slo in report.slos:
        if slo.note:
            lines.append(f"  {slo.slo}: {slo.note}")
            continue
        burns = ", ".join(f"{w} {_num(r)}x" for w, r in slo.burn_rates.items())
        left = "—" if slo.budget_left is None else f"{slo.budget_left:.0%}"
        lines.append(
            f"  {slo.slo}: {slo.objective} over {slo.window}, budget left {left}; "
            f"burn rates {burns}"
        )
    return "\n".join(lines) + "\n"


def describe_links(links: list[Link]) -> str:
    lines = []
    for link in links:
        lags = "  ".join(
            f"lag {lag.lag}: {_num(lag.correlation)} (n={lag.periods})" for lag in link.lags
        )
        lines.append(f"{link.leading} -> {link.lagging} (per {link.grain}): {link.verdict}")
        lines.append(f"    {lags}")
    return "\n".join(lines) + ("\n" if lines else "No `leads` links.\n")
