"""The compiler's one pipeline; every command runs some prefix of it.

    .metric files --read--> SourceFile --parse--> AST (spans) --resolve--> Project
                                                                   |
                                                   lint <----------+----------> backends
                                                 (findings)      SQL, alerts, catalogue

Stages import only downward: syntax knows nothing of resolve, resolve nothing
of lint or backends, backends read only the semantic model. Each stage
returns diagnostics instead of raising; only the CLI prints or exits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from metricc.cache import BuildCache, digest
from metricc.diagnostics import Diagnostic, has_errors
from metricc.loader import display_path, load_sources
from metricc.model import ast
from metricc.model.semantic import Project
from metricc.resolve import resolve
from metricc.span import SourceFile
from metricc.syntax.parser import parse_source


@dataclass
class Compilation:
    """Everything one run knows: the texts, their ASTs, the model and the findings."""

    root: Path
    sources: dict[str, SourceFile] = field(default_factory=dict)
    files: list[ast.File] = field(default_factory=list)
    project: Project | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        return sorted(self.diagnostics, key=Diagnostic.sort_key)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building trees, then freeze them.

    Parsing allocates millions of small objects that all stay alive; CPython's
    collector keeps rescanning them, which costs more than half of a large
    parse, and later stages (lint, SQL) would pay the same for every
    collection. Nothing built here is garbage until the run ends, so the
    objects are moved to the permanent generation (`gc.freeze`): collections
    skip them, and forked workers do not copy their pages by touching them.
    Whoever outlives the compilation (a test session, a long-running process)
    hands them back with `release()`.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def release() -> None:
    """Return the objects `gc_paused` froze to the collector: the compilation is done."""
    gc.unfreeze()


def parse_project(root: Path, cache: BuildCache | None = None) -> Compilation:
    """Read and parse every file under `root` (a file the cache has seen is not parsed again)."""
    result = Compilation(root=root)
    with gc_paused():
        _parse_into(result, root, cache)
    return result


def _parse_into(result: Compilation, root: Path, cache: BuildCache | None) -> None:
    texts, problems = load_sources(root)
    result.diagnostics += problems
    unreadable = {d.span.file for d in problems if d.span}  # not text: not parsed
    for source in texts:
        result.sources[source.path] = source
        if source.path in unreadable:
            continue
        key = digest("parse", source.path, source.text) if cache else ""
        parsed = cache.parsed(key) if cache else None
        if parsed is None:
            parsed = parse_source(source)
            if cache:
                cache.keep_parsed(key, parsed)
        file, syntax = parsed
        result.files.append(file)
        result.diagnostics += syntax


def check_project(root: Path, cache: BuildCache | None = None) -> Compilation:
    """Parse and resolve: the semantic model with every error found."""
    result = parse_project(root, cache)
    if result.sources:
        with gc_paused():
            result.project, problems = resolve(result.files, result.sources, display_path(root))
        result.diagnostics += problems
    return result
