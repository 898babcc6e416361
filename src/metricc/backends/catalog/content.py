"""What the catalogue says about each block, as plain data for the templates.

Definitions in plain words, goal paths, links in both directions, routing,
and (with a warehouse) the current state: the latest value, recent periods
and the status against thresholds and target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from metricc.backends.inputs import per_project
from metricc.model import expr as ex
from metricc.model import semantic as sm
from metricc.model.text import expr_text, one_line

AGGREGATE_WORDS = {
    "count": "the number of {x}",
    "count_distinct": "distinct {x}",
    "sum": "the sum of {x}",
    "avg": "the average {x}",
    "min": "the smallest {x}",
    "max": "the largest {x}",
    "median": "the median {x}",
}
GRAIN_WORDS = {
    "day": "per day",
    "week": "per week (Monday to Sunday)",
    "month": "per month",
    "quarter": "per quarter",
    "year": "per year",
}
TIMING_WORDS = {
    "started": "that started in the period",
    "ended": "that ended in the period",
    "active_at_start": "active at the period's start",
    "active_at_end": "active at the period's end",
}


@dataclass
class State:
    """A metric's current state, computed on a warehouse when one is given."""

    series: list[tuple[str, float | None]] = field(default_factory=list)
    latest: tuple[str, float | None] | None = None
    status: str = ""
    firing: list[str] = field(default_factory=list)


def measure_words(measure: sm.Measure) -> str:
    """`distinct events.user_id with events.name = 'signup'`: a measure in words."""

    def words(node: ex.Expr) -> str:
        if isinstance(node, ex.Call) and node.func in AGGREGATE_WORDS:
            return AGGREGATE_WORDS[node.func].format(x=f"`{expr_text(node.args[0])}`")
        if isinstance(node, ex.Call) and node.func == "percentile" and len(node.args) == 2:
            p = node.args[1]
            share = p.fraction * 100 if isinstance(p, ex.Number) else Decimal(0)
            return (
                f"the {format(share.normalize(), 'f')}th percentile of `{expr_text(node.args[0])}`"
            )
        if isinstance(node, ex.Binary) and node.op in "+-*/":
            joiner = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}[node.op]
            return f"{words(node.left)} {joiner} {words(node.right)}"
        return f"`{expr_text(node)}`"

    text = words(measure.expr)
    if measure.timing:
        text += f" {TIMING_WORDS[measure.timing]}"
    if measure.where is not None:
        text += f", where `{expr_text(measure.where)}`"
    return text


def definition_words(metric: sm.Metric) -> str:
    d = metric.definition
    grain = GRAIN_WORDS[metric.grain]
    if isinstance(d, sm.Simple):
        return f"{_capital(measure_words(d.measure))}, {grain}."
    if isinstance(d, sm.Ratio):
        return (
            f"{_capital(measure_words(d.numerator))}, divided by "
            f"{measure_words(d.denominator)}, {grain}."
        )
    if isinstance(d, sm.Window):
        span = "all time up to" if d.window is None else f"the {d.days} days ending on"
        return (
            f"{_capital(measure_words(d.measure))} over {span} each day, {grain} "
            "(a period shows its last day)."
        )
    if isinstance(d, sm.Conversion):
        return (
            f"Of the `{d.entity}`s whose first `{expr_text(d.start)}` falls in the period, "
            f"the share with `{expr_text(d.end)}` within {d.within}, {grain}."
        )
    names = ", ".join(f"`{name}`" for name in d.inputs)
    return f"`{expr_text(d.formula)}`, each input computed {grain} (from {names})."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def goal_path(project: sm.Project, goal: str | None) -> list[str]:
    """From the top goal down to `goal`."""
    path: list[str] = []
    while goal and goal in project.goals and goal not in path:
        path.insert(0, goal)
        goal = project.goals[goal].parent
    return path


class Relations:
    """Per metric: what it leads, what leads it, its formula inputs and its dependants.

    The reverse links are gathered once per project (the markdown pages and the
    site read them both); a metric's four lists are put together when its page
    or key asks (after one edit of 10,000 metrics, a few dozen do).
    """

    def __init__(self, project: sm.Project) -> None:
        self._metrics = project.metrics
        self._led_by: dict[str, list[str]] = {}
        self._used_by: dict[str, list[str]] = {}
        for name, metric in project.metrics.items():
            for lagging in metric.leads:
                self._led_by.setdefault(lagging, []).append(name)
            if isinstance(metric.definition, sm.Derived):
                for source in metric.definition.inputs:
                    self._used_by.setdefault(source, []).append(name)

    def __getitem__(self, name: str) -> dict[str, list[str]]:
        metric = self._metrics[name]
        definition = metric.definition
        return {
            "leads": list(metric.leads),
            "led_by": list(self._led_by.get(name, ())),
            "inputs": list(definition.inputs) if isinstance(definition, sm.Derived) else [],
            "used_by": list(self._used_by.get(name, ())),
        }


relations = per_project(Relations)


def north_stars(project: sm.Project) -> list[str]:
    return list(dict.fromkeys(g.north_star for g in project.goals.values() if g.north_star))


def mermaid(project: sm.Project, name: str, rel: dict[str, list[str]]) -> str:
    """A Mermaid flowchart of a metric's neighbourhood (GitHub renders it)."""
    lines = ["flowchart LR", f'  {name}["{_label(project, name)}"]:::this']
    for other in rel["led_by"]:
        lines.append(f'  {other}["{_label(project, other)}"] -- leads --> {name}')
    for other in rel["leads"]:
        lines.append(f'  {name} -- leads --> {other}["{_label(project, other)}"]')
    for other in rel["inputs"]:
        lines.append(f'  {other}["{_label(project, other)}"] -. input .-> {name}')
    for other in rel["used_by"]:
        lines.append(f'  {name} -. input .-> {other}["{_label(project, other)}"]')
    goal = project.metrics[name].goal
    if goal:
        lines.append(f'  {name} --> goal_{goal}(["goal: {goal}"])')
    lines.append("  classDef this stroke-width:3px")
    return "\n".join(lines)


def _label(project: sm.Project, name: str) -> str:
    """A node's label: the metric's title on one line, its double quotes made single
    (one would end the label, a line break the diagram's line)."""
    if name not in project.metrics:
        return name
    return one_line(project.metrics[name].title).replace('"', "'")


def threshold_rows(project: sm.Project, metric: sm.Metric) -> list[dict[str, Any]]:
    team = project.teams.get(metric.owner or "")
    rows = []
    for threshold in metric.thresholds:
        route = None
        if team is not None:
            route = (
                team.channel if threshold.severity == "warn" else (team.escalation or team.channel)
            )
        rows.append(
            {"severity": threshold.severity, "condition": threshold.text, "routing": route or "—"}
        )
    return rows
