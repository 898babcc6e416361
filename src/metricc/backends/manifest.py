"""The semantic model as JSON, with the JSON Schema that describes it."""

from __future__ import annotations

import json

from metricc import __version__
from metricc.model.semantic import Project


def dumps(data: object) -> str:
    """Deterministic, readable JSON: the same model gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def manifest_files(project: Project) -> dict[str, str]:
    manifest = {
        "metricc_version": __version__,
        "schema": "manifest.schema.json",
        "project": project.model_dump(mode="json"),
    }
    return {
        "manifest.json": dumps(manifest),
        "manifest.schema.json": dumps(Project.model_json_schema(mode="serialization")),
    }
