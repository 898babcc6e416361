"""Resolution: from the files' ASTs to one checked semantic model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from metricc.diagnostics import Diagnostic, Label, diag
from metricc.model import ast
from metricc.model import semantic as sm
from metricc.resolve.build import Builder, Built, Known, Unresolved
from metricc.resolve.references import check_cycles, check_references
from metricc.span import SourceFile, Span

__all__ = ["Built", "Known", "Resolution", "Unresolved", "resolve", "resolve_files"]


@dataclass
class Resolution:
    """The model, every problem found, and what each block contributed (the build
    cache keeps the records per file, to reuse them for an unchanged file)."""

    project: sm.Project
    diagnostics: list[Diagnostic]
    records: dict[str, list[Built]]  # per file, what each of its blocks contributed


def resolve(
    files: list[ast.File], sources: Mapping[str, SourceFile], root: str
) -> tuple[sm.Project, list[Diagnostic]]:
    """The project's semantic model and every problem found on the way.

    Blocks with errors are left out of the model; the diagnostics say why.
    """
    resolution = resolve_files(files, sources, root)
    return resolution.project, resolution.diagnostics


def resolve_files(
    files: list[ast.File], sources: Mapping[str, SourceFile], root: str, known: Known | None = None
) -> Resolution:
    """`resolve`, with each block's record; the blocks of the files in `known` are
    taken from their records (those files may be outlines), checks across blocks
    are made afresh. Raises `Unresolved` if a record is missing."""
    builder = Builder(sources)
    built = builder.build(files, known)
    project = sm.Project(
        root=root,
        files=tuple(f.path for f in files),
        teams=built["team"],
        goals=built["goal"],
        sources=built["source"],
        metrics=built["metric"],
        slos=built["slo"],
    )
    defined: dict[str, set[str]] = {kind: set() for kind in built}
    declared: dict[str, Span] = {}
    for file in files:
        for block in file.blocks:
            if block.kind in defined:
                defined[block.kind].add(block.name)
                declared.setdefault(f"{block.kind}:{block.name}", block.name_span)
    diagnostics = builder.diagnostics
    diagnostics += check_references(builder.refs, defined, project, declared)
    diagnostics += check_cycles(project)
    diagnostics += _check_tiers(project)
    return Resolution(project, diagnostics, builder.records)


def _check_tiers(project: sm.Project) -> list[Diagnostic]:
    """`tier: north_star` on a metric must agree with the goals' `north_star` links."""
    stars = {g.north_star: g for g in project.goals.values() if g.north_star}
    out: list[Diagnostic] = []
    for metric in project.metrics.values():
        goal = stars.get(metric.name)
        if metric.tier == "north_star" and goal is None:
            out.append(
                diag(
                    "MC210",
                    f"`{metric.name}` says `tier: north_star` but no goal names "
                    "it as its `north_star`",
                    metric.span_of("tier"),
                    help="add `north_star: " + metric.name + "` to the top goal, or "
                    "change the tier",
                )
            )
        elif goal is not None and metric.tier not in (None, "north_star"):
            out.append(
                diag(
                    "MC210",
                    f"goal `{goal.name}` names `{metric.name}` as its North "
                    f"Star, but the metric says `tier: {metric.tier}`",
                    metric.span_of("tier"),
                    secondary=[
                        Label(span=goal.span_of("north_star"), message="named North Star here")
                    ],
                    help="use `tier: north_star`, or leave the tier out",
                )
            )
    return out
