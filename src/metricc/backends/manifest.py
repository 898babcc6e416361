"""The semantic model as JSON, with the JSON Schema that describes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from metricc import __version__
from metricc.cache import BuildCache, Text, digest
from metricc.model.semantic import SLO, Goal, Metric, Project, Source, Team

MANIFEST, SCHEMA = "manifest.json", "manifest.schema.json"
Block = Team | Goal | Source | Metric | SLO


# A string as JSON (`json.dumps(text, ensure_ascii=False)`): the json module's own
# encoder, called directly (a key per block: tens of thousands per manifest).
_string = json.encoder.encode_basestring


def dumps(data: object) -> str:
    """Deterministic, readable JSON: the same model gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def manifest_files(
    project: Project,
    block_json: Callable[[Block], str] | None = None,
    cache: BuildCache | None = None,
) -> dict[str, Text]:
    """`manifest.json` and its schema.

    The project is written as pydantic dumps it (in Rust: Python's json module
    with indentation is pure Python, seconds for a large project), assembled
    from each block's own JSON (`block_json`, default: dumped here), so that a
    compile after an edit dumps only the blocks of the files it changed (the
    others' JSON is in the build cache). The schema depends on the compiler
    alone: with a cache, the previous build's is kept.
    """
    dump = block_json or (lambda block: block.dump_json(indent=2))
    header = {"metricc_version": __version__, "schema": SCHEMA}
    members = [(key, json.dumps(value)) for key, value in header.items()]
    members.append(("project", _project_json(project, dump, "  ")))
    key = digest("manifest schema")
    kept = cache.kept(key, SCHEMA) if cache else None
    if cache:
        cache.keep_render(key, SCHEMA)
    return {MANIFEST: _object(members, "") + "\n", SCHEMA: kept or dumps(manifest_schema())}


def _project_json(project: Project, dump: Callable[[Block], str], pad: str = "") -> str:
    """`project.dump_json(indent=2)` from its blocks' JSON (a test holds the two equal),
    placed at `pad` (its lines after the first indented by it)."""
    inner, members = pad + "  ", []
    for name in Project._specs:
        value = getattr(project, name)
        if isinstance(value, Mapping):
            # Each block's text is indented once, where it goes (it is most of the bytes).
            at = "\n" + inner + "  "
            blocks = [(key, dump(block).replace("\n", at)) for key, block in value.items()]
            text = _object(blocks, inner)
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + inner)
        members.append((name, text))
    return _object(members, pad)


def _object(members: list[tuple[str, str]], pad: str) -> str:
    """A JSON object placed at `pad`, as pydantic writes it (two spaces a level), from
    its members' JSON, each already indented for where it goes."""
    if not members:
        return "{}"
    inner = pad + "  "
    lines = [f"{inner}{_string(key)}: {text}" for key, text in members]
    return "{\n" + ",\n".join(lines) + f"\n{pad}}}"


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
