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

import functools
import gc
import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metricc.diagnostics import Diagnostic, has_errors
from metricc.frozen import together
from metricc.loader import display_path, load_sources
from metricc.model import ast
from metricc.model.semantic import Project
from metricc.parallel import collector_paused, cores, parallel_results
from metricc.resolve import Built, Unresolved, resolve, resolve_files
from metricc.span import Edit, SourceFile
from metricc.syntax.incremental import Previous, previous_of, reparse
from metricc.syntax.parser import parse_source

if TYPE_CHECKING:  # a compile imports the cache; a lint, which has none, starts without it
    from metricc.cache import BuildCache

# From this much text to parse, files go to worker processes too (each returns its
# tree pickled, which is also its cache entry); below it, forking costs more than it
# saves. From a quarter of it when the cache holds the other files' trees: this
# process unpickles them while the workers parse.
PARALLEL_PARSE_FROM = 256 * 1024
# The cache's entries of parsed texts (see `syntax/incremental`), under each file's key.
TEXTS = "text"


@dataclass
class Compilation:
    """Everything one run knows: the texts, their ASTs, the model and the findings.

    With a build cache, a file whose resolution was reused is in `files` as its
    outline (its blocks without their fields, and its comments): all that lint
    reads of a file.
    """

    root: Path
    sources: dict[str, SourceFile] = field(default_factory=dict)
    files: list[ast.File] = field(default_factory=list)
    project: Project | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # With a cache: per file, a digest of what its blocks were resolved from (its
    # text and the project's source blocks). The same digest, the same blocks:
    # the backends keep what they derive of a file's blocks under it.
    resolutions: dict[str, str] = field(default_factory=dict)
    # With a cache: per edited file parsed again only where the edit touched it, the
    # previous build's name for its resolution, and where its blocks were then.
    edits: dict[str, tuple[str, Edit]] = field(default_factory=dict)
    # With a cache: the files whose resolution was reused, by path.
    reused: set[str] = field(default_factory=set)

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
    with collector_paused():
        try:
            yield
        finally:
            gc.freeze()


def release() -> None:
    """Return the objects `gc_paused` froze to the collector: the compilation is done."""
    gc.unfreeze()


def parse_project(root: Path, cache: BuildCache | None = None) -> Compilation:
    """Read and parse every file under `root` (a file the cache has seen is not parsed again)."""
    result = Compilation(root=root)
    with gc_paused():
        readable = _read_into(result, root)
        keys = [_key(source) if cache else "" for source in readable]
        _add(result, _parse_all(readable, keys, cache))
    return result


def check_project(
    root: Path, cache: BuildCache | None = None, meanwhile: Callable[[], None] | None = None
) -> Compilation:
    """Parse and resolve: the semantic model with every error found.

    With a cache, an unchanged file's resolution is reused while no source block
    of the project has changed, and its tree is not even loaded: its place in
    `files` is held by its outline (blocks without fields, and its comments).
    `meanwhile`: the caller's own work, done while workers parse (a compile
    imports its backends), else first.
    """
    if cache is None:
        if meanwhile is not None:
            meanwhile()
        result = parse_project(root)
        if result.sources:
            with gc_paused():
                result.project, problems = resolve(result.files, result.sources, display_path(root))
            result.diagnostics += problems
        return result
    result = Compilation(root=root)
    with gc_paused():
        _check_with(result, root, cache, meanwhile)
    return result


def _key(source: SourceFile) -> str:
    """A file's key in the cache: its path and text (its tree and resolution are kept under it)."""
    from metricc.cache import digest

    return digest("parse", source.path, source.text)


def _read_into(result: Compilation, root: Path) -> list[SourceFile]:
    """Read the project's texts into `result`; those that can be parsed."""
    texts, problems = load_sources(root)
    result.diagnostics += problems
    unreadable = {d.span.file for d in problems if d.span}  # not text: not parsed
    for source in texts:
        result.sources[source.path] = source
    return [s for s in texts if s.path not in unreadable]


def _add(result: Compilation, parsed: list[tuple[ast.File, list[Diagnostic]]]) -> None:
    for file, syntax in parsed:
        result.files.append(file)
        result.diagnostics += syntax


@dataclass(frozen=True)
class Resolved:
    """A file's cache entry beside its tree: all a compile needs of an unchanged file
    while the project's source blocks (`context`) are as they were."""

    context: str
    outline: ast.File
    syntax: tuple[Diagnostic, ...]
    records: tuple[Built, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        # The blocks' deferred fields (their measures' and formulas' expressions) in
        # one pickle of their own, loaded when read: after an edit, only the queries
        # made again read them (see `Frozen._deferred`).
        return together(Resolved, (self.context, self.outline, self.syntax, self.records))


def _check_with(
    result: Compilation, root: Path, cache: BuildCache, meanwhile: Callable[[], None] | None
) -> None:
    """`check_project` with a cache: the edited files are parsed (by workers when
    large) while the caller's `meanwhile` runs and the others' resolutions are
    loaded; the files whose resolution is missing or made under other source
    blocks are resolved afresh."""
    from metricc.cache import digest

    readable = _read_into(result, root)
    if not result.sources:
        if meanwhile is not None:
            meanwhile()
        return
    keys = [_key(source) for source in readable]
    stored = [i for i, key in enumerate(keys) if cache.has("resolved", key)]
    kept: dict[int, Resolved] = {}

    def load_stored() -> None:
        if meanwhile is not None:
            meanwhile()
        for i in stored:
            found = cache.load("resolved", keys[i])
            if isinstance(found, Resolved):  # anything else is a damaged entry: a miss
                kept[i] = found

    # The files whose tree is needed: parsed (or loaded) while the others' resolutions load.
    fresh = set(range(len(readable))) - set(stored)
    edits: dict[str, Edit] = {}
    trees = _trees(
        readable, keys, cache, fresh, load_stored if stored or meanwhile else None, edits
    )
    trees |= _trees(readable, keys, cache, set(stored) - set(kept))
    outlines = {i: kept[i].outline if i in kept else trees[i][0] for i in range(len(readable))}
    context = _context([outlines[i] for i in range(len(readable))], result.sources)
    stale = {i for i, entry in kept.items() if entry.context != context}
    result.resolutions = {
        s.path: digest("resolution", k, context) for s, k in zip(readable, keys, strict=True)
    }
    result.edits = {
        path: (digest("resolution", cache.sources[path], context), edit)
        for path, edit in edits.items()
    }
    trees |= _trees(readable, keys, cache, stale)
    reused = {i: kept[i] for i in kept if i not in stale}
    known = {
        readable[i].path: {record.start: record for record in entry.records}
        for i, entry in reused.items()
    }
    files = [trees[i][0] if i in trees else outlines[i] for i in range(len(readable))]
    try:
        resolution = resolve_files(files, result.sources, display_path(root), known)
    except Unresolved:  # a block was a duplicate when its file's records were made
        trees |= _trees(readable, keys, cache, set(reused))
        reused, files = {}, [trees[i][0] for i in range(len(readable))]
        resolution = resolve_files(files, result.sources, display_path(root))
    for i, source in enumerate(readable):
        # The same text as the previous build's (every reused file): its text entry as
        # it was, for a compile that edits the file; else one made from its tree.
        same = cache.sources.get(source.path) == keys[i]
        if same:
            cache.keep_unread(TEXTS, keys[i])
        cache.next_sources[source.path] = keys[i]
        if i in reused:
            result.diagnostics += reused[i].syntax
            cache.keep_unread("parse", keys[i])  # for a compile whose source blocks differ
            continue
        tree, syntax = trees[i]
        result.diagnostics += syntax
        if not syntax and not same:
            cache.keep(TEXTS, keys[i], previous_of(source.text, tree))
        records = tuple(resolution.records.get(source.path, ()))
        cache.keep("resolved", keys[i], Resolved(context, _outline(tree), tuple(syntax), records))
    result.reused = {readable[i].path for i in reused}
    result.files = files
    result.project = resolution.project
    result.diagnostics += resolution.diagnostics


def _trees(
    sources: list[SourceFile],
    keys: list[str],
    cache: BuildCache,
    wanted: set[int],
    meanwhile: Callable[[], None] | None = None,
    edits: dict[str, Edit] | None = None,
) -> dict[int, tuple[ast.File, list[Diagnostic]]]:
    """The trees of the `wanted` files, by position (from the cache or parsed; see
    `_parse_all` for `edits`)."""
    order = sorted(wanted)
    chosen = [sources[i] for i in order]
    parsed = _parse_all(chosen, [keys[i] for i in order], cache, meanwhile, edits)
    return dict(zip(order, parsed, strict=True))


def _context(files: list[ast.File], sources: dict[str, SourceFile]) -> str:
    """What resolving one block may read of other blocks: every source block as written,
    where it is (a measure reads its source's kind and entities; references
    between blocks are checked across the project on every compile)."""
    from metricc.cache import digest

    parts = []
    for file in files:
        text = sources[file.path].text
        for block in file.blocks:
            if block.kind == "source":
                start, end = block.span.start, block.span.end
                parts += [file.path, str(start), text[start:end]]
    return digest("context", *parts)


def _outline(tree: ast.File) -> ast.File:
    """A tree without its blocks' fields: what resolving reads of a file whose blocks'
    records are reused (names, kinds, where each is), and its comments (for lint)."""
    blocks = tuple(
        ast.Block(
            kind=b.kind,
            name=b.name,
            fields=(),
            span=b.span,
            kind_span=b.kind_span,
            name_span=b.name_span,
        )
        for b in tree.blocks
    )
    return ast.File(path=tree.path, blocks=blocks, comments=tree.comments)


def _parse_all(
    sources: list[SourceFile],
    keys: list[str],
    cache: BuildCache | None,
    meanwhile: Callable[[], None] | None = None,
    edits: dict[str, Edit] | None = None,
) -> list[tuple[ast.File, list[Diagnostic]]]:
    """Each file's tree, from the cache or parsed. A file the previous build parsed
    cleanly is parsed again only where it was edited, here (`_reparsed`; where its
    blocks were then is put in `edits`, by path). When the
    files to parse whole are large, workers parse their share of them while this
    process does `meanwhile`'s work, unpickles the cached ones and parses the rest."""
    stored = [cache is not None and cache.has("parse", key) for key in keys]
    misses = [i for i, hit in enumerate(stored) if not hit]
    edited = _reparsed([sources[i] for i in misses], cache) if cache else {}
    misses = [i for i in misses if sources[i].path not in edited]
    missed = sum(len(sources[i].text) for i in misses)
    overlapped = len(misses) < len(sources) or meanwhile is not None  # work to do meanwhile
    worth_it = (len(misses) > 1 or overlapped) and missed >= (
        PARALLEL_PARSE_FROM // 4 if overlapped else PARALLEL_PARSE_FROM
    )
    remote = _workers_share(misses, sources) if worth_it else []
    parsing: Iterable[bytes] = ()
    if remote:
        parsing = parallel_results(_parse_pickled, [sources[i] for i in remote], True, leave=1)
    if meanwhile is not None:
        meanwhile()
    found: list[Any] = [
        cache.load("parse", k) if cache and hit else None
        for k, hit in zip(keys, stored, strict=True)
    ]
    for i, source in enumerate(sources):
        if cache and source.path in edited:
            tree, edit = edited[source.path]
            found[i] = (tree, [])
            cache.keep("parse", keys[i], found[i])
            if edits is not None:
                edits[source.path] = edit

    def parse_here(i: int) -> None:
        found[i] = tree = parse_source(sources[i])
        if cache:
            cache.keep("parse", keys[i], tree)

    for i in sorted(set(misses) - set(remote)):
        parse_here(i)
    for i, blob in zip(remote, parsing, strict=True):
        found[i] = pickle.loads(blob)
        if cache:  # the same bytes are the cache entry
            cache.keep("parse", keys[i], blob)
    for i, tree in enumerate(found):
        if tree is None:  # a damaged entry: parsed here
            parse_here(i)
    return [tree for tree in found if tree is not None]


def _reparsed(sources: list[SourceFile], cache: BuildCache) -> dict[str, tuple[ast.File, Edit]]:
    """The edited files that the previous build parsed cleanly, parsed again only
    where the edit touched them (`syntax/incremental`), by path."""
    edited = {}
    for source in sources:
        before = cache.sources.get(source.path)
        found = cache.stored(TEXTS, before) if before else None
        if before and found is not None and isinstance(found[1], Previous):
            made = reparse(source, found[1], functools.partial(cache.pickled, "parse", before))
            if made is not None:
                edited[source.path] = made
    return edited


def _workers_share(misses: list[int], sources: list[SourceFile]) -> list[int]:
    """The files to parse for the workers: as much of the text as their share of the
    cores, the largest files placed first. This process parses the others
    meanwhile: their trees need no pickling, which costs a third of a parse."""
    workers = cores() - 1
    if workers < 1:
        return []
    remote, theirs, ours = [], 0, 0
    for i in sorted(misses, key=lambda i: -len(sources[i].text)):
        if theirs / workers <= ours:
            remote.append(i)
            theirs += len(sources[i].text)
        else:
            ours += len(sources[i].text)
    return sorted(remote)


def _parse_pickled(source: SourceFile) -> bytes:
    return pickle.dumps(parse_source(source), protocol=pickle.HIGHEST_PROTOCOL)
