"""The catalogue: markdown snapshots, every field present, links that resolve, inert HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from metricc.backends.catalog import markdown, site
from metricc.backends.catalog.markdown import catalog_files
from metricc.backends.catalog.site import site_files
from metricc.model.semantic import Project
from metricc.pipeline import check_project
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def pages(reference_project: Project) -> dict[str, str]:
    return catalog_files(reference_project, ["duckdb", "postgres"])


@pytest.mark.parametrize(
    "page",
    [
        "README.md",
        "metrics/churn_rate.md",
        "metrics/cltv.md",
        "goals/company.md",
        "teams/platform.md",
        "slos/api_availability_prom.md",
    ],
)
def test_markdown_snapshot(
    pages: dict[str, str], page: str, text_snapshot: SnapshotAssertion
) -> None:
    assert pages[f"catalog/{page}"] == text_snapshot


def test_every_metric_page_has_every_section(
    reference_project: Project, pages: dict[str, str]
) -> None:
    for name, metric in reference_project.metrics.items():
        page = pages[f"catalog/metrics/{name}.md"]
        for needle in (
            "## Definition",
            "| owner |",
            "| goal |",
            "| tier |",
            "| indicator |",
            "| unit |",
            "| direction |",
            "| grain |",
            "| dimensions |",
            "| sources |",
            "| defined in |",
            "## Targets and alerts",
            "## Links",
            "```mermaid",
            "## SQL",
            "```sql",
            "<summary>postgres</summary>",
            "## Lint findings",
            f"{metric.location.file}:{metric.location.line}",
        ):
            assert needle in page, (name, needle)
        if metric.action:
            assert "When it moves:" in page
    for kind in ("goals", "teams", "slos"):
        for name in getattr(reference_project, kind):
            assert f"catalog/{kind}/{name}.md" in pages


def test_relative_links_resolve(pages: dict[str, str]) -> None:
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        for target in re.findall(r"\]\(([^)#]+?\.(?:md|svg))(?:#[^)]*)?\)", text):
            resolved = (Path(path).parent / target).as_posix()
            resolved = re.sub(r"[^/]+/\.\./", "", resolved)
            assert resolved in pages, (path, target)


def test_definition_in_plain_words(pages: dict[str, str]) -> None:
    page = pages["catalog/metrics/weekly_core_users.md"]
    assert (
        "Distinct `events.user_id`, where `events.name = 'workflow_completed'`, per week "
        "(Monday to Sunday)."
    ) in page
    churn = pages["catalog/metrics/churn_rate.md"]
    assert "that ended in the period" in churn and "active at the period's start" in churn


def test_site_pages_for_every_markdown_page(
    reference_project: Project, pages: dict[str, str]
) -> None:
    site = site_files(reference_project, pages)
    for path in pages:
        if path.endswith(".md"):
            name = path.replace("catalog/", "site/").replace("README.md", "index.md")
            assert name.removesuffix(".md") + ".html" in site
    assert {"site/assets/style.css", "site/assets/search.js", "site/assets/search-index.js"} <= set(
        site
    )
    for path, html in site.items():
        if path.endswith(".html"):
            assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
            assert "https://" not in html.replace("https://runbooks.example.com", "")


def test_a_project_too_large_to_draw_has_no_graph_on_its_index(
    reference_project: Project, pages: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the limit the index says why there is no picture; metric pages still draw theirs."""
    drawn = site_files(reference_project, pages)
    monkeypatch.setattr(site, "INDEX_GRAPH_LIMIT", len(reference_project.metrics) - 1)
    large = site_files(reference_project, pages)
    assert '<div class="graph"><svg' in drawn["site/index.html"]
    assert "<svg" not in large["site/index.html"]
    assert "29 metrics are too many to draw on one page" in large["site/index.html"]
    assert large["site/metrics/churn_rate.html"] == drawn["site/metrics/churn_rate.html"]


def test_a_project_too_large_to_list_has_counts_on_its_index(
    reference_project: Project, monkeypatch: pytest.MonkeyPatch, text_snapshot: SnapshotAssertion
) -> None:
    """Past the limit the index lists no metric: each goal and team says how many it
    has, their pages list them; the North Star is still shown in full."""
    monkeypatch.setattr(markdown, "INDEX_LIST_LIMIT", len(reference_project.metrics) - 1)
    large = catalog_files(reference_project, ["duckdb"])
    index = large["catalog/README.md"]
    assert index == text_snapshot
    assert "| metric |" not in index and "metrics/dau.md" not in index
    assert "North Star: [Weekly core-workflow users](metrics/weekly_core_users.md)" in index
    html = site_files(reference_project, large)["site/index.html"]
    assert "29 metrics are too many for one table" in html
    assert '<a href="goals/retention.html">Users keep coming back</a></strong> · 6 metrics' in html


def hostile_project(tmp_path: Path) -> Project:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "x.metric").write_text(
        'team t {\n  title: "<img src=x onerror=alert(2)>"\n  review: weekly\n}\n'
        'goal g {\n  title: "</script><script>alert(3)</script>"\n  owner: t\n  north_star: m\n}\n'
        "source s {\n  table: s\n  time: t\n}\n"
        'metric m {\n  title: "<b>bold</b> & co"\n'
        '  description: """\n    <script>alert(1)</script> [x](javascript:alert(4))\n  """\n'
        "  owner: t\n  goal: g\n  grain: day\n  measure: count(s.id)\n"
        '  action: "<iframe src=javascript:alert(5)>"\n}\n'
    )
    result = check_project(folder)
    assert result.project is not None, result.diagnostics
    return result.project


def test_hostile_text_is_inert_in_html(tmp_path: Path) -> None:
    project = hostile_project(tmp_path)
    site = site_files(project, catalog_files(project, ["duckdb"]))
    for path, html in site.items():
        if path.endswith(".html"):
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "<iframe" not in html and "<b>bold" not in html
            assert 'href="javascript:' not in html
    pages = catalog_files(project, ["duckdb"])
    assert "<script>" not in pages["catalog/metrics/m.md"]


def test_compile_with_a_warehouse_shows_the_current_state(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from metricc.cli import main

    monkeypatch.chdir(ROOT)
    out = tmp_path / "build"
    result = CliRunner().invoke(main, ["compile", "--out", str(out), "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    page = (out / "catalog" / "metrics" / "api_error_rate.md").read_text()
    assert "## Now" in page and "**Next step:** Open the incident channel" in page
    assert (
        "![Recent values of api_error_rate against the target](../trends/api_error_rate.svg)"
        in page
    )
    trend = (out / "site" / "trends" / "api_error_rate.svg").read_text()
    assert trend.startswith("<svg") and "target" in trend
    index = (out / "catalog" / "README.md").read_text()
    assert "**Now:** " in index and "| now |" in index
