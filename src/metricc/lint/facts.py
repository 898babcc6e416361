"""What the rules read of a metric's expressions, worked out once per metric.

Two rules read expressions: `duplicate-metric` (what a definition computes, as
text) and `vanity-metric` (whether it is a raw volume). A compile keeps these
facts per file in its build cache, beside the file's resolution, and gives
them back for the files that did not change: lint then reads no expression of
theirs, and after an edit the unchanged files' expressions are never loaded
(see `Frozen._deferred`).
"""

from __future__ import annotations

from typing import NamedTuple

from metricc.model import expr as ex
from metricc.model import semantic as sm
from metricc.model.functions import AGGREGATES
from metricc.model.text import expr_text

VOLUME = {"count", "count_distinct", "sum"}


class Facts(NamedTuple):
    """A metric's facts: what its definition computes at its grain, as text (equal
    texts compile to the same query), and whether it is a raw volume."""

    computes: str
    raw_volume: bool


def facts_of(metric: sm.Metric) -> Facts:
    return Facts(f"{metric.grain} {definition_text(metric.definition)}", is_raw_volume(metric))


def definition_text(d: sm.Definition) -> str:
    """What a definition computes, as text: equal texts compile to the same query."""
    if isinstance(d, sm.Simple):
        return f"simple {_measure(d.measure)}"
    if isinstance(d, sm.Ratio):
        return f"ratio {_measure(d.numerator)} / {_measure(d.denominator)}"
    if isinstance(d, sm.Window):
        return f"window {d.days} {_measure(d.measure)}"
    if isinstance(d, sm.Derived):
        return f"derived {expr_text(d.formula)}"
    return f"conversion {d.source} {d.entity} {expr_text(d.start)} {expr_text(d.end)} {d.within}"


def _measure(measure: sm.Measure) -> str:
    where = expr_text(measure.where) if measure.where is not None else ""
    return f"{measure.source}|{expr_text(measure.expr)}|{measure.timing}|{where}"


def is_raw_volume(metric: sm.Metric) -> bool:
    """A count or sum of rows with no denominator and no normalising division."""
    d = metric.definition
    if not isinstance(d, sm.Simple | sm.Window):
        return False
    nodes = ex.walk(d.measure.expr)
    calls = [n for n in nodes if isinstance(n, ex.Call) and n.func in AGGREGATES]
    divided = any(isinstance(n, ex.Binary) and n.op == "/" for n in nodes)
    return bool(calls) and all(c.func in VOLUME for c in calls) and not divided
