"""The semantic model as JSON, with the JSON Schema that describes it."""

from __future__ import annotations

import json

from metricc import __version__
from metricc.model.semantic import Project


def dumps(data: object) -> str:
    """Deterministic, readable JSON: the same model gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def manifest_files(project: Project) -> dict[str, str]:
    # The project is serialised by pydantic (in Rust): Python's json module with
    # indentation runs in pure Python, seconds for a large project. Same layout.
    header = {"metricc_version": __version__, "schema": "manifest.schema.json"}
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    body = project.dump_json(indent=2).replace("\n", "\n  ")
    return {
        "manifest.json": "{\n" + "\n".join(lines) + f'\n  "project": {body}\n}}\n',
        "manifest.schema.json": dumps(manifest_schema()),
    }


def manifest_schema() -> dict[str, object]:
    """The JSON Schema of the whole manifest: its header and the project (pydantic's
    schema of `Project`, whose definitions move to the top, where its references
    point)."""
    project = Project.json_schema()
    definitions = project.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "metricc manifest",
        "type": "object",
        "properties": {
            "metricc_version": {"type": "string"},
            "schema": {"type": "string"},
            "project": project,
        },
        "required": ["metricc_version", "schema", "project"],
        "additionalProperties": False,
        "$defs": definitions,
    }
