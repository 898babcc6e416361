"""Markdown to HTML for the site (`site._to_html`): what the catalogue's pages use."""

from __future__ import annotations

from metricc.backends.catalog.site import _to_html

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


def test_raw_html_shows_as_text_and_script_links_are_not_links() -> None:
    html = _to_html(PAGE, "")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_the_page_s_own_mermaid_block_becomes_the_graph() -> None:
    """The last block is the page's; one in user text before it stays code."""
    html = _to_html(PAGE, "<svg>graph</svg>")
    assert html.count('<div class="graph"><svg>graph</svg></div>') == 1
    assert "written by someone" in html and "m --&gt; g" not in html


def test_without_a_graph_every_mermaid_block_stays_code() -> None:
    assert _to_html(PAGE, "").count('class="language-mermaid"') == 2
