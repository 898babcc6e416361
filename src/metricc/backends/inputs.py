"""What each output is made from, as text: the keys the build cache keeps renders under.

A metric's query reads the metric, every metric its value is computed from
(formula inputs, transitively) and the sources they read; nothing else of the
project. Their JSON is the input, so any change to any of them is a new key.
"""

from __future__ import annotations

from metricc.model import semantic as sm


class Inputs:
    """Per-name JSON of the model, made once and shared by every output that reads it."""

    def __init__(self, project: sm.Project) -> None:
        self.project = project
        self._metrics: dict[str, str] = {}
        self._sources: dict[str, str] = {}
        self._closures: dict[str, str] = {}

    def _metric(self, name: str) -> str:
        text = self._metrics.get(name)
        if text is None:
            text = self._metrics[name] = self.project.metrics[name].model_dump_json()
        return text

    def _source(self, name: str) -> str:
        text = self._sources.get(name)
        if text is None:
            text = self._sources[name] = self.project.sources[name].model_dump_json()
        return text

    def metric(self, name: str) -> str:
        """The metric with everything its value reads (what its SQL is made from)."""
        text = self._closures.get(name)
        if text is None:
            parts = [self._metric(m) for m in self.project.metric_closure(name)]
            parts += [self._source(s) for s in self.project.metric_sources(name)]
            text = self._closures[name] = "\n".join(parts)
        return text
