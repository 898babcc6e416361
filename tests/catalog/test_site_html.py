"""Markdown to HTML for the site (`site._to_html`): what the catalogue's pages use."""

from __future__ import annotations

import json
import re
import resource

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metricc.backends.catalog.markdown import escape
from metricc.backends.catalog.site import _details, _html_links, _to_html, search_lines
from metricc.model.semantic import Project

PAGE = """# Title

| property | value |
|---|---|
| owner | [Team](../teams/t.md) |

Text with <script>alert(1)</script> and [a link](javascript:alert(2)).

```mermaid
flowchart LR
  user["written by someone"]
```

## Links

```mermaid
flowchart LR
  m --> g
```

```sql
SELECT 1 < 2
```
"""


def test_tables_links_and_code() -> None:
    html = _to_html(PAGE, "")
    assert "<table>" in html and '<a href="../teams/t.md">Team</a>' in html
    assert '<pre><code class="language-sql">SELECT 1 &lt; 2\n</code></pre>' in html


def test_raw_html_and_script_links_are_dropped() -> None:
    html = _to_html(PAGE, "")
    assert "<script>" not in html and "javascript:" not in html


def test_rendering_frees_what_it_allocates() -> None:
    """cmarkgfm's wrappers leak each document and its HTML; ours free them."""
    page = PAGE * 20
    _to_html(page, "")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3000):
        _to_html(page, "")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 20_000  # leaking, it grows by ~300,000 KiB


def test_the_page_s_own_mermaid_block_becomes_the_graph() -> None:
    """The last block is the page's; one in user text before it stays code."""
    html = _to_html(PAGE, "<svg>graph</svg>")
    assert html.count('<div class="graph"><svg>graph</svg></div>') == 1
    assert "written by someone" in html and "m --&gt; g" not in html


def test_without_a_graph_every_mermaid_block_stays_code() -> None:
    assert _to_html(PAGE, "").count('class="language-mermaid"') == 2


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('href="../teams/t.md"', 'href="../teams/t.html"'),
        ('href="../metrics/m.md#alerts"', 'href="../metrics/m.html#alerts"'),
        ('href="README.md"', 'href="index.html"'),
        ('href="../README.md#goals"', 'href="../index.html#goals"'),
        ('href="../MY_README.md"', 'href="../MY_README.html"'),
        ('href="https://example.com/a.md"', 'href="https://example.com/a.md"'),
        ('href="#teams"', 'href="#teams"'),
    ],
)
def test_links_between_pages_point_at_the_html_pages(written: str, shown: str) -> None:
    assert _html_links(f"<a {written}>x</a>") == f"<a {shown}>x</a>"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("|-`*_[]()<>!#\\:\n &;\"'a1é")), max_size=300))
def test_any_text_renders_without_error(text: str) -> None:
    """User text reaches the native renderer through descriptions and actions
    (`[a` followed by a backtick crashed markdown-it's Rust port, tried before this one)."""
    html = _to_html(text + "\n\n```mermaid\nx\n```\n", "<svg/>")
    assert "<script" not in html


def test_each_extra_dialect_s_query_is_folded_under_its_name(reference_project: Project) -> None:
    """The markdown folds them with raw HTML, which the site's renderer drops: the
    site puts the folds back, and user text cannot make one."""
    from metricc.backends.catalog.markdown import catalog_files
    from metricc.backends.catalog.site import site_files

    pages = catalog_files(reference_project, ["duckdb", "postgres", "snowflake"])
    page = str(site_files(reference_project, pages)["site/metrics/dau.html"])
    assert "raw HTML omitted" not in page
    folds = re.findall(r"<details><summary>(\w+)</summary>\s*<pre><code", page)
    assert folds == ["postgres", "snowflake"]
    assert page.count("</details>") == 2
    said = "<details><summary>x</summary>\n\n```sql\nSELECT 1\n```\n\n</details>"
    assert "<details>" not in _details(escape(said), _to_html(escape(said), ""))


_FIELD = st.text(alphabet=st.sampled_from('ab"{}, :\\/<>é\n\u2028'), max_size=12)


@given(
    st.lists(
        st.builds(lambda kind, title: {"kind": kind, "title": title}, _FIELD, _FIELD),
        max_size=6,
    )
)
def test_the_search_index_is_one_entry_a_line_whatever_the_text(
    entries: list[dict[str, str]],
) -> None:
    lines = search_lines(entries).split("\n") if entries else []
    assert [json.loads(line.removesuffix(",")) for line in lines] == entries
    assert all("</" not in line for line in lines)
