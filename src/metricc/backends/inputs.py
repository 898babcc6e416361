"""What each output is made from, digested: the keys the build cache keeps renders under;
and each block's JSON, which the manifest is assembled from.

A metric's query reads the metric, every metric its value is computed from
(formula inputs, transitively) and the sources they read; nothing else of the
project. Their JSON is the input, so any change to any of them is a new key,
except an input metric's descriptive fields (its title, owner, where it is
written...), which no other metric's query or check reads.
"""

from __future__ import annotations

import functools
import pickle
import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from metricc.backends.manifest import placed
from metricc.cache import Blocks, BuildCache, Reuse, content_digest, entry_path, note
from metricc.model import semantic as sm
from metricc.parallel import parallel_map
from metricc.span import Edit, Span

# What only describes a block: a metric's own outputs show these, no other
# metric's query or check reads them.
DESCRIPTIVE = {
    "title",
    "description",
    "owner",
    "goal",
    "tier",
    "indicator",
    "leads",
    "action",
    "runbook",
    "tags",
    "location",
}
# What lint finds, as `note` names it: `findings:<metric>` (see `Inputs.findings`).
FINDINGS = "findings"
# The build cache's entries of block digests and JSON: one per file's resolution.
DIGESTS = "digests"
HERE_BELOW = 3000  # blocks to digest: fewer are digested in-process (see `Inputs.prepare`)

Block = sm.Metric | sm.Source | sm.Team | sm.Goal
# How a block is named where an output notes reading it (`cache.note`).
KINDS = {sm.Metric: "metric", sm.Source: "source", sm.Team: "team", sm.Goal: "goal", sm.SLO: "slo"}
# A block as its file's digests entry names it: its class, name and offset.
Where = tuple[str, str, int]
# What the entry keeps of it: its whole digest, what it contributes to metrics'
# values, its JSON as the manifest places it, the blocks it names, and its digest
# as `BuildCache.settle` compares it.
Digests = tuple[str, str, str, tuple[str, ...], str]
# A block's location in its JSON (its first object named so: a string's quotes are
# escaped), with the numbers an edit above it moves between the others.
_LOCATION = re.compile(
    r'("location": \{\s*"file": "(?:[^"\\]|\\.)*",\s*"start": )(\d+)(,\s*"end": )(\d+)'
    r'(,\s*"line": )(\d+)(,\s*"column": )(\d+)(,\s*"end_line": )(\d+)(,\s*"end_column": )(\d+)'
)


def _where(block: Block) -> Where:
    return type(block).__name__, block.name, block.location.start


def named(kind: str, name: str) -> str:
    """A block as `cache.note` records it: `metric:dau`."""
    return f"{kind}:{name}"


def read(block: Block | sm.SLO) -> str:
    """`named`, for a block at hand."""
    return named(KINDS[type(block)], block.name)


class Inputs:
    """Digests of the model's blocks, made once per block and shared by every output
    that reads them (keyed by identity: the project holds every block)."""

    def __init__(self, project: sm.Project) -> None:
        self.project = project
        self._computed: dict[int, str] = {}
        self._closures: dict[str, str] = {}
        self._values: dict[str, str] = {}
        self._whole: dict[int, str] = {}
        self._json: dict[int, str] = {}
        self._refs: dict[int, tuple[str, ...]] = {}
        self._settled: dict[int, str] = {}
        self._goals = ""
        self._read_by: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._prepared = False

    def prepare(
        self,
        cache: BuildCache | None = None,
        resolutions: Mapping[str, str] | None = None,
        edits: Mapping[str, tuple[str, Edit]] | None = None,
    ) -> dict[str, bytes | Reuse]:
        """Every block's digests and JSON, and every metric's digest, made once (on
        every core when many).

        A cold compile makes its keys in each backend's workers, which inherit
        what this process holds: made here first, each block's JSON is dumped
        once instead of once per backend (SQL, alerts, pages, site).

        `resolutions` names, per file, what its blocks were resolved from (see
        `Compilation.resolutions`): the same names give the same blocks, so the
        digests and JSON the previous build stored under them are taken as they
        are (dumping 10,000 metrics' JSON again, for the digests and for the
        manifest, took 1 s of a one-edit compile). `edits` names, per file parsed
        again only where it was edited (see `Compilation.edits`), the previous
        build's name for its resolution: the digests of the blocks the edit left
        alone are taken from it (`_carry`).
        Returns the entries to store for the next build, one per file.
        """
        if self._prepared:
            return {}
        self._prepared = True
        p = self.project
        blocks: list[Block] = [*p.metrics.values(), *p.sources.values()]
        blocks += [*p.teams.values(), *p.goals.values()]
        by_file: dict[str, list[Block]] = {}
        for block in blocks:
            by_file.setdefault(block.location.file, []).append(block)
        entries: dict[str, bytes | Reuse] = {}
        if cache is not None:
            for file, key in (resolutions or {}).items():
                found = cache.stored(DIGESTS, key)
                if found is not None and self._adopt(by_file.get(file, []), found[1]):
                    entries[entry_path(DIGESTS, key)] = found[0]
            for file, (before, edit) in (edits or {}).items():
                found = cache.stored(DIGESTS, before)
                if found is not None and isinstance(found[1], dict):
                    self._carry(by_file.get(file, []), found[1], edit)

        # Workers get positions, not blocks: a block sent to them would be a copy,
        # and the memo is keyed by identity (the fork's blocks are this process's,
        # with the digests taken above). Each worker builds pydantic's serialisers
        # before its first dump (~0.2 s, as long as ~3,000 blocks' dumps): below
        # HERE_BELOW blocks to dump, this process dumps them (a compile after an
        # edit: lint has the other core meanwhile). Every metric's digest is made
        # too where most outputs' keys will be (no previous build's keys to keep);
        # after an edit, the few keys made again make theirs when asked.
        todo = [i for i, block in enumerate(blocks) if id(block) not in self._whole]
        every = cache is None or not cache.renders
        items = range(len(blocks)) if every else todo

        def work(i: int) -> tuple[str, Digests | None]:
            block = blocks[i]
            digests = None if id(block) in self._whole else self._digests(block)
            metric = every and isinstance(block, sm.Metric)
            return self.metric(block.name) if metric else "", digests

        made = parallel_map(
            work, items, parallel_from=len(items) + 1 if len(todo) < HERE_BELOW else None
        )
        for i, (closure, digests) in zip(items, made, strict=True):
            block = blocks[i]
            if closure:
                self._closures[block.name] = closure
            if digests is not None:
                self._take(block, digests)
        for file, key in (resolutions or {}).items():
            path = entry_path(DIGESTS, key)
            if path not in entries:
                kept = {_where(b): self._digests(b) for b in by_file.get(file, [])}
                entries[path] = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
        return entries

    def _adopt(self, blocks: list[Block], stored: object) -> bool:
        """Take a file's stored digests, if they name exactly its blocks."""
        if not isinstance(stored, dict) or len(stored) != len(blocks):
            return False
        found: list[Digests] = []
        for block in blocks:
            digests = stored.get(_where(block))
            if not isinstance(digests, tuple) or len(digests) != 5:
                return False
            found.append(digests)
        for block, digests in zip(blocks, found, strict=True):
            self._take(block, digests)
        return True

    def _carry(self, blocks: list[Block], stored: dict[Where, Digests], edit: Edit) -> None:
        """Take what an edited file's previous digests hold of the blocks the edit
        left alone (their text and the project's source blocks are as they were):
        those before it as they are; those after it with their JSON's location
        moved, and, if the edit added or removed lines, their whole digest (which
        names the block's line) left to be made again."""
        for block in blocks:
            kind, name, offset = _where(block)
            was = edit.before(offset)
            old = None if was is None else stored.get((kind, name, was[0]))
            if was is None or not isinstance(old, tuple) or len(old) != 5:
                continue
            if was == (offset, 0):  # before the edit, or where it was
                self._take(block, old)
                continue
            text = _relocated(old[2], block.location)
            if text is None:
                continue
            whole, computing, _, refs, settled = old
            self._take(block, (whole, computing, text, refs, settled))
            if was[1]:  # its whole and settle digests name its line: made again
                del self._whole[id(block)], self._settled[id(block)]

    def _take(self, block: Block, digests: Digests) -> None:
        whole, computing, text, refs, settled = digests
        self._whole[id(block)] = whole
        if computing:
            self._computed[id(block)] = computing
        self._json[id(block)] = text
        self._refs[id(block)] = refs
        self._settled[id(block)] = settled

    def _digests(self, block: Block) -> Digests:
        """What a file's digests entry keeps of a block: its whole digest; what it
        contributes to metrics' values (of metrics and sources, else ''); its JSON;
        the blocks it names; its digest as `settle` compares it."""
        computing = self._computing(block) if isinstance(block, sm.Metric | sm.Source) else ""
        refs = self.refs(block)
        return self.whole(block), computing, self.json(block), refs, self.settled(block)

    def refs(self, block: Block | sm.SLO) -> tuple[str, ...]:
        """The blocks a block names, as `note` names them."""
        found = self._refs.get(id(block))
        if found is None:
            found = self._refs[id(block)] = tuple(
                named(kind, name) for kind, name in block.references()
            )
        return found

    def json(self, block: Block | sm.SLO) -> str:
        """A block as the manifest shows it (`placed` there, location included)."""
        text = self._json.get(id(block))
        if text is None:
            text = self._json[id(block)] = placed(block.dump_json(indent=2))
        return text

    def whole(self, block: Block | sm.SLO) -> str:
        """A digest of a block, every field (a page shows them all) and where it is
        written by file and line (not by byte offset, which edits above it move)."""
        note(read(block))
        text = self._whole.get(id(block))
        if text is None:
            where = f"{block.location.file}:{block.location.line}\n"
            data = where + block.dump_json(exclude={"location"})
            text = self._whole[id(block)] = content_digest(data.encode())
        return text

    def goals(self) -> str:
        """A digest of every goal (a graph places goals by their depth in the whole tree)."""
        note(named("goal", "*"))
        if not self._goals:
            every = "".join(self.whole(g) for g in self.project.goals.values())
            self._goals = content_digest(every.encode())
        return self._goals

    def _computing(self, block: sm.Metric | sm.Source) -> str:
        """A digest of what a block contributes to another metric's value."""
        text = self._computed.get(id(block))
        if text is None:
            data = block.dump_json(exclude=DESCRIPTIVE)
            text = self._computed[id(block)] = content_digest(data.encode())
        return text

    def metric(self, name: str) -> str:
        """A digest of the metric with everything its value reads (what its SQL is
        made from): short, so every output's key over it is quick to make."""
        return self._closure(name, self._closures, self.whole)

    def value(self, name: str) -> str:
        """A digest of what the metric's value is computed from: `metric`'s, without
        the metric's own descriptive fields (its query's body reads none: only its
        header shows the title and where it is written)."""
        return self._closure(name, self._values, self._computing)

    def _closure(self, name: str, made: dict[str, str], own: Callable[[sm.Metric], str]) -> str:
        """A digest of the metric by `own`, the metrics its value is computed from
        and their sources by what they contribute to it; kept in `made`."""
        closure, read = self._reads_of(name)
        note(*(named("metric", m) for m in closure), *(named("source", s) for s in read))
        text = made.get(name)
        if text is None:
            metrics, sources = self.project.metrics, self.project.sources
            parts = [own(metrics[name])]
            parts += [self._computing(metrics[m]) for m in closure[1:]]
            parts += [self._computing(sources[s]) for s in read]
            text = made[name] = content_digest("\n".join(parts).encode())
        return text

    def _reads_of(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A metric with the metrics its value is computed from, and their sources:
        what `metric(name)` reads, worked out once."""
        found = self._read_by.get(name)
        if found is None:
            project = self.project
            found = (project.metric_closure(name), project.metric_sources(name))
            self._read_by[name] = found
        return found

    def blocks(self) -> Blocks:
        """Every block as `BuildCache.settle` compares it: a digest of its fields and of
        where it is to the column (the project's order, which lists follow, may
        change between two blocks on one line); and the blocks it names."""
        p = self.project
        return {
            read(block): (self.settled(block), self.refs(block))
            for every in (p.metrics, p.sources, p.teams, p.goals, p.slos)
            for block in every.values()
        }

    def settled(self, block: Block | sm.SLO) -> str:
        """A block's digest as `blocks` gives it (kept with a file's digests)."""
        text = self._settled.get(id(block))
        if text is None:
            shown = f"{self.whole(block)}\n{block.location.column}"
            text = self._settled[id(block)] = content_digest(shown.encode())
        return text

    @staticmethod
    def findings(shown: Mapping[str, object]) -> Blocks:
        """The findings shown with each metric, as blocks of their own that
        `BuildCache.settle_later` compares (lint gives them after the other outputs
        are made): what a metric's page notes reading as `findings:<metric>`."""
        return {
            named(FINDINGS, name): (content_digest(repr(found).encode()), ())
            for name, found in shown.items()
        }


def _relocated(text: str, location: Span) -> str | None:
    """A block's JSON with its location's offsets and lines made `location`'s (its
    columns must be as they were: None if not)."""
    found = _LOCATION.search(text)
    if found is None or (int(found[8]), int(found[12])) != (
        location.column,
        location.end_column,
    ):
        return None
    moved = (
        f"{found[1]}{location.start}{found[3]}{location.end}{found[5]}{location.line}"
        f"{found[7]}{found[8]}{found[9]}{location.end_line}{found[11]}{found[12]}"
    )
    return text[: found.start()] + moved + text[found.end() :]


R = TypeVar("R")


def per_project(make: Callable[[sm.Project], R]) -> Callable[[sm.Project], R]:
    """`make`, worked out once per project and shared by every backend of a compile:
    the last project's result is kept, by identity (a project is never changed)."""
    last: list[tuple[sm.Project, R]] = []

    @functools.wraps(make)
    def shared(project: sm.Project) -> R:
        if not last or last[0][0] is not project:
            last[:] = [(project, make(project))]
        return last[0][1]

    return shared


_shared = per_project(Inputs)


def inputs_of(project: sm.Project, prepared: bool = False) -> Inputs:
    """The project's Inputs, shared by every backend of one compile, so each
    metric's JSON is made once; `prepared`: with every digest made (a build that
    keeps a cache needs them all)."""
    inputs = _shared(project)
    if prepared:
        inputs.prepare()
    return inputs
