"""Shared fixtures: projects from text, and snapshot extensions for artifacts."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from metricc.model.semantic import Project
from metricc.pipeline import Compilation, check_project, release

# In CI the property tests replay a fixed sequence of examples, so a run is repeatable;
# locally each run explores new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
METRICS = ROOT / "metrics"
CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture(autouse=True)
def _release_compilations() -> Iterator[None]:
    """Tests outlive the compilations they build: hand frozen objects back after each."""
    yield
    release()


class SQLSnapshot(SingleFileSnapshotExtension):
    """One `.sql` file per snapshot, so a diff in review reads as SQL."""

    _write_mode = WriteMode.TEXT
    file_extension = "sql"


class TextSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


@pytest.fixture
def sql_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(SQLSnapshot)


@pytest.fixture
def text_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture
def write_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write `{name: text}` as .metric files in a temp folder and check them.

    The working folder moves there so diagnostics show short relative paths.
    """
    monkeypatch.chdir(tmp_path)

    def make(files: dict[str, str] | str) -> Compilation:
        if isinstance(files, str):
            files = {"main.metric": files}
        folder = tmp_path / "project"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return check_project(Path("project"))

    return make


@pytest.fixture(scope="session")
def reference_project() -> Project:
    """The reference metric set (metrics/), resolved once; paths relative to the repository."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = check_project(METRICS.relative_to(ROOT))
    assert result.project is not None
    return result.project


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-seed sample warehouse, generated once per test run."""
    from metricc.warehouse.sample import write_duckdb

    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    write_duckdb(path)
    return path
