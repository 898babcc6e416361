"""The site in a real browser (headless Chromium): loads cleanly, search works, links resolve,
the graph has one edge per link, and hostile text stays inert."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from metricc.backends.catalog.markdown import catalog_files
from metricc.backends.catalog.site import site_files
from metricc.model import semantic as sm
from tests.catalog.test_catalog import hostile_project

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("pip install playwright")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _missing("install Chromium (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def write_site(project: sm.Project, folder: Path, dialects: list[str]) -> Path:
    for path, text in site_files(project, catalog_files(project, dialects)).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder / "site"


@pytest.fixture(scope="module")
def site(reference_project: sm.Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(reference_project, tmp_path_factory.mktemp("site"), ["duckdb", "postgres"])


def open_page(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto(url)
    return page, problems


def test_index_loads_without_console_errors(browser: Any, site: Path) -> None:
    page, problems = open_page(browser, (site / "index.html").as_uri())
    assert page.title() == "Metric catalogue"
    assert page.locator("h1").inner_text() == "Metric catalogue"
    assert problems == []
    page.close()


def test_search_finds_a_metric_page(browser: Any, site: Path) -> None:
    page, problems = open_page(browser, (site / "goals" / "company.html").as_uri())
    page.fill("#search", "stickiness")
    first = page.locator("#results a").first
    assert "Stickiness" in first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/metrics/stickiness.html")
    assert page.locator("h1").inner_text() == "Stickiness (DAU / MAU)"
    page.fill("#search", "pagerduty nothing-like-this")
    assert page.locator("#results").inner_text() == "No match"
    assert problems == []
    page.close()


def test_search_by_owner_and_tag(browser: Any, site: Path) -> None:
    page, _ = open_page(browser, (site / "index.html").as_uri())
    page.fill("#search", "finance")
    names = page.locator("#results a").all_inner_texts()
    assert any("churn_rate" in n for n in names)
    page.close()


def test_every_internal_link_resolves(browser: Any, site: Path) -> None:
    page = browser.new_page()
    checked = 0
    for html in sorted(site.rglob("*.html")):
        page.goto(html.as_uri())
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parsed = urlparse(href)
            if parsed.scheme != "file" or parsed.path.endswith(".metric"):
                continue  # the definition's source file lives in the repository, not the site
            assert Path(unquote(parsed.path)).is_file(), (html.name, href)
            checked += 1
    assert checked > 500
    page.close()


def test_graph_has_one_edge_per_link(
    browser: Any, site: Path, reference_project: sm.Project
) -> None:
    page, _ = open_page(browser, (site / "index.html").as_uri())

    def count(kind: str) -> int:
        return int(page.locator(f'#graph + .graph path.edge[data-kind="{kind}"]').count())

    assert count("leads") == sum(len(m.leads) for m in reference_project.metrics.values())
    assert count("input") == sum(
        len(m.definition.inputs)
        for m in reference_project.metrics.values()
        if isinstance(m.definition, sm.Derived)
    )
    assert count("goal") == sum(1 for m in reference_project.metrics.values() if m.goal)
    assert count("parent") == sum(1 for g in reference_project.goals.values() if g.parent)
    nodes = page.locator("#graph + .graph a.node")
    assert nodes.count() == len(reference_project.metrics) + len(reference_project.goals)
    nodes.filter(has_text="Weekly core-workflow users").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/metrics/weekly_core_users.html")
    page.close()


def test_hostile_text_is_inert_in_the_browser(browser: Any, tmp_path: Path) -> None:
    site = write_site(hostile_project(tmp_path), tmp_path / "out", ["duckdb"])
    for html in sorted(site.rglob("*.html")):
        page, problems = open_page(browser, html.as_uri())
        assert [p for p in problems if p.startswith("dialog")] == [], html.name
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
        assert page.evaluate("document.querySelectorAll('iframe, img[onerror]').length") == 0
        page.close()
