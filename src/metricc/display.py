"""Short human summaries printed by the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from metricc.model.semantic import Project


def describe_build(project: Project, out: Path, files: Mapping[str, object]) -> str:
    counts = [
        (len(project.metrics), "metric"),
        (len(project.slos), "SLO"),
        (len(project.goals), "goal"),
        (len(project.teams), "team"),
        (len(project.sources), "source"),
    ]
    what = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
    return f"Compiled {what} into {out}/ ({len(files)} files)."
