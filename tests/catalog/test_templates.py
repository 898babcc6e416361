"""Compiled templates kept in the user's cache folder: the same pages, never stale,
and a folder that cannot be written costs only time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from metricc.backends.catalog import markdown, templates
from metricc.backends.catalog.markdown import catalog_files
from metricc.model.semantic import Project


@pytest.fixture
def fresh() -> Iterator[None]:
    """Each `catalog_files` call below compiles or loads its templates afresh."""
    markdown.environment.cache_clear()
    yield
    markdown.environment.cache_clear()


def _pages(project: Project) -> dict[str, object]:
    markdown.environment.cache_clear()
    return catalog_files(project, ["duckdb"])


def test_pages_from_kept_templates_are_the_pages_compiled_afresh(
    reference_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compiled = _pages(reference_project)
    kept = sorted((tmp_path / "metricc" / "templates").iterdir())
    assert len(kept) == 5  # one per catalogue template
    stamps = [p.stat().st_mtime_ns for p in kept]
    assert _pages(reference_project) == compiled
    assert [p.stat().st_mtime_ns for p in kept] == stamps  # loaded, not compiled again


def test_another_compiler_compiles_its_templates_afresh(
    reference_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _pages(reference_project)
    before = {p: p.read_bytes() for p in (tmp_path / "metricc" / "templates").iterdir()}
    monkeypatch.setattr(templates, "compiler_fingerprint", lambda: "another compiler")
    _pages(reference_project)
    after = {p: p.read_bytes() for p in before}
    assert all(after[p] != before[p] for p in before)


def test_a_cache_folder_that_cannot_be_written_costs_only_time(
    reference_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    pages = _pages(reference_project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "writable"))
    assert _pages(reference_project) == pages
