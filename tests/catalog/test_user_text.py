"""Text a person wrote stays where the page puts it: a title with a line break or
markdown's own characters cannot end its line and start a heading, a table row or
a code fence; a channel cannot end its code span; a runbook link ends where it should."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from metricc.backends.catalog.markdown import catalog_files, code, escape, inline, url
from metricc.backends.catalog.site import _to_html
from tests.conftest import METRICS

HOSTILE = "Daily | active\\n# users\\n```\\n<b>bold</b> `tick` [x](javascript:alert(1))"
SHOWN = (
    "Daily \\| active # users \\`\\`\\` &lt;b&gt;bold&lt;/b&gt; \\`tick\\` "
    "\\[x\\](javascript:alert(1))"
)


@pytest.fixture
def pages(write_project: Callable[[dict[str, str]], Any]) -> dict[str, str]:
    files = {path.name: path.read_text() for path in METRICS.glob("*.metric")}
    files["engagement.metric"] = files["engagement.metric"].replace(
        'title: "Daily active users"', f'title: "{HOSTILE}"', 1
    )
    files["teams.metric"] = files["teams.metric"].replace(
        'channel: "#growth-metrics"', 'channel: "#growth`\\n# metrics"', 1
    )
    files["reliability.metric"] = files["reliability.metric"].replace(
        '"https://runbooks.example.com/api-errors"', '"https://wiki/api errors (old)\\n# x"', 1
    )
    compilation = write_project(files)
    assert compilation.project is not None, compilation.diagnostics
    return {p: str(t) for p, t in catalog_files(compilation.project, ["duckdb"]).items()}


def test_a_title_stays_on_its_heading_its_row_and_its_diagram_node(
    pages: dict[str, str],
) -> None:
    page = pages["catalog/metrics/dau.md"].splitlines()
    assert page[0] == f"# {SHOWN}" and page[1] == ""
    rows = [line for line in pages["catalog/README.md"].splitlines() if "metrics/dau.md" in line]
    assert any(row.startswith("| [`dau`](metrics/dau.md) | ") and row.endswith("|") for row in rows)
    assert not any(line.startswith(("# users", "```\n")) for line in page[1:])
    fence = page.index("```mermaid")
    diagram = page[fence + 1 : page.index("```", fence + 1)]
    assert diagram[0] == "flowchart LR" and all(line.startswith("  ") for line in diagram[1:])


def test_a_channel_stays_in_its_code_span_and_a_runbook_in_its_link(
    pages: dict[str, str],
) -> None:
    assert "· ``#growth` # metrics`` ·" in pages["catalog/metrics/dau.md"]
    assert (
        "([runbook](https://wiki/api%20errors%20%28old%29%0A#%20x))"
        in pages["catalog/metrics/api_error_rate.md"]
    )


def test_a_file_name_with_spaces_and_brackets_is_still_a_link(
    write_project: Callable[[dict[str, str]], Any],
) -> None:
    files = {path.name: path.read_text() for path in METRICS.glob("*.metric")}
    files["core kpis (v2) [old].metric"] = files.pop("engagement.metric")
    compilation = write_project(files)
    assert compilation.project is not None, compilation.diagnostics
    page = str(catalog_files(compilation.project, ["duckdb"])["catalog/metrics/dau.md"])
    assert (
        "| defined in | [project/core kpis (v2) \\[old\\].metric:45]"
        "(../project/core%20kpis%20%28v2%29%20%5Bold%5D.metric#L45) |"
    ) in page


# Pieces of text that markdown would read as markup, put together at random.
MARKUP = st.lists(
    st.sampled_from(
        [*"ab1 .-+#=*_`[]()!<>&|\\~:/\n\t", "    ", "1. ", "2) ", "- ", "---\n", "===", "&amp;"]
        + ["&#35;", "[x](javascript:alert(1))", "<b>", "![i](u)", "``", "# "]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKUP)
@example("--\t-")  # a rule: dashes with a tab between them
@example("a\n:- ")  # a table: a header, and a delimiter row without pipes
def test_user_text_renders_as_itself_never_as_markup(text: str) -> None:
    """What the site shows of escaped text is that text (whitespace aside), in plain
    paragraphs: no heading, list, code, emphasis, link, image or HTML of its own."""
    rendered = _to_html(escape(text), "")
    assert set(re.findall(r"</?([a-z0-9]+)", rendered)) <= {"p", "br"}, rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert " ".join(shown.split()) == " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("plain", "plain"),
        ("two\nlines  and\r\nmore", "two lines and more"),
        ("a | b <i>", "a \\| b &lt;i&gt;"),
    ],
)
def test_inline_text_is_one_inert_line(text: str, made: str) -> None:
    assert inline(text) == made


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("#growth", "`#growth`"),
        ("a`b", "``a`b``"),
        ("``x", "``` ``x ```"),
        ("two\nlines", "`two lines`"),
    ],
)
def test_a_code_span_holds_any_text(text: str, made: str) -> None:
    assert code(text) == made


@pytest.mark.parametrize(
    ("text", "made"),
    [
        ("https://runbooks.example.com/api-errors", "https://runbooks.example.com/api-errors"),
        ("https://wiki/a?b=c&d=e#f", "https://wiki/a?b=c&d=e#f"),
        ("https://wiki/a b(c)\n<d>", "https://wiki/a%20b%28c%29%0A%3Cd%3E"),
    ],
)
def test_a_link_destination_cannot_end_early(text: str, made: str) -> None:
    assert url(text) == made


@given(st.text())
def test_any_text_stays_on_one_line_inline_and_in_code(text: str) -> None:
    for made in (inline(text), code(text)):
        assert len(made.splitlines()) <= 1
