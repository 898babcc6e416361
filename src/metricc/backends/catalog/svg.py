"""Pictures drawn at build time, so the site needs no script library and no network.

`graph` lays goals and metrics out in layers (goals by depth, then lagging,
then leading metrics) with one edge per link; `trend` is a small line chart of
recent periods with the target as a dashed line (a file of its own, shown as
an image in markdown and on the site). Every label is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from functools import cache

from metricc.model import semantic as sm

NODE_W, NODE_H, GAP_X, GAP_Y, PER_ROW = 190, 40, 24, 70, 7

# Labels, names and links repeat from page to page (a metric is drawn on each of
# its neighbours' pages): each is escaped once (html.escape is five replaces).
escape = cache(html.escape)


def _wrap(text: str, width: int = 26) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def graph(
    project: sm.Project,
    link: dict[str, str],
    stars: Collection[str],
    focus: set[str] | None = None,
) -> str:
    """Goals and metrics with their links; `link` maps 'kind:name' to the page URL,
    `stars` holds the goals' north-star metrics (worked out once for every page)."""
    # Only what is drawn is looked at, so a page's small graph costs nothing per project size.
    if focus is None:
        metrics = list(project.metrics.values())
        goals = list(project.goals.values())
    else:
        metrics = [project.metrics[n] for n in sorted(focus) if n in project.metrics]
        wanted = {m.goal for m in metrics if m.goal in project.goals}
        goals = [project.goals[n] for n in sorted(wanted) if n]
    depth: dict[str, int] = {}
    for goal in goals:
        seen, current, level = set(), goal, 0
        while current.parent and current.parent in project.goals and current.parent not in seen:
            seen.add(current.parent)
            current, level = project.goals[current.parent], level + 1
        depth[goal.name] = level
    layers: list[list[tuple[str, str]]] = []
    for level in sorted({depth[g.name] for g in goals}):
        layers.append([("goal", g.name) for g in goals if depth[g.name] == level])
    lagging = [("metric", m.name) for m in metrics if m.indicator != "leading"]
    leading = [("metric", m.name) for m in metrics if m.indicator == "leading"]
    for group in (lagging, leading):
        for start in range(0, len(group), PER_ROW):
            layers.append(group[start : start + PER_ROW])
    layers = [layer for layer in layers if layer]
    width = max((len(layer) for layer in layers), default=1) * (NODE_W + GAP_X) + GAP_X
    position: dict[tuple[str, str], tuple[float, float]] = {}
    for row, layer in enumerate(layers):
        offset = (width - len(layer) * (NODE_W + GAP_X) + GAP_X) / 2
        for col, node in enumerate(layer):
            position[node] = (offset + col * (NODE_W + GAP_X), 40 + row * (NODE_H + GAP_Y))
    height = 40 + len(layers) * (NODE_H + GAP_Y)
    edges: list[tuple[tuple[str, str], tuple[str, str], str]] = []
    for goal in goals:
        if goal.parent and ("goal", goal.parent) in position:
            edges.append((("goal", goal.name), ("goal", goal.parent), "parent"))
    for metric in metrics:
        node = ("metric", metric.name)
        if metric.goal and ("goal", metric.goal) in position:
            edges.append((node, ("goal", metric.goal), "goal"))
        for lagging_name in metric.leads:
            if ("metric", lagging_name) in position:
                edges.append((node, ("metric", lagging_name), "leads"))
        if isinstance(metric.definition, sm.Derived):
            for name in metric.definition.inputs:
                if ("metric", name) in position:
                    edges.append((("metric", name), node, "input"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="Goals and metrics">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="currentColor"/></marker></defs>',
        '<g class="legend"><text x="12" y="20">solid green: leads · grey: serves goal / '
        "parent · dashed: formula input</text></g>",
    ]
    for source, target, kind in edges:
        (x1, y1), (x2, y2) = position[source], position[target]
        sx, tx = x1 + NODE_W / 2, x2 + NODE_W / 2
        sy, ty = (
            (y1, y2 + NODE_H)
            if y2 < y1
            else (y1 + NODE_H, y2)
            if y2 > y1
            else (y1 + NODE_H / 2, y2 + NODE_H / 2)
        )
        css = {"leads": "edge leads", "input": "edge input"}.get(kind, "edge")
        out.append(
            f'<path class="{css}" data-kind="{kind}" data-from="{escape(source[1])}" '
            f'data-to="{escape(target[1])}" d="M{sx:.0f},{sy:.0f} C{sx:.0f},'
            f'{(sy + ty) / 2:.0f} {tx:.0f},{(sy + ty) / 2:.0f} {tx:.0f},{ty:.0f}" '
            'marker-end="url(#arrow)"/>'
        )
    for (kind, name), (x, y) in position.items():
        title = (
            project.metrics[name].title if kind == "metric" else project.goals[name].title or name
        )
        classes = f"node {kind}" + (" star" if name in stars and kind == "metric" else "")
        out.append(
            f'<a href="{escape(link[f"{kind}:{name}"])}" class="{classes}" '
            f'data-name="{escape(name)}"><title>{escape(title)} ({kind} '
            f'{escape(name)})</title><rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" '
            f'height="{NODE_H}" rx="8"/><text x="{x + 10:.0f}" y="{y + 17:.0f}">'
            f'{escape(_wrap(title))}</text><text x="{x + 10:.0f}" y="{y + 32:.0f}" '
            f'opacity=".7">{escape(kind)} · {escape(_wrap(name, 22))}</text></a>'
        )
    out.append("</svg>")
    return "\n".join(out)


def trend(
    series: list[tuple[str, float | None]],
    target: float | None,
    unit: str | None,
    width: int = 560,
    height: int = 140,
) -> str:
    """Recent periods as a line, the target as a dashed line."""
    points = [(p, v) for p, v in series if v is not None]
    if len(points) < 2:
        return ""
    values = [v for _, v in points] + ([target] if target is not None else [])
    low, high = min(values), max(values)
    if high == low:
        high = low + 1
    pad = 28

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / (len(points) - 1)

    def y(v: float) -> float:
        return height - pad - (v - low) * (height - 2 * pad) / (high - low)

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    # Styles are inline: the chart is shown as an <img>, where page styles do not reach.
    font = 'font-family="system-ui, sans-serif" font-size="11" fill="#6e7781"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Recent values">',
        f'<rect width="{width}" height="{height}" rx="8" fill="#f6f8fa" stroke="#d1d9e0"/>',
        f'<polyline fill="none" stroke="#0b63c5" stroke-width="2" points="{line}"/>',
    ]
    if target is not None:
        parts.append(
            f'<line stroke="#1a7f37" stroke-dasharray="5 4" x1="{pad}" '
            f'x2="{width - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}"/>'
            f'<text {font} x="{width - pad}" y="{y(target) - 4:.1f}" '
            'text-anchor="end">target</text>'
        )
    parts.append(
        f'<text {font} x="{pad}" y="{height - 8}">{escape(points[0][0])}</text>'
        f'<text {font} x="{width - pad}" y="{height - 8}" text-anchor="end">'
        f"{escape(points[-1][0])}</text></svg>\n"
    )
    return "".join(parts)
