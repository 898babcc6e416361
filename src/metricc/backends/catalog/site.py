"""The catalogue as a static site: the markdown pages rendered to HTML.

Works opened from the file system, with no server and no network: styles,
search script and search index are files beside the pages, the graph and
trend charts are SVG drawn at build time. User text is escaped (cmark-gfm
without its unsafe option drops raw HTML and `javascript:` links; jinja2
autoescapes).
"""

from __future__ import annotations

import ctypes
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from cmarkgfm import _cmark as native  # type: ignore[import-untyped]
from cmarkgfm import cmark
from markupsafe import Markup, escape

from metricc import __version__
from metricc.backends.catalog import content, svg
from metricc.backends.catalog.markdown import FOLDERS
from metricc.backends.catalog.templates import compiled_templates
from metricc.backends.inputs import inputs_of, read
from metricc.cache import (
    EVERYTHING,
    BuildCache,
    Store,
    Text,
    digest,
    named_by,
    note,
    rendered,
    text_of,
)
from metricc.model import semantic as sm

ASSETS = ("style.css", "search.js")
# Past this many metrics the index's graph would be thousands of boxes (a
# picture nobody can read, megabytes of every build): each metric's page still
# draws its own neighbourhood.
INDEX_GRAPH_LIMIT = 150


@lru_cache(maxsize=1)
def _layout() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("metricc", "templates/site"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=compiled_templates(),
    )
    return env.get_template("layout.html.j2")


# A Mermaid block as cmark-gfm renders it (a code block's text is escaped: these tags
# are never inside one).
_MERMAID = ('<pre><code class="language-mermaid">', "</code></pre>\n")
_LINK = re.compile(r'href="([^"#:]+)\.md(#[^"]*)?"')
_HEADING = re.compile(r"<h([23])>(.*?)</h\1>")
_TAG = re.compile(r"<[^>]+>")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_TITLE = re.compile(r"<h1>(.*?)</h1>")


@lru_cache(maxsize=1)
def _cmark() -> tuple[Any, Any, Any]:
    """cmark-gfm's table extension, and the two frees cmarkgfm's wrappers omit.

    cmarkgfm's own `markdown_to_html_with_extensions` never frees the document
    it parses nor the HTML it renders (~32 KB a page: a third of a GiB over
    10,000 pages), and its cffi interface declares no `cmark_node_free`; the
    symbol is exported by the same library, so it is called through ctypes.
    """
    library = ctypes.CDLL(native.__file__)
    library.cmark_node_free.argtypes = [ctypes.c_void_p]
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    cmark.core_extensions_ensure_registered()
    return cmark.find_syntax_extension("table"), library.cmark_node_free, libc.free


def _to_html(markdown: str, graph: str) -> str:
    """Markdown to HTML by cmark-gfm (GitHub's C renderer: CommonMark and tables,
    raw HTML and `javascript:` links dropped; 0.14 ms a page against markdown-it-py's
    2.9 ms). The page's own Mermaid block, the last one (user text comes before
    it), becomes the SVG graph drawn for the page, if it has one."""
    table, node_free, free = _cmark()
    parser = cmark.parser_new(0)
    try:
        cmark.parser_attach_syntax_extension(parser, table)
        cmark.parser_feed(parser, markdown)
        root = cmark.parser_finish(parser)
        try:
            raw = native.lib.cmark_render_html(root, 0, cmark.parser_get_syntax_extensions(parser))
            try:
                html: str = native.ffi.string(raw).decode("utf-8")
            finally:
                free(int(native.ffi.cast("uintptr_t", raw)))
        finally:
            node_free(int(native.ffi.cast("uintptr_t", root)))
    finally:
        cmark.parser_free(parser)
    opening, closing = _MERMAID
    start = html.rfind(opening) if graph else -1
    end = html.find(closing, start) if start >= 0 else -1
    if end >= 0:
        html = f'{html[:start]}<div class="graph">{graph}</div>\n{html[end + len(closing) :]}'
    return html


# The catalogue's own raw HTML (each extra dialect's query folded away): a line no
# user text can make, since the markdown escapes every `<` of it.
_DETAILS = re.compile(r"^<details><summary>([^<\n]*)</summary>$", re.MULTILINE)
_OMITTED = "<!-- raw HTML omitted -->"


def _details(markdown: str, html: str) -> str:
    """The folds the markdown page opens and closes with raw HTML, which cmark-gfm
    drops as it drops all raw HTML (leaving a comment for each tag's block): put
    back as `<details>` with their summaries (the dialects' names, escaped)."""
    for summary in _DETAILS.findall(markdown):
        opened = f"<details><summary>{escape(summary)}</summary>"
        html = html.replace(_OMITTED, opened, 1).replace(_OMITTED, "</details>", 1)
    return html


def _html_links(html: str) -> str:
    """Links between markdown pages become links between HTML pages (a folder's
    `README.md` is its `index.html`)."""

    def html_link(match: re.Match[str]) -> str:
        page, anchor = match.groups()
        folder, _, name = page.rpartition("/")
        if name == "README":
            page = f"{folder}/index" if folder else "index"
        return f'href="{page}.html{anchor or ""}"'

    return _LINK.sub(html_link, html)


def site_files(
    project: sm.Project,
    pages: Mapping[str, Text],
    cache: BuildCache | None = None,
    store: Store | None = None,
) -> dict[str, Text]:
    """HTML for every markdown page of the catalogue, plus assets and the search index.

    With a cache, a page whose markdown and graph's inputs are unchanged is not rendered
    (nor its graph drawn) again. `store`: each page is written where it is made (the
    site is the build's last part: its pages are read by nothing after it).
    """
    files: dict[str, Text] = {}
    rel = content.relations(project)
    inputs = inputs_of(project, prepared=cache is not None)
    links: dict[str, dict[str, str]] = {}
    stars = set(content.north_stars(project))

    def page_links(root: str) -> dict[str, str]:
        if root not in links:
            links[root] = {
                f"{kind}:{name}": f"{root}{FOLDERS[kind]}/{name}.html"
                for kind, names in (("metric", project.metrics), ("goal", project.goals))
                for name in names
            }
        return links[root]

    def focus(path: str) -> set[str] | None:
        """The metrics a page's graph draws: the whole project on the index, a metric
        and its neighbours on its page, nothing elsewhere."""
        inner = path.removeprefix("catalog/")
        if inner == "README.md":
            return None
        kind, _, rest = inner.partition("/")
        if kind != "metrics":
            return set()
        name = rest.removesuffix(".md")
        note(named_by(read(project.metrics[name])))  # its neighbours include what leads it
        near = rel[name]
        return {name, *near["leads"], *near["led_by"], *near["inputs"], *near["used_by"]}

    whole = len(project.metrics) <= INDEX_GRAPH_LIMIT  # whether the index draws the project

    def graph(path: str) -> str:
        """The SVG graph of a page."""
        shown = focus(path)
        if shown is None:
            return svg.graph(project, page_links(""), stars) if whole else ""
        return svg.graph(project, page_links("../"), stars, shown) if shown else ""

    def graph_key(path: str) -> str:
        """What a page's graph is drawn from: its metrics and every goal."""
        shown = focus(path)
        if shown is None and not whole:
            return f"not drawn: {len(project.metrics)} metrics"
        names = sorted(project.metrics if shown is None else shown & project.metrics.keys())
        return "".join([inputs.goals(), *(inputs.whole(project.metrics[n]) for n in names)])

    def page_key(path: str) -> str:
        """A page is made from its markdown and its graph. A cached markdown page
        stands for itself by its own key (so it need not be read), and reads what
        that key read; others by text, which may show anything."""
        key, reads = cache.made_from(path) if cache else (None, ())
        note(*(EVERYTHING,) if reads is None else reads)
        markdown = f"key:{key}" if key else f"text:{text_of(pages[path])}"
        return digest("page", path, markdown, graph_key(path))

    def target(path: str) -> str:
        inner = path.removeprefix("catalog/")
        return "site/" + ("index.html" if inner == "README.md" else inner[:-3] + ".html")

    def page_html(path: str) -> str:
        drawn = graph(path)
        inner = path.removeprefix("catalog/")
        root = "../" * inner.count("/")
        markdown = text_of(pages[path])
        body = _html_links(_details(markdown, _to_html(markdown, drawn)))
        if inner == "README.md":
            picture = (
                f'<div class="graph">{drawn}</div>'
                if drawn
                else f"<p>{len(project.metrics):,} metrics are too many to draw on one page: "
                "each metric's page draws its goal and the metrics it is linked to.</p>"
            )
            section = f'<h2 id="graph">Goals and indicators</h2>\n{picture}\n'
            body = body.replace("<h2>Goals</h2>", section + '<h2 id="goals">Goals</h2>', 1)
        body = _anchor_headings(body)
        title = _TITLE.search(body)
        return _layout().render(
            title=Markup(title.group(1)) if title else "Catalogue",
            root=root,
            body=Markup(body),
            version=__version__,
        )

    for path, text in pages.items():
        if path.endswith(".svg"):
            files[path.replace("catalog/", "site/", 1)] = text
    markdown = [path for path in pages if path.endswith(".md")]
    html = rendered(cache, markdown, target, page_key, page_html, settles=True, store=store)
    files.update(zip((target(path) for path in markdown), html, strict=True))
    assets = resources.files("metricc").joinpath("templates", "site")
    for asset in ASSETS:
        files[f"site/assets/{asset}"] = assets.joinpath(asset).read_text("utf-8")
    lines = search_lines(search_index(project))
    files["site/assets/search-index.js"] = f"window.METRICC_INDEX = [\n{lines}\n];\n"
    return files


def _anchor_headings(html: str) -> str:
    def slug(match: re.Match[str]) -> str:
        level, text = match.groups()
        ident = _NOT_SLUG.sub("-", _TAG.sub("", text).lower()).strip("-")
        return f'<h{level} id="{ident}">{text}</h{level}>'

    return _HEADING.sub(slug, html)


def search_lines(entries: list[dict[str, str]]) -> str:
    """The search index's entries (each with `kind` first) as JSON, one a line (a
    diff shows which changed), safe inside a `<script>`. All written by one call
    of the json module's C encoder (indenting is done in Python: a tenth of a
    second per 10,000 metrics; a call per entry: 0.08 s), then split where one
    entry ends and the next begins: `}, {"kind": ` is never inside a string,
    whose quotes are escaped."""
    between = '}, {"kind": '
    every = json.dumps(entries, ensure_ascii=True)[1:-1]
    return every.replace(between, between.replace(" ", "\n", 1)).replace("</", "<\\/")


def search_index(project: sm.Project) -> list[dict[str, str]]:
    entries = []
    for m in project.metrics.values():
        text = " ".join([m.name, m.title, m.description or "", m.owner or "", *m.tags])
        entries.append(
            {
                "kind": "metric",
                "name": m.name,
                "title": m.title,
                "url": f"metrics/{m.name}.html",
                "text": text.lower(),
            }
        )
    for g in project.goals.values():
        entries.append(
            {
                "kind": "goal",
                "name": g.name,
                "title": g.title or g.name,
                "url": f"goals/{g.name}.html",
                "text": " ".join(
                    [g.name, g.title or "", g.description or "", g.owner or ""]
                ).lower(),
            }
        )
    for t in project.teams.values():
        entries.append(
            {
                "kind": "team",
                "name": t.name,
                "title": t.title or t.name,
                "url": f"teams/{t.name}.html",
                "text": " ".join([t.name, t.title or "", t.lead or ""]).lower(),
            }
        )
    for s in project.slos.values():
        entries.append(
            {
                "kind": "slo",
                "name": s.name,
                "title": s.title or s.name,
                "url": f"slos/{s.name}.html",
                "text": " ".join([s.name, s.title or "", s.owner or "", *s.tags]).lower(),
            }
        )
    return entries
