"""References between blocks: existence with "did you mean", and cycles."""

from __future__ import annotations

from metricc.diagnostics import Diagnostic, Label, diag
from metricc.diagnostics.suggest import did_you_mean, nearest
from metricc.model import semantic as sm
from metricc.span import Span

# (kind, field) -> (kind it names, code when it is missing)
TARGETS = {
    ("goal", "owner"): ("team", "MC101"),
    ("goal", "parent"): ("goal", "MC102"),
    ("goal", "north_star"): ("metric", "MC104"),
    ("metric", "owner"): ("team", "MC101"),
    ("metric", "goal"): ("goal", "MC102"),
    ("metric", "leads"): ("metric", "MC104"),
    ("metric", "formula"): ("metric", "MC104"),
    ("source", "owner"): ("team", "MC101"),
    ("slo", "owner"): ("team", "MC101"),
}

Ref = tuple[str, str, str, str, Span]


def check_references(
    refs: list[Ref], defined: dict[str, set[str]], project: sm.Project, declared: dict[str, Span]
) -> list[Diagnostic]:
    """Dangling references; `defined` has every name declared (even if broken)."""
    out: list[Diagnostic] = []
    for kind, owner, field, name, span in refs:
        if (kind, field) == ("metric", "dimensions"):
            out += _dimension(project, owner, name, span)
            continue
        target = TARGETS.get((kind, field))
        if target is None or name in defined[target[0]]:
            continue
        candidates = defined[target[0]]
        match = nearest(name, candidates)
        if match is not None:
            where = declared[f"{target[0]}:{match}"]
            help: str | None = f"did you mean `{match}` ({where})?"
        else:
            help = did_you_mean(name, candidates, target[0])
        out.append(
            diag(
                target[1],
                f"unknown {target[0]} `{name}`",
                span,
                label="not defined in any loaded file",
                help=help,
            )
        )
    return out


def _dimension(project: sm.Project, metric: str, name: str, span: Span) -> list[Diagnostic]:
    if metric not in project.metrics:
        return []
    missing = [
        s
        for s in project.metric_sources(metric)
        if s in project.sources and name not in project.sources[s].dimensions
    ]
    if not missing:
        return []
    source = project.sources[missing[0]]
    return [
        diag(
            "MC105",
            f"source `{source.name}` has no dimension `{name}`",
            span,
            label="not a declared dimension",
            secondary=[Label(span=source.location, message="declared here")],
            help=did_you_mean(name, source.dimensions, "dimension")
            or f"declare it in `{source.name}`: `dimension {name}: COLUMN`",
        )
    ]


def check_cycles(project: sm.Project) -> list[Diagnostic]:
    """Formulas, goal parents and leads links must not loop."""
    graphs: list[tuple[str, str, dict[str, list[str]], dict[str, sm.Metric | sm.Goal]]] = [
        (
            "formula",
            "metric",
            {
                name: list(m.definition.inputs) if isinstance(m.definition, sm.Derived) else []
                for name, m in project.metrics.items()
            },
            dict(project.metrics),
        ),
        (
            "parent",
            "goal",
            {name: [g.parent] if g.parent else [] for name, g in project.goals.items()},
            dict(project.goals),
        ),
        (
            "leads",
            "metric",
            {name: list(m.leads) for name, m in project.metrics.items()},
            dict(project.metrics),
        ),
    ]
    out: list[Diagnostic] = []
    for field, kind, edges, blocks in graphs:
        for cycle in _cycles(edges):
            first = blocks[cycle[0]]
            path = " -> ".join(f"`{n}`" for n in [*cycle, cycle[0]])
            out.append(
                diag(
                    "MC110",
                    f"{kind}s form a cycle through `{field}`: {path}",
                    first.span_of(field),
                    secondary=[
                        Label(span=blocks[n].span_of(field), message="part of the cycle")
                        for n in cycle[1:]
                    ],
                    help=f"a {kind} cannot depend on itself; break one `{field}` link",
                )
            )
    return out


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle found by a depth-first search, reported once."""
    state: dict[str, int] = {}
    found: list[list[str]] = []
    for root in edges:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            targets = [t for t in edges.get(node, []) if t in edges]
            if index < len(targets):
                stack.append((node, index + 1))
                nxt = targets[index]
                if state.get(nxt) == 1:
                    found.append(path[path.index(nxt) :])
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return found
