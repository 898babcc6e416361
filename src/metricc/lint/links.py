"""Who links to whom: the relations several rules read, computed once per project."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from metricc.model import semantic as sm


@dataclass
class Links:
    project: sm.Project
    _cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def led_by(self) -> dict[str, list[str]]:
        """metric -> the metrics whose `leads` name it."""
        out: dict[str, list[str]] = {}
        for metric in self.project.metrics.values():
            for lagging in metric.leads:
                out.setdefault(lagging, []).append(metric.name)
        return out

    @cached_property
    def used_by(self) -> dict[str, list[str]]:
        """metric -> the formula metrics that use it."""
        out: dict[str, list[str]] = {}
        for metric in self.project.metrics.values():
            if isinstance(metric.definition, sm.Derived):
                for name in metric.definition.inputs:
                    out.setdefault(name, []).append(metric.name)
        return out

    @cached_property
    def north_stars(self) -> dict[str, list[str]]:
        """metric -> the goals that name it as their North Star."""
        out: dict[str, list[str]] = {}
        for goal in self.project.goals.values():
            if goal.north_star:
                out.setdefault(goal.north_star, []).append(goal.name)
        return out

    def is_north_star(self, metric: sm.Metric) -> bool:
        return metric.tier == "north_star" or metric.name in self.north_stars

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for goal in self.project.goals.values():
            if goal.parent:
                out.setdefault(goal.parent, []).append(goal.name)
        return out

    def subtree(self, root: str) -> list[str]:
        """A goal and every goal below it (cycles are resolve errors; guarded anyway)."""
        seen: list[str] = []
        stack = [root]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.append(name)
            stack.extend(self.children.get(name, []))
        return seen

    @cached_property
    def served(self) -> dict[str, list[str]]:
        """goal -> the metrics whose `goal` names it."""
        out: dict[str, list[str]] = {}
        for metric in self.project.metrics.values():
            if metric.goal:
                out.setdefault(metric.goal, []).append(metric.name)
        return out
