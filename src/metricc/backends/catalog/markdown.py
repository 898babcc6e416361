"""The catalogue as GitHub-flavoured markdown: relative links, renders on GitHub as is.

catalog/README.md             the index: North Star, goal tree, all metrics, teams
catalog/metrics/<name>.md     one page per metric
catalog/goals/<name>.md, catalog/teams/<name>.md, catalog/slos/<name>.md
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping
from functools import cache, lru_cache, partial
from typing import Any
from urllib.parse import quote

import jinja2

from metricc.backends.catalog import content, svg
from metricc.backends.catalog.templates import compiled_templates
from metricc.backends.inputs import FINDINGS, Block, inputs_of, named, read
from metricc.backends.sql import metric_sql
from metricc.cache import BuildCache, Text, digest, named_by, note, rendered, text_of
from metricc.model import semantic as sm
from metricc.model.semantic import POLICY
from metricc.model.text import one_line, show_value

FOLDERS = {"metric": "metrics", "goal": "goals", "team": "teams", "slo": "slos"}
# Up to this many metrics, the index lists every one (in the goal tree and a table);
# beyond, a page of tens of thousands of rows serves nobody: goals and teams show
# how many metrics they have, and their own pages list them.
INDEX_LIST_LIMIT = 1000


# Markdown's inline markup (emphasis, code, links, strikethrough, escapes), and what
# starts a block at the beginning of a line (a heading, a list item, an underline, a
# rule such as `--\t-`, a table's delimiter row such as `:-` under a line of text).
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]~])")
_BLOCK_MARKUP = re.compile(
    r"^(#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|[-=]+(?=[ \t]*$)|[-:](?=[-: \t]*$)"
    r"|\d{1,9}(?=[.)](?:[ \t]|$)))",
    re.M,
)
_INDENT = re.compile(r"^[ \t]+", re.M)  # four spaces would start a code block


def escape(text: object) -> str:
    """User text made inert in markdown: text, never markup. No raw HTML, no table
    breaks, no emphasis, code, links or images, and no line that starts a heading or
    a list (each marker backslash-escaped, as CommonMark allows for punctuation)."""
    text = (
        _INLINE_MARKUP.sub(r"\\\1", str(text))
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
    )
    return _BLOCK_MARKUP.sub(_escape_marker, _INDENT.sub("", text))


def _escape_marker(found: re.Match[str]) -> str:
    """`# x` -> `\\# x`, `- x` -> `\\- x`; `1. x` -> `1\\. x` (escaping the dot or bracket)."""
    marker = found.group(1)
    return f"{marker}\\" if marker[0].isdigit() else f"\\{marker}"


def inline(text: object) -> str:
    """User text inside a line (a heading, a table cell, a list item, a link's text):
    made inert and kept on that line, so it cannot end the line and start other
    markdown (a heading, a row, a code fence)."""
    return escape(one_line(text))


def code(text: object) -> str:
    """User text as an inline code span, on one line: fenced by more backticks than
    it holds in a row, so none of them can end it."""
    words = one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", words)), default=0) + 1)
    pad = " " if words.startswith("`") or words.endswith("`") else ""
    return f"{fence}{pad}{words}{pad}{fence}"


def url(text: object) -> str:
    """User text as a link's destination: spaces, line breaks, brackets and
    parentheses percent-encoded, so the link ends where it should."""
    return quote(str(text).strip(), safe=":/?#@!$&'*+,;=%~")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("metricc", "templates/catalog"),
        autoescape=False,  # markdown: user text goes through the `md` filter instead
        keep_trailing_newline=True,
        trim_blocks=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with metricc: no stat of each file per page
        bytecode_cache=compiled_templates(),
    )
    env.filters["md"] = inline
    env.filters["md_text"] = escape  # text of its own paragraphs: a description
    env.filters["code"] = code
    env.filters["url"] = url
    return env


def page_path(kind: str, name: str) -> str:
    return f"{FOLDERS[kind]}/{name}.md"


def _in_build(kind: str, name: str) -> str:
    return f"catalog/{page_path(kind, name)}"


@cache
def _folder_from(base: str, folder: str) -> str:
    """How to reach `folder` from `base`, both inside the catalogue ('' from the same folder)."""
    relative = posixpath.relpath(folder, base or ".")
    return "" if relative == "." else relative + "/"


def _page(env: jinja2.Environment, template: str, **context: Any) -> str:
    """A page rendered, its runs of blank lines (left by template tags) made one.

    By `str.replace` until none is left (a run of n newlines loses a third each
    time, down to two): a regular expression scanning the page was a tenth of it.
    """
    text = env.get_template(template).render(**context)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def linker(here: str) -> Callable[[str, str], str]:
    """Relative links from the page at `here` (a path inside the catalogue)."""
    base = posixpath.dirname(here)

    def link(kind: str, name: str) -> str:
        return f"{_folder_from(base, FOLDERS[kind])}{name}.md"

    return link


def _source(source_root: str, file: str) -> str:
    """A link to a definition's file: relative to the project, or as given when absolute."""
    return file if file.startswith("/") else f"{source_root}/{file}"


def catalog_files(
    project: sm.Project,
    dialects: list[str],
    findings: Mapping[str, list[tuple[str, str]]] | None = None,
    state: Mapping[str, content.State] | None = None,
    source_root: str = "..",
    sql: Mapping[str, Text] | None = None,
    cache: BuildCache | None = None,
) -> dict[str, Text]:
    """Every markdown page, keyed by its path inside `catalog/`.

    `sql` reuses the queries compile already rendered (`sql/<dialect>/<metric>.sql`);
    with a cache, a metric page that would show the same as before is not rendered again.
    """
    inputs = inputs_of(project, prepared=cache is not None)
    env = environment()
    findings = findings or {}
    state = state or {}
    rel = content.relations(project)
    common = {"show": show_value, "metrics": project.metrics, "goals": project.goals}
    pages: dict[str, Text] = {}
    trends = {}
    for name, st in state.items():
        metric = project.metrics[name]
        drawn = svg.trend(
            st.series, float(metric.target.value) if metric.target else None, metric.unit
        )
        if drawn:
            trends[name] = drawn

    def metric_context(name: str) -> dict[str, Any]:
        """What a metric's page shows (`metric_key` names what it is made from)."""
        metric, near = project.metrics[name], rel[name]
        return {
            "m": metric,
            "words": content.definition_words(metric),
            "team": project.teams.get(metric.owner or ""),
            "path": content.goal_path(project, metric.goal),
            "sources": [project.sources[s] for s in project.metric_sources(name)],
            "sql": {d: _query(name, d).rstrip() for d in dialects},
            "default_dialect": dialects[0],
            "thresholds": content.threshold_rows(project, metric),
            "rel": near,
            "diagram": content.mermaid(project, name, near),
            "findings": findings.get(name, []),
            "st": state.get(name),
            "trend_link": f"../trends/{name}.svg" if name in trends else None,
            "source_link": url(_source(source_root, metric.location.file))
            + f"#L{metric.location.line}",
        }

    def _query(name: str, dialect: str) -> str:
        written = (sql or {}).get(f"sql/{dialect}/{name}.sql")
        return text_of(written) if written is not None else metric_sql(project, name, dialect)

    def metric_key(name: str) -> str:
        """A digest of what `metric_context` reads: the metric, its neighbours (their
        titles label the diagram), its team, goals and sources, its queries' inputs,
        and what this compile adds (findings, state, where the sources are)."""
        metric = project.metrics[name]
        near = rel[name]
        note(named_by(read(metric)))  # what leads it and what it is an input of
        note(named(FINDINGS, name))
        blocks: list[Block | None] = [metric, project.teams.get(metric.owner or "")]
        blocks += [project.metrics[n] for n in sorted({n for ns in near.values() for n in ns})]
        blocks += [project.goals[g] for g in content.goal_path(project, metric.goal)]
        blocks += [project.sources[s] for s in project.metric_sources(name)]
        made_here = [near, findings.get(name, []), repr(state.get(name)), name in trends]
        return digest(
            "catalog",
            page_path("metric", name),
            inputs.metric(name),
            *(inputs.whole(b) if b else "-" for b in blocks),
            json.dumps([*made_here, source_root, dialects]),
        )

    def metric_page(name: str) -> str:
        here = page_path("metric", name)
        return _page(
            env, "metric.md.j2", show=show_value, link=linker(here), **metric_context(name)
        )

    names = list(project.metrics)
    made = rendered(
        cache, names, partial(_in_build, "metric"), metric_key, metric_page, settles=True
    )
    for name, page in zip(names, made, strict=True):
        pages[page_path("metric", name)] = page
    children: dict[str, list[str]] = {}
    served: dict[str, list[str]] = {}
    for goal in project.goals.values():
        if goal.parent:
            children.setdefault(goal.parent, []).append(goal.name)
    for metric in project.metrics.values():
        if metric.goal:
            served.setdefault(metric.goal, []).append(metric.name)
    by_team: dict[str, list[str]] = {}
    for metric in project.metrics.values():
        if metric.owner:
            by_team.setdefault(metric.owner, []).append(metric.name)
    slos_of: dict[str, list[str]] = {}
    for slo in project.slos.values():
        if slo.owner:
            slos_of.setdefault(slo.owner, []).append(slo.name)

    def goal_page(name: str) -> str:
        here = page_path("goal", name)
        return _page(
            env,
            "goal.md.j2",
            **common,
            g=project.goals[name],
            link=linker(here),
            path=content.goal_path(project, name),
            served=served.get(name, []),
            children=children.get(name, []),
        )

    def goal_key(name: str) -> str:
        """What `goal_page` reads: the goal, its path's names, and the metrics and
        goals it lists (their titles)."""
        listed = served.get(name, [])
        below = children.get(name, [])
        path = content.goal_path(project, name)
        # The metrics and goals that name it; the goals above, one of which may move.
        note(named_by(read(project.goals[name])), *(read(project.goals[g]) for g in path))
        return digest(
            "catalog",
            page_path("goal", name),
            inputs.whole(project.goals[name]),
            json.dumps([path, listed, below]),
            *(inputs.whole(project.metrics[m]) for m in listed),
            *(inputs.whole(project.goals[g]) for g in below),
        )

    def team_page(name: str) -> str:
        here = page_path("team", name)
        return _page(
            env,
            "team.md.j2",
            **common,
            t=project.teams[name],
            link=linker(here),
            owned=by_team.get(name, []),
            slo_names=slos_of.get(name, []),
        )

    def team_key(name: str) -> str:
        """What `team_page` reads: the team, and the metrics (their titles) and SLOs it owns."""
        owned = by_team.get(name, [])
        note(named_by(read(project.teams[name])))  # the metrics and SLOs that name it
        return digest(
            "catalog",
            page_path("team", name),
            inputs.whole(project.teams[name]),
            json.dumps([owned, slos_of.get(name, [])]),
            *(inputs.whole(project.metrics[m]) for m in owned),
        )

    for kind, every, make, key in (
        ("goal", list(project.goals), goal_page, goal_key),
        ("team", list(project.teams), team_page, team_key),
    ):
        made = rendered(cache, every, partial(_in_build, kind), key, make, settles=True)
        pages.update(zip((page_path(kind, n) for n in every), made, strict=True))
    for name, slo in project.slos.items():
        here = page_path("slo", name)
        pages[here] = _page(env, "slo.md.j2", **common, s=slo, link=linker(here), policy=POLICY)
    listed = len(project.metrics) <= INDEX_LIST_LIMIT
    pages["README.md"] = _page(
        env,
        "index.md.j2",
        **common,
        link=linker("README.md"),
        stars=content.north_stars(project),
        goal_tree=_goal_tree(project, children, served, linker("README.md"), listed),
        listed=listed,
        count=_count,
        teams=project.teams,
        by_team=by_team,
        slos=project.slos,
        state=state,
        counts=(
            f"{len(project.metrics)} metrics, {len(project.goals)} goals, "
            f"{len(project.teams)} teams, {len(project.slos)} SLOs."
        ),
    )
    files = {f"catalog/{path}": text for path, text in sorted(pages.items())}
    files.update({f"catalog/trends/{name}.svg": drawn for name, drawn in sorted(trends.items())})
    return files


def _count(metrics: list[str]) -> str:
    """How many metrics, in words: `1 metric`, `2,500 metrics`, `no metrics`."""
    if not metrics:
        return "no metrics"
    return f"{len(metrics):,} metric{'' if len(metrics) == 1 else 's'}"


def _goal_tree(
    project: sm.Project,
    children: dict[str, list[str]],
    served: dict[str, list[str]],
    link: Callable[[str, str], str],
    listed: bool,
) -> list[str]:
    """The goal tree's lines: each goal with its metrics under it, or (`listed` false:
    too many metrics for the index) with how many it has."""
    lines: list[str] = []

    def walk(name: str, depth: int) -> None:
        goal = project.goals[name]
        pad = "  " * depth
        line = f"{pad}- **[{escape(goal.title or name)}]({link('goal', name)})**"
        lines.append(line if listed else f"{line} · {_count(served.get(name, []))}")
        for metric in served.get(name, []) if listed else ():
            m = project.metrics[metric]
            lines.append(
                f"{pad}  - [{escape(m.title)}]({link('metric', metric)}) "
                f"· {m.tier or 'untiered'}, {m.indicator or '—'}"
            )
        for child in children.get(name, []):
            walk(child, depth + 1)

    for goal in project.goals.values():
        if not goal.parent or goal.parent not in project.goals:
            walk(goal.name, 0)
    return lines
