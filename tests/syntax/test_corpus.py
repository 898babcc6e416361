"""Valid files parse and resolve; their manifests are snapshot-tested."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from metricc import __version__
from metricc.backends import manifest
from metricc.backends.manifest import SCHEMA, dumps, manifest_files, manifest_schema
from metricc.pipeline import check_project
from tests.conftest import CORPUS, METRICS, ROOT

VALID = sorted((CORPUS / "valid").glob("*.metric"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_corpus_file_compiles(path: Path, json_snapshot: SnapshotAssertion) -> None:
    result = check_project(path.relative_to(ROOT))
    assert [d.message for d in result.diagnostics] == []
    assert result.project is not None
    manifest = json.loads(manifest_files(result.project)["manifest.json"])
    assert manifest == json_snapshot


def test_reference_set_is_clean_and_complete() -> None:
    result = check_project(METRICS.relative_to(ROOT))
    assert [d.message for d in result.diagnostics] == []
    assert result.project is not None
    expected = {
        "weekly_core_users",
        "activation_rate",
        "dau",
        "mau",
        "stickiness",
        "avg_session_duration",
        "sessions_per_user",
        "feature_adoption_rate",
        "churn_rate",
        "p95_page_load_ms",
        "api_error_rate",
        "p99_api_latency_ms",
        "deploy_success_rate",
        "signup_to_purchase",
        "cac",
        "revenue_per_user",
        "arppu",
        "gross_margin",
        "cltv",
        "cltv_to_cac",
        "ctr",
        "cpa",
        "roas",
        "nps",
        "task_success_rate",
        "tickets_per_1k_users",
        "pr_cycle_time_hours",
        "merged_prs",
        "escaped_defect_rate",
    }
    assert set(result.project.metrics) == expected
    assert set(result.project.slos) == {"api_availability", "api_availability_prom"}
    for metric in result.project.metrics.values():
        assert metric.owner and metric.goal and metric.indicator and metric.direction
        assert metric.action, metric.name


def test_reference_manifest(json_snapshot: SnapshotAssertion) -> None:
    result = check_project(METRICS.relative_to(ROOT))
    assert result.project is not None
    assert json.loads(manifest_files(result.project)["manifest.json"]) == json_snapshot


def test_the_schema_describes_the_model_for_its_readers() -> None:
    """Its descriptions are the model classes' docstrings: what a value means, never
    how metricc stores it (a note on spans once leaked into it). The schema's exact
    text is pydantic's and changes with its version, so it is not snapshotted."""
    result = check_project(METRICS.relative_to(ROOT))
    assert result.project is not None
    schema = json.loads(manifest_files(result.project)["manifest.schema.json"])
    descriptions = {name: d.get("description", "") for name, d in schema["$defs"].items()}
    assert (
        descriptions["Span"] == "A range of one file: 0-based offsets plus 1-based line and column."
    )
    leaks = [n for n, text in descriptions.items() if re.search(r"pydantic|dataclass|slot", text)]
    assert not leaks


def test_manifest_is_deterministic() -> None:
    first = check_project(METRICS.relative_to(ROOT))
    second = check_project(METRICS.relative_to(ROOT))
    assert first.project is not None and second.project is not None
    assert manifest_files(first.project) == manifest_files(second.project)


@pytest.mark.parametrize("path", [METRICS, *VALID], ids=["metrics", *(p.stem for p in VALID)])
def test_the_manifest_assembled_from_blocks_is_pydantic_s_dump_of_the_project(
    path: Path,
) -> None:
    """The manifest is put together from each block's JSON (what the build cache
    keeps), byte for byte the project as pydantic dumps it whole."""
    project = check_project(path.relative_to(ROOT)).project
    assert project is not None
    whole = project.dump_json(indent=2).replace("\n", "\n  ")
    assert manifest_files(project)["manifest.json"] == (
        f'{{\n  "metricc_version": "{__version__}",\n  "schema": "manifest.schema.json",\n'
        f'  "project": {whole}\n}}\n'
    )


def test_manifest_validates_against_its_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = check_project(METRICS.relative_to(ROOT))
    assert result.project is not None
    files = manifest_files(result.project)
    manifest, schema = json.loads(files["manifest.json"]), json.loads(files["manifest.schema.json"])
    jsonschema.validate(manifest, schema)  # the whole document, as its `schema` field says
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**manifest, "project": {"metrics": 1}}, schema)


def test_the_schema_is_made_once_per_compiler_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making it imports pydantic (over a second): a compile with no previous build
    reads the copy kept in metricc's cache folder; a damaged copy is made again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    project = check_project(METRICS.relative_to(ROOT)).project
    assert project is not None
    expected = dumps(manifest_schema())
    assert manifest_files(project)[SCHEMA] == expected
    (kept,) = tmp_path.glob("metricc/manifest-schema-*.marshal")
    with monkeypatch.context() as patch:
        patch.setattr(manifest, "manifest_schema", lambda: pytest.fail("made again"))
        assert manifest_files(project)[SCHEMA] == expected
    kept.write_bytes(b"damaged")
    assert manifest_files(project)[SCHEMA] == expected
    assert kept.read_bytes() != b"damaged"


def test_files_are_read_in_a_stable_order(tmp_path: Path) -> None:
    for name in ["b.metric", "a/z.metric", "a.metric"]:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    os.chdir(tmp_path)
    result = check_project(Path("."))
    assert [f.path for f in result.files] == ["a.metric", "a/z.metric", "b.metric"]
