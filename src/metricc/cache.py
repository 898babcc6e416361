"""The build cache: what the previous build already made, reused when its inputs are the same.

It lives in the build folder (`.metricc/`), is replaced together with the build,
and is never trusted beyond its keys. Every key is a digest of everything the
result depends on, the compiler included (its own files and the versions of the
libraries that shape output), so a hit gives the bytes a fresh build would:

- parsed files: a source's path and text -> its syntax tree and syntax errors;
- parsed files' texts: the same key -> the text and where its blocks are, so
  that the next build parses again only what an edit of the file touched
  (`syntax/incremental`); `sources` names each source file's key;
- resolved files: the same key -> its outline (blocks without their fields, and
  its comments) and what each block contributed to the project, valid while
  the project's source blocks are as they were (the digest stored with them);
- block digests: a file's resolution (its text and the project's source blocks)
  -> the digests of its blocks that output keys are made of, and each block's
  JSON that the manifest is assembled from (`backends/inputs`);
- renders: the digest of an output's exact inputs -> the previous build's file;
  with the blocks its key was made from, so that an output that reads no
  changed block keeps its key without making it again (see `settle`);
- files: a file whose bytes are unchanged is hard-linked from the previous
  build rather than written again;
- the whole build: a digest of every input of a compile -> what it reported
  (its findings and counts), so a compile whose inputs and build folder are
  both unchanged has nothing to do.

A missing, damaged or foreign cache is simply a miss.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import marshal
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

from metricc.home import compiler_fingerprint
from metricc.parallel import aside, collector_paused, parallel_map

T = TypeVar("T")
# What an output's key is made from, noted while it is made (`note`): blocks, as
# `kind:name`; which blocks name one, as `kind:name@` (a metric's "led by");
# `kind:*` for every block of a kind; EVERYTHING for more than blocks.
EVERYTHING = "*"
_noting: list[set[str]] = []  # one set per key being made (one at a time per process)
# Blocks as `settle` compares them: per block, a digest of all an output may show of
# it, and the blocks it names.
Blocks = dict[str, tuple[str, tuple[str, ...]]]
# What one output's key read (see `note`), sorted: a tuple, as the index marshals
# it (a frozen set of 37,000 was ten times as long to marshal).
Reads = tuple[str, ...]

FOLDER = ".metricc"
INSIDE = FOLDER + "/"  # the prefix of the cache's own files' paths
INDEX = f"{FOLDER}/index.marshal"
# What changed since the index was written whole (see `BuildCache.index`), while
# that is less than this share of it.
CHANGES = f"{FOLDER}/index-changes.marshal"
CHANGES_UNDER = 1 / 8
OUTCOME = f"{FOLDER}/outcome.pickle"


@functools.cache
def _seeded() -> hashlib._Hash:
    """A hash that has read the compiler's fingerprint: every key starts from a copy."""
    return hashlib.sha256(compiler_fingerprint().encode())


def digest(*parts: str) -> str:
    """One key from several texts (unambiguous: each part is length-prefixed)."""
    h = _seeded().copy()
    h.update("\0".join([f"{len(part)}:{part}" for part in parts]).encode("utf-8"))
    return h.hexdigest()[:40]


def content_digest(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def note(*reads: str) -> None:
    """Record that the key being made reads these blocks (see `rendered`)."""
    if _noting:
        _noting[-1].update(reads)


def named_by(read: str) -> str:
    """What a key notes to read which blocks name the block `read` (see `settle`)."""
    return f"{read}@"


def _noted(make: Callable[[T], Sequence[str]], item: T) -> tuple[Sequence[str], Reads]:
    """`make(item)`, and the blocks it noted reading, sorted (the index's bytes are
    the same for the same build); its names interned, so that the index marshals
    each name once."""
    _noting.append(set())
    try:
        made = make(item)
    finally:
        reads = _noting.pop()
    return made, tuple(sorted(map(sys.intern, reads)))


def is_cache(path: str) -> bool:
    """Whether a build's file is the cache's (`.metricc/`), not part of what it means."""
    return path.startswith(INSIDE)


def entry_path(kind: str, key: str) -> str:
    """Where a per-file entry lives: `kind` is "parse" (a tree) or "resolved"."""
    return f"{FOLDER}/{kind}/{key}.pickle"


class Reuse(NamedTuple):
    """A file of the previous build that is as its index recorded (same size and
    modification time): the writer leaves it where it is instead of writing it
    again, and its text is read only if a later step asks for it (most are never
    read). A named tuple: a compile after one edit of 10,000 metrics makes 37,000."""

    source: str  # its full path
    digest: str
    stamp: tuple[int, int]  # size, modification time (ns)

    def read(self) -> bytes:
        with open(self.source, "rb") as file:
            return file.read()

    @property
    def text(self) -> str:
        return self.read().decode("utf-8")


class Staged(NamedTuple):
    """A file of this build already written into its staging folder, by the process
    that made it (`BuildFolder.stage`): the writer records it as it is."""

    source: str  # its full path
    digest: str
    stamp: tuple[int, int]  # size, modification time (ns)

    @property
    def text(self) -> str:
        return Reuse(*self).text  # read as a kept file is


# A rendered output: made now, kept from the previous build, or made and written now.
Text = str | Reuse | Staged
# Writes a made output where it is made (a worker), giving what stands for it.
Store = Callable[[str, str], Text]
# A file of a build as its index records it: its digest, size and modification time (ns).
Written = tuple[str, tuple[int, int]]
# A file as the next build reads it from the index: `Written`, then, for an output,
# the key it was made under and what that key read (None where there is none).
# One tuple per file: four dictionaries keyed by the same 37,000 paths took twice
# as long to marshal and three times as long to read back.
Entry = tuple[str, tuple[int, int], str | None, Reads | None]
DIGEST: Final = 0
STAMP: Final = 1
KEY: Final = 2
READS: Final = 3


def text_of(value: Text) -> str:
    return value if isinstance(value, str) else value.text


class BuildCache:
    """The previous build's index, and the entries this build keeps for the next one.

    `previous` is the build folder as it is before this compile (or None for no
    cache). Only entries this build uses are kept, so the cache never grows stale.
    """

    def __init__(self, previous: Path | None) -> None:
        self.previous = previous
        self.files: dict[str, Entry] = {}  # the previous build's files, by path
        self._walked: Walked | None = None
        self._walking: Callable[[], Walked] | None = None
        self.renders = False  # whether the previous build kept its outputs' keys
        self.blocks: Blocks = {}
        self.settings = ""
        self.sources: dict[str, str] = {}  # source path -> its parse key, in the previous build
        self.next_sources: dict[str, str] = {}
        self.render_keys: dict[str, str] = {}  # path -> key, of this build's renders
        self.render_reads: dict[str, Reads] = {}
        self.next_blocks: Blocks = {}
        self.next_settings = ""
        self.dirty: set[str] | None = None  # what `settle` found changed; None: all
        self._carried: dict[str, Reuse] = {}  # the settled files (see `carried`)
        self._later: Blocks = {}  # the previous build's blocks that `settle_later` compares
        self.inputs = ""  # the previous build's inputs (see `outcome`)
        # The index last written whole, which an update's changes are made against
        # (see `index`): its token, and its files and blocks.
        self._base: tuple[str, dict[str, Any]] | None = None
        self.next_inputs = ""
        # Cache entries (parses, the outcome) to write into the new build.
        self.entries: dict[str, bytes | Reuse | Callable[[], bytes]] = {}
        self._pickling: dict[str, Callable[[], bytes]] = {}  # see `pickle_aside`
        if previous is None:
            return
        self._root = os.path.join(previous, "")  # where its files are: a prefix of their paths
        try:
            index = _read_index(previous)
            if index["compiler"] != compiler_fingerprint():
                return
            self._base = index["token"], index["whole"]
            # Written by this very compiler (its fingerprint says so): taken as it is.
            self.files, self.renders = index["files"], index["renders"]
            self.blocks, self.settings = index["blocks"], index["settings"]
            self.inputs, self.sources = index["inputs"], index["sources"]
            # The build's files are stat-ed and compared with the index by another
            # process while this one reads and parses (37,000 files: 0.15 s), until
            # `_walk` asks.
            self._walking = aside(_compare, str(previous), self.files)
        except Exception:  # no index, or not one of ours: nothing is reused
            self._base = None
            self.files, self.renders = {}, False
            self.blocks, self.settings, self.inputs, self.sources = {}, "", "", {}

    # --- files ----------------------------------------------------------------

    def unchanged(self, path: str, content_key: str) -> Reuse | None:
        """The previous build's copy of a file, if its bytes are these.

        The file must also be as the previous build left it (same size and
        modification time), so a hand-edited build file is written afresh.
        """
        entry = self.files.get(path)
        return self._untouched(path) if entry and entry[DIGEST] == content_key else None

    def _untouched(self, path: str) -> Reuse | None:
        """A file of the previous build, if it is as the index recorded it (a cache
        entry, asked for before the outputs, by a stat of its own)."""
        entry = self.files.get(path)
        if entry is None:  # not in the previous build (or there is none)
            return None
        if is_cache(path):
            if _stamp(self._root + path) != entry[STAMP]:
                return None
        elif path in self._walk().differ:
            return None
        return Reuse(self._root + path, entry[DIGEST], entry[STAMP])

    def _walk(self) -> Walked:
        """The previous build's files as they are now against its index: one walk,
        each file stat-ed through its folder (a compile after one edit of 10,000
        metrics asks after 37,000 files; one by one, by path, took three times as
        long), compared where it was made (by the process `aside` started)."""
        if self._walked is None:
            assert self.previous is not None
            try:
                self._walked = (
                    self._walking or functools.partial(_compare, str(self.previous), self.files)
                )()
            except OSError:  # a folder gone or unreadable: nothing is reused, or removed
                every = frozenset(self.files)
                self._walked = Walked(every, every, frozenset())
            self._walking = None
        return self._walked

    def on_disk(self) -> set[str]:
        """Every file of the previous build now, by its path in the build."""
        walked = self._walk()
        return (self.files.keys() - walked.gone) | walked.added

    # --- per-file entries (parse trees, resolutions) -----------------------

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under `key` (a stat; `load` reads it)."""
        return self._untouched(entry_path(kind, key)) is not None

    def load(self, kind: str, key: str) -> Any | None:
        """The entry stored under `key`, or None; kept for the next build."""
        path = entry_path(kind, key)
        found = self._load(path)
        if found is None:
            return None
        # Kept by reference: the writer hard-links it, so a large project's
        # pickles are not all held in memory.
        self.entries[path], value = found
        return value

    def stored(self, kind: str, key: str) -> tuple[Reuse, Any] | None:
        """The entry stored under `key` and its value, not kept: the caller hands the
        `Reuse` to the build folder itself if it keeps the entry."""
        return self._load(entry_path(kind, key))

    def keep_unread(self, kind: str, key: str) -> None:
        """Keep a stored entry this build did not need, for a later one (linked,
        never read: a resolved file's tree serves when a source block changes)."""
        path = entry_path(kind, key)
        reuse = self._untouched(path)
        if reuse is not None:
            self.entries[path] = reuse

    def keep(self, kind: str, key: str, value: Any) -> None:
        """Keep an entry for the next build: its pickle, or the value itself, pickled
        when written by the writer thread (while the main thread goes on)."""
        self.entries[entry_path(kind, key)] = (
            value
            if isinstance(value, bytes)
            else functools.partial(pickle.dumps, value, protocol=pickle.HIGHEST_PROTOCOL)
        )

    def pickled(self, kind: str, key: str) -> bytes | None:
        """The bytes of the entry stored under `key`, as written, not kept (for a
        caller that unpickles it its own way)."""
        found = self._read(entry_path(kind, key))
        return None if found is None else found[1]

    def _load(self, path: str) -> tuple[Reuse, Any] | None:
        """A pickled entry of the previous build, as it was written, and its value."""
        found = self._read(path)
        if found is None:
            return None
        try:
            return found[0], pickle.loads(found[1])
        except Exception:  # a damaged entry is a miss, never an error
            return None

    def _read(self, path: str) -> tuple[Reuse, bytes] | None:
        """A file of the previous build, if it is as the index recorded it, and its bytes."""
        reuse = self._untouched(path)
        if reuse is None:
            return None
        try:
            data = reuse.read()
        except OSError:
            return None
        return (reuse, data) if content_digest(data) == reuse.digest else None

    def pickle_aside(self) -> None:
        """Have the entries kept so far, not yet pickled, pickled by a forked process
        on the other core, and written last (`take_entries`).

        After an edit, the writer thread pickling the edited file's tree and
        records held the interpreter ~0.3 s that the compiling thread then waited
        for (one edit of 10,000 metrics: 1.83 s against 1.70, alternating). At
        the lowest priority, the process waited for other programs' work and the
        compile for it (20-30 s beside two busy loops). Not for a compile that
        parses most of the project: its workers take every core and its process
        is large (copy-on-write faults cost more than they save).
        """
        pending = {path: value for path, value in self.entries.items() if callable(value)}
        if not pending:
            return
        pickled = aside(_made, pending)
        for path in pending:
            del self.entries[path]
            self._pickling[path] = functools.partial(_taken, pickled, path)

    def take_entries(self, last: bool = False) -> dict[str, bytes | Reuse | Callable[[], bytes]]:
        """The cache entries to write into the new build (handed over once, then let
        go); `last`, when the build is done: those pickled aside too."""
        entries, self.entries = self.entries, {}
        if last:
            entries |= self._pickling
            self._pickling = {}
        return entries

    # --- the whole build ------------------------------------------------------

    def outcome(self, inputs: str) -> Any | None:
        """What the previous build reported, if it was made from exactly these
        `inputs` (a digest of all of them) and its folder is as that build left it:
        then a compile has nothing to do."""
        if not inputs or inputs != self.inputs:
            return None
        found = self._load(OUTCOME)
        return found[1] if found is not None and self._intact() else None

    def keep_outcome(self, inputs: str, value: Any) -> None:
        """Record what this build reports, under the digest of its inputs."""
        self.next_inputs = inputs
        self.entries[OUTCOME] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def _intact(self) -> bool:
        """Whether the previous build folder holds exactly the files its index lists,
        each as the index recorded it: none edited, added or removed since."""
        walked = self._walk()
        return not (walked.differ or walked.added - {INDEX, CHANGES})

    # --- renders --------------------------------------------------------------

    def kept(self, key: str, path: str) -> Reuse | None:
        """The previous build's `path`, if it was made from exactly these inputs (`key`)
        and is untouched since (a file edited by hand is made again)."""
        found = self.previous_render(path)
        return found[1] if found is not None and found[0] == key else None

    def previous_render(self, path: str) -> tuple[str, Reuse] | None:
        """The previous build's `path` and the key it was made under, if untouched
        since (for an output that can take part of it: a query whose body is kept)."""
        entry = self.files.get(path)
        key = None if entry is None else entry[KEY]
        if key is None:
            return None
        found = self._untouched(path)
        return None if found is None else (key, found)

    def keep_render(self, key: str, path: str, reads: Reads | None = None) -> None:
        """Record the key of an output of this build, and the blocks it read (None:
        not noted, so the next build makes its key again)."""
        self.render_keys[path] = key
        if reads is not None:
            self.render_reads[path] = reads

    def settle(self, blocks: Blocks, settings: str | None, later: str = "") -> None:
        """Compare the project's blocks with the previous build's, so that an output
        whose key read none of the changed ones keeps its key (`carried`).

        Changed: a block whose digest differs, or that is new or gone; and, for the
        blocks such a block names before or after the change, which blocks name
        them (a metric that now leads `dau` changes `dau@`, which `dau`'s page
        reads to show what leads it, though `dau` is as it was).
        `settings` are what every output may read besides blocks (None: more than
        can be compared, such as a warehouse's rows: every key is made again).
        `later`: a kind of block given afterwards, by `settle_later`; outputs made
        before then must not read any.
        """
        self.next_blocks, self.next_settings = dict(blocks), settings or ""
        if settings is None or settings != self.settings or not self.blocks:
            return
        before = self.blocks
        if later:
            kind = later + ":"
            self._later = {n: b for n, b in before.items() if n.startswith(kind)}
            before = {n: b for n, b in before.items() if n not in self._later}
        changed = {name for name, (made, _) in blocks.items() if before.get(name, ("",))[0] != made}
        changed |= before.keys() - blocks.keys()
        dirty = {EVERYTHING, *changed, *(name.split(":", 1)[0] + ":*" for name in changed)}
        for name in changed:
            for side in (before, blocks):
                if name in side:
                    dirty.update(map(named_by, side[name][1]))
        self.dirty = dirty
        # `_untouched` inlined: every path with reads is an output the previous index
        # lists, never a cache entry; 37,000 calls of it took 0.1 s after one edit.
        differ, disjoint = self._walk().differ, dirty.isdisjoint
        root = self._root
        self._carried = {
            path: Reuse(root + path, entry[DIGEST], entry[STAMP])
            for path, entry in self.files.items()
            if entry[READS] is not None and disjoint(entry[READS]) and path not in differ
        }

    def settle_later(self, blocks: Blocks) -> None:
        """`settle` for the blocks of the kind it was told come `later` (which name no
        other block): the files that read a changed one are no longer carried."""
        self.next_blocks.update(blocks)
        if self.dirty is None:
            return
        before = self._later
        changed = {name for name, (made, _) in blocks.items() if before.get(name, ("",))[0] != made}
        changed |= before.keys() - blocks.keys()
        if not changed:
            return
        changed |= {name.split(":", 1)[0] + ":*" for name in changed}
        self.dirty |= changed
        files = self.files
        self._carried = {
            p: r for p, r in self._carried.items() if changed.isdisjoint(files[p][READS] or ())
        }

    def carried(self, paths: Sequence[str]) -> list[Reuse] | None:
        """The previous build's files at `paths`, if each is settled (its key read no
        changed block) and untouched on disk; None if any is not: the item's keys
        are made. A carried file keeps its key and reads (see `made_from`).

        Which files are settled is decided once, by `settle`, for all of them: a
        compile after one edit of 10,000 metrics carries 37,000, and deciding
        each when asked (its reads, its key, its stamp) cost half a second."""
        found: list[Any] = list(map(self._carried.get, paths))
        return None if None in found else found

    def made_from(self, path: str) -> tuple[str | None, Reads | None]:
        """The key of an output of this build and what it read (None: not noted),
        made now or carried with the previous build's file."""
        if path not in self.render_keys and path in self._carried:
            entry = self.files[path]
            return entry[KEY], entry[READS]
        return self.render_keys.get(path), self.render_reads.get(path)

    # --- the next build's index ----------------------------------------------

    def index(self, files: dict[str, Written], update: bool) -> tuple[str, bytes]:
        """The index of the build being written: per file its digest, size and
        modification time, and for an output the key it was made under and what
        that key read (an `Entry`); its blocks and settings (see `settle`). Where to
        write it in the build, and its bytes.

        Marshalled: a large build's index has hundreds of thousands of values,
        read on every compile. An `update` of the folder the previous index
        describes writes only what differs from the index last written whole
        (`CHANGES`, which names it), while that is under an eighth of it: after
        one edit of 10,000 metrics, a few dozen files of 37,000 (marshalling and
        writing the 11 MB took 0.1 s).
        """
        made, noted = self.render_keys, self.render_reads
        carried, previous = self._carried, self.files
        # A carried file is as the previous index has it: its entry is taken whole (after
        # one edit of 10,000 metrics, all but a few dozen of the 37,000 files).
        entries = {
            path: previous[path]
            if path in carried and path not in made
            else (digest, stamp, made.get(path), noted.get(path))
            for path, (digest, stamp) in files.items()
        }
        index = {
            "compiler": compiler_fingerprint(),
            "inputs": self.next_inputs if OUTCOME in files else "",
            "renders": any(entry[KEY] is not None for entry in entries.values()),
            "settings": self.next_settings,
            "sources": self.next_sources,
        }
        whole: dict[str, dict[str, Any]] = {"files": entries, "blocks": self.next_blocks}
        if update and self._base is not None:
            token, base = self._base
            changes = {name: _changes(base[name], now) for name, now in whole.items()}
            changed = sum(len(new) + len(gone) for new, gone in changes.values())
            if changed < CHANGES_UNDER * sum(map(len, whole.values())):
                return CHANGES, marshal.dumps({**index, "base": token, "changes": changes})
        token = os.urandom(8).hex()  # names this index for the changes made to it
        return INDEX, marshal.dumps({**index, "token": token, "whole": whole})


def _changes(before: dict[str, Any], now: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What differs in `now` from `before`, and what `before` has that `now` has not."""
    get = before.get
    # Most values are the very objects read (a carried file's entry): `is` first.
    new = {k: v for k, v in now.items() if (was := get(k, _NONE)) is not v and was != v}
    return new, sorted(before.keys() - now.keys())


_NONE = object()


def _read_index(folder: Path) -> dict[str, Any]:
    """The index of the build in `folder`: the index written whole, with what changed
    since (if the changes name it as theirs) in its files and blocks."""
    with open(folder / INDEX, "rb") as file:
        index: dict[str, Any] = _unmarshalled(file.read())
    index |= index["whole"]
    try:
        with open(folder / CHANGES, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return index
    changes = _unmarshalled(data)
    if changes["base"] != index["token"]:
        raise ValueError("the index's changes are to another index")
    for name, (new, gone) in changes["changes"].items():
        merged = index[name] = {**index[name], **new}
        for key in gone:
            del merged[key]
    index.update((k, v) for k, v in changes.items() if k != "changes")
    return index


def _made(pending: dict[str, Callable[[], bytes]]) -> dict[str, bytes]:
    """Each entry's bytes (in the process `pickle_aside` forks)."""
    return {path: make() for path, make in pending.items()}


def _taken(made: Callable[[], dict[str, bytes]], path: str) -> bytes:
    return made()[path]


def _unmarshalled(data: bytes) -> Any:
    """`marshal.loads`, the garbage collector paused: a large build's index is
    hundreds of thousands of tuples, and collections while they are made took
    nine tenths of the time (1 s of a compile after one edit). The index lives
    as long as the compile, so it is then frozen (`gc.freeze`, as the pipeline
    freezes the model; `pipeline.release` hands both back): the collections
    that the imports and the parse set off would otherwise go through it."""
    with collector_paused():
        index = marshal.loads(data)
        gc.freeze()
        return index


def stamp_of(found: os.stat_result) -> tuple[int, int]:
    """What the index records of a file to tell it is untouched: its size and
    modification time (ns)."""
    return found.st_size, found.st_mtime_ns


def _stamp(path: str) -> tuple[int, int] | None:
    """A file's stamp (`stamp_of`), if it is there."""
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return None


class Walked(NamedTuple):
    """The previous build's files against its index: those not as it recorded them
    (`differ`: changed or `gone`), and those it does not list (`added`)."""

    differ: frozenset[str]
    gone: frozenset[str]
    added: frozenset[str]


def _compare(top: str, files: dict[str, Entry]) -> Walked:
    """`Walked`, from a walk of `top` (a few paths to send back, not 37,000 stamps)."""
    found = _walk_stamps(top)
    gone = frozenset(files.keys() - found.keys())
    differ = gone | {
        path for path, stamp in found.items() if path in files and files[path][STAMP] != stamp
    }
    return Walked(differ, gone, frozenset(found.keys() - files.keys()))


def _walk_stamps(top: str) -> dict[str, tuple[int, int]]:
    """Each file under `top` by its relative path -> (size, modification time).

    Where the platform can, each folder is opened and its files stat-ed through it
    (a short lookup, not the whole path again)."""
    found: dict[str, tuple[int, int]] = {}
    by_handle = os.scandir in os.supports_fd

    def walk(folder: str | int, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    found[prefix + entry.name] = stamp_of(entry.stat(follow_symlinks=False))
                elif not by_handle:
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    assert isinstance(folder, int)
                    handle = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
                    try:
                        walk(handle, f"{prefix}{entry.name}/")
                    finally:
                        os.close(handle)

    if not by_handle:
        walk(top, "")
        return found
    handle = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        walk(handle, "")
    finally:
        os.close(handle)
    return found


def rendered(
    cache: BuildCache | None,
    items: Sequence[T],
    path: Callable[[T], str],
    key: Callable[[T], str],
    make: Callable[[T], str],
    progress: Callable[[int, int], None] | None = None,
    parallel_from: int | None = None,
    settles: bool = False,
    store: Store | None = None,
) -> Sequence[Text]:
    """`[make(item) for item in items]` on every core, each taken from the previous
    build instead when its key (`key(item)`: a digest of its inputs) is unchanged.

    Keys and hits are settled here (a hit is a stat, its text read only on demand:
    `text_of`); only the misses go to the workers, so a build that changed little
    starts none. With nothing to reuse, each key is made beside its output, on
    every core (`parallel_from`: as `parallel_map`'s).

    `settles`: the key reads nothing but blocks it notes (`note`, as `Inputs`
    does), the blocks that name them and the settings `BuildCache.settle`
    compares; then an output none of whose blocks changed keeps its previous
    key, which is not made again (a compile after one edit of 10,000 metrics
    made 37,000 keys to find a few dozen changed).

    `store`: each output made is written where it is made (see `Store`).
    """
    made = rendered_together(
        cache,
        items,
        lambda item: (path(item),),
        lambda item: (key(item),),
        lambda item: (make(item),),
        progress,
        parallel_from,
        settles,
        store,
    )
    return [texts[0] for texts in made]


def rendered_together(
    cache: BuildCache | None,
    items: Sequence[T],
    paths: Callable[[T], Sequence[str]],
    keys: Callable[[T], Sequence[str]],
    make: Callable[[T], Sequence[Text]],
    progress: Callable[[int, int], None] | None = None,
    parallel_from: int | None = None,
    settles: bool = False,
    store: Store | None = None,
) -> Sequence[Sequence[Text]]:
    """`rendered` for items that each make several files in one piece of work (a
    metric's query and its alert check, from one tree): an item is made again
    when any of its files is not in the previous build, and what was kept of it
    is still linked."""
    if store is not None:
        make = _storing(make, paths, store)
    if cache is None:
        return parallel_map(make, items, progress, parallel_from)
    every_path = [paths(item) for item in items]
    if not cache.renders:  # nothing to reuse: each key made beside its output
        pairs = parallel_map(
            lambda item: (_noted(keys, item), make(item)), items, progress, parallel_from
        )
        for ((item_keys, reads), _), item_paths in zip(pairs, every_path, strict=True):
            _keep_renders(cache, item_keys, item_paths, reads if settles else None)
        return [made for _, made in pairs]
    texts: list[Sequence[Text | None]] = []
    missing = []
    for item, item_paths in zip(items, every_path, strict=True):
        carried = cache.carried(item_paths) if settles else None
        if carried is not None:
            texts.append(carried)
            continue
        item_keys, reads = _noted(keys, item)
        _keep_renders(cache, item_keys, item_paths, reads if settles else None)
        found = [cache.kept(k, p) for k, p in zip(item_keys, item_paths, strict=True)]
        if None in found:
            missing.append(item)
        texts.append(found)
    hits = len(items) - len(missing)
    made = iter(
        parallel_map(
            make,
            missing,
            (lambda done, _: progress(hits + done, len(items))) if progress else None,
            parallel_from,
        )
    )
    # An item made again: what the previous build has of it is still linked.
    done: list[Any] = texts  # each found whole, or made again below
    return [
        [k or new for k, new in zip(found, next(made), strict=True)] if None in found else found
        for found in done
    ]


def _storing(
    make: Callable[[T], Sequence[Text]], paths: Callable[[T], Sequence[str]], store: Store
) -> Callable[[T], Sequence[Text]]:
    """`make`, each text it makes written by `store` as soon as it is made. In a
    worker, that spares sending the text back and the build's writer writing it
    after the last item (the site's 10,000 pages: 1.3 s, one core idle)."""

    def made(item: T) -> Sequence[Text]:
        texts = make(item)
        return [
            store(path, text) if isinstance(text, str) else text
            for path, text in zip(paths(item), texts, strict=True)
        ]

    return made


def _keep_renders(
    cache: BuildCache,
    item_keys: Sequence[str],
    item_paths: Sequence[str],
    reads: Reads | None,
) -> None:
    for k, p in zip(item_keys, item_paths, strict=True):
        cache.keep_render(k, p, reads)
