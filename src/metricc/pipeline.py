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
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from metricc.cache import BuildCache, digest
from metricc.diagnostics import Diagnostic, has_errors
from metricc.loader import display_path, load_sources
from metricc.model import ast
from metricc.model.semantic import Project
from metricc.parallel import parallel_results
from metricc.resolve import resolve
from metricc.span import SourceFile
from metricc.syntax.parser import parse_source

# From this much text to parse, files go to worker processes (each returns its tree
# pickled, which is also its cache entry); below it, forking costs more than it saves.
# From a quarter of it when the cache holds the other files' trees: this process
# unpickles them while the workers parse.
PARALLEL_PARSE_FROM = 256 * 1024


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
    readable = [s for s in texts if s.path not in unreadable]
    for file, syntax in _parse_all(readable, cache):
        result.files.append(file)
        result.diagnostics += syntax


def _parse_all(
    sources: list[SourceFile], cache: BuildCache | None
) -> list[tuple[ast.File, list[Diagnostic]]]:
    """Each file's tree, from the cache or parsed. When the files to parse are
    large, workers parse them while this process unpickles the cached ones."""
    keys = [digest("parse", s.path, s.text) if cache else "" for s in sources]
    stored = [cache is not None and cache.has_parsed(key) for key in keys]
    misses = [i for i, hit in enumerate(stored) if not hit]
    missed = sum(len(sources[i].text) for i in misses)
    unpickling = len(misses) < len(sources)  # cached trees to load meanwhile
    worth_it = (len(misses) > 1 or unpickling) and missed >= (
        PARALLEL_PARSE_FROM // 4 if unpickling else PARALLEL_PARSE_FROM
    )
    parsing = (
        parallel_results(_parse_pickled, [sources[i] for i in misses], True) if worth_it else None
    )
    found = [
        cache.parsed(k) if cache and hit else None for k, hit in zip(keys, stored, strict=True)
    ]
    if parsing is not None:
        for i, blob in zip(misses, parsing, strict=True):
            found[i] = pickle.loads(blob)
            if cache:  # the same bytes are the cache entry
                cache.keep_parsed(keys[i], blob)
    for i, tree in enumerate(found):
        if tree is None:  # not stored, or a damaged entry: parsed here
            found[i] = tree = parse_source(sources[i])
            if cache:
                cache.keep_parsed(keys[i], tree)
    return [tree for tree in found if tree is not None]


def _parse_pickled(source: SourceFile) -> bytes:
    return pickle.dumps(parse_source(source), protocol=pickle.HIGHEST_PROTOCOL)


def check_project(root: Path, cache: BuildCache | None = None) -> Compilation:
    """Parse and resolve: the semantic model with every error found."""
    result = parse_project(root, cache)
    if result.sources:
        with gc_paused():
            result.project, problems = resolve(result.files, result.sources, display_path(root))
        result.diagnostics += problems
    return result
