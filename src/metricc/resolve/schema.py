"""Which fields each block kind takes, as data.

`value` names the converter in `resolve/values.py` that checks and types a
field's value; `choices` lists allowed identifiers; `labelled` fields are
written `entity NAME: ...` and may repeat with different labels.
"""

from __future__ import annotations

from typing import NamedTuple, get_args

from metricc.model import semantic as sm


class FieldSpec(NamedTuple):
    value: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    labelled: bool = False


def _choices(literal: object) -> tuple[str, ...]:
    return tuple(get_args(literal))


KINDS: dict[str, dict[str, FieldSpec]] = {
    "team": {
        "title": FieldSpec("text", "the team's display name"),
        "description": FieldSpec("text", "what the team does"),
        "lead": FieldSpec("text", "who leads the team (a name or e-mail)"),
        "channel": FieldSpec("text", "where warnings are routed, e.g. `#growth-metrics`"),
        "escalation": FieldSpec("text", "where critical alerts go, e.g. `pagerduty:growth`"),
        "review": FieldSpec(
            "choice", "how often the team reviews its metrics", choices=_choices(sm.Review)
        ),
    },
    "goal": {
        "title": FieldSpec("text", "the outcome, in words"),
        "description": FieldSpec("text", "why it matters"),
        "owner": FieldSpec("name", "the team accountable for it"),
        "parent": FieldSpec("name", "the goal this one serves (goals form a tree)"),
        "north_star": FieldSpec("name", "the one North Star Metric of this goal tree"),
    },
    "source": {
        "title": FieldSpec("text", "a display name"),
        "description": FieldSpec("text", "what a row is"),
        "owner": FieldSpec("name", "the team that owns the data"),
        "table": FieldSpec(
            "table", "the warehouse table, optionally schema-qualified", required=True
        ),
        "time": FieldSpec("column", "the column that places an event row in time"),
        "valid_from": FieldSpec("column", "a state row's start (state sources)"),
        "valid_to": FieldSpec("column", "a state row's end, null while still valid"),
        "key": FieldSpec("column", "the column that identifies a row"),
        "entity": FieldSpec("row_expr", "a join key, e.g. `entity user: user_id`", labelled=True),
        "dimension": FieldSpec("row_expr", "a column or expression to group by", labelled=True),
    },
    "metric": {
        "title": FieldSpec("text", "the metric's display name", required=True),
        "description": FieldSpec("text", "what it means and how to read it"),
        "owner": FieldSpec("name", "the team accountable for it"),
        "goal": FieldSpec("name", "the goal it serves"),
        "tier": FieldSpec("choice", "its place in the hierarchy", choices=_choices(sm.Tier)),
        "indicator": FieldSpec(
            "choice", "whether it predicts or records an outcome", choices=_choices(sm.Indicator)
        ),
        "leads": FieldSpec("names", "lagging metrics this leading metric predicts"),
        "unit": FieldSpec("choice", "what the values count", choices=_choices(sm.Unit)),
        "direction": FieldSpec("choice", "which way is good", choices=_choices(sm.Direction)),
        "grain": FieldSpec(
            "choice", "the default reporting period", required=True, choices=_choices(sm.Grain)
        ),
        "dimensions": FieldSpec("names", "source dimensions it may be broken down by"),
        "measure": FieldSpec("measure", "an aggregate over one source: a simple metric"),
        "numerator": FieldSpec("measure", "the top of a ratio"),
        "denominator": FieldSpec("measure", "the bottom of a ratio"),
        "formula": FieldSpec("formula", "arithmetic over other metrics"),
        "window": FieldSpec("window", "a trailing window in days or weeks, or `all` (cumulative)"),
        "conversion": FieldSpec("conversion", "a funnel: `A -> B within 14d by user`"),
        "min_sample": FieldSpec("count", "the smallest denominator whose ratio is trusted"),
        "target": FieldSpec("target", "where it should be: `>= 12000 by 2027-03-31`"),
        "warn": FieldSpec("threshold", "when to warn the owner's channel"),
        "critical": FieldSpec("threshold", "when to page the owner's escalation"),
        "action": FieldSpec("text", "what to do when it moves"),
        "runbook": FieldSpec("text", "a link to the runbook"),
        "status": FieldSpec("choice", "its lifecycle", choices=_choices(sm.Status)),
        "tags": FieldSpec("words", "free labels for search"),
    },
    "slo": {
        "title": FieldSpec("text", "the objective's display name"),
        "description": FieldSpec("text", "what it protects"),
        "owner": FieldSpec("name", "the team that is paged"),
        "objective": FieldSpec(
            "objective", "the share of good events, e.g. `99.9%`", required=True
        ),
        "window": FieldSpec("duration", "the compliance window, e.g. `30d`", required=True),
        "backend": FieldSpec(
            "choice",
            "where good and total events are measured",
            choices=("warehouse", "prometheus"),
        ),
        "good": FieldSpec("slo_events", "good events: a measure, or PromQL text", required=True),
        "total": FieldSpec("slo_events", "all events: a measure, or PromQL text", required=True),
        "action": FieldSpec("text", "what to do when the budget burns"),
        "runbook": FieldSpec("text", "a link to the runbook"),
        "tags": FieldSpec("words", "free labels for search"),
    },
}

DEFINITION_FIELDS = ("measure", "numerator", "formula", "conversion")
