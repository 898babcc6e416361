"""The semantic model as JSON, with the JSON Schema that describes it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from metricc import __version__
from metricc.cache import BuildCache, Text, digest
from metricc.model.semantic import SLO, Goal, Metric, Project, Source, Team

MANIFEST, SCHEMA = "manifest.json", "manifest.schema.json"
BLOCK_PAD = " " * 6  # a block's depth in the manifest: project, its kind, the block
Block = Team | Goal | Source | Metric | SLO


# A string as JSON (`json.dumps(text, ensure_ascii=False)`): the json module's own
# encoder, called directly (a key per block: tens of thousands per manifest).
_string = json.encoder.encode_basestring


def dumps(data: object) -> str:
    """Deterministic, readable JSON: the same model gives the same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def placed(block_json: str) -> str:
    """A block's JSON (`dump_json(indent=2)`) indented for where the manifest puts it:
    a member of the project's `metrics`, `sources`... (what `manifest_files` takes)."""
    return block_json.replace("\n", "\n" + BLOCK_PAD)


def manifest_files(
    project: Project,
    block_json: Callable[[Block], str] | None = None,
    cache: BuildCache | None = None,
) -> dict[str, Text]:
    """`manifest.json` and its schema.

    The project is written as pydantic dumps it (in Rust: Python's json module
    with indentation is pure Python, seconds for a large project), assembled
    from each block's own JSON as `placed` (`block_json`, default: dumped here),
    so that a compile after an edit dumps only the blocks of the files it
    changed (the others' JSON is in the build cache). The text is joined once
    from its parts: 20 MB for 10,000 metrics, each copy of which counts. The
    schema depends on the compiler alone: with a cache, the previous build's
    is kept.
    """
    dump = block_json or (lambda block: placed(block.dump_json(indent=2)))
    parts = ["{\n"]
    for key, value in {"metricc_version": __version__, "schema": SCHEMA}.items():
        parts += ["  ", _string(key), ": ", json.dumps(value), ",\n"]
    parts.append('  "project": ')
    _project_json(project, dump, parts)
    parts.append("\n}\n")
    key = digest("manifest schema")
    kept = cache.kept(key, SCHEMA) if cache else None
    if cache:
        cache.keep_render(key, SCHEMA)
    return {MANIFEST: "".join(parts), SCHEMA: kept or _schema_text()}


def _schema_text() -> str:
    """The schema's text, kept once per compiler: making it imports pydantic and
    builds a validator of every node class (over a second of a compile that has
    no previous build to take it from)."""
    import marshal

    from metricc.home import compiler_fingerprint, recall, remember

    identity = compiler_fingerprint()
    text = recall("manifest-schema", identity, marshal)
    if not isinstance(text, str):
        text = dumps(manifest_schema())
        remember("manifest-schema", identity, text, marshal)
    return text


def _project_json(project: Project, dump: Callable[[Block], str], parts: list[str]) -> None:
    """`project.dump_json(indent=2)` from its blocks' JSON, placed as the manifest's
    `project` (a test holds the two equal), added to `parts`."""
    separator = "{\n"
    for name in Project._specs:
        parts += [separator, "    ", _string(name), ": "]
        separator = ",\n"
        value = getattr(project, name)
        if not isinstance(value, Mapping):
            parts.append(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n    "))
        elif not value:
            parts.append("{}")
        else:
            between = "{\n" + BLOCK_PAD
            for key, block in value.items():
                parts += [between, _string(key), ": ", dump(block)]
                between = ",\n" + BLOCK_PAD
            parts.append("\n    }")
    parts.append("\n  }")


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
