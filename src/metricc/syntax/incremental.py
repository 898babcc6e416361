"""A file parsed again after an edit: only the text between the blocks it left alone.

After an edit of a large file, the blocks before the edit are as they were, and
those after it are as they were, moved by the characters and lines the edit
added or removed. The previous parse's tree is unpickled with the latter's spans
moved, and only the text between them is parsed, blanked before it so that
positions stay true (as the parser's own recovery does). The grammar carries no
context from one block to the next (`start: block*`, each block closed by its
`}`), so the tree is the one a parse of the whole file makes.

Where that does not hold cheaply (the previous parse had a syntax error, the
edited text has one, a block after the edit does not start its line, the edit
spans most of the file), `reparse` returns None and the caller parses the file.
"""

from __future__ import annotations

import io
import pickle
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from metricc.model import ast
from metricc.span import Edit, SourceFile, Span, make_span
from metricc.syntax.parser import blank_before, parse_source

# Parsed whole (by a worker, when large) past this share of the text: the
# previous tree is then little help.
MOST = 0.5


@dataclass(frozen=True)
class Previous:
    """What a clean parse keeps for the next one: the text, and where its blocks
    start and end and its comments start (in order)."""

    text: str
    blocks: tuple[int, ...]  # each block's start and end, flattened
    comments: tuple[int, ...]


def previous_of(text: str, tree: ast.File) -> Previous:
    """What `reparse` needs of a parse without syntax errors."""
    bounds = tuple(n for b in tree.blocks for n in (b.span.start, b.span.end))
    return Previous(text, bounds, tuple(c.span.start for c in tree.comments))


def reparse(
    source: SourceFile, previous: Previous, tree: Callable[[], bytes | None]
) -> tuple[ast.File, Edit] | None:
    """The tree of `source`, edited from `previous` whose pickled tree and syntax
    diagnostics `tree()` gives (as the parse cache keeps them), and where its blocks
    come from; None where the file is to be parsed whole."""
    old, new = previous.text, source.text
    window = _window(old, new, previous.blocks)
    if window is None:
        return None
    # In the previous text (the edited one ends at `end + moved`); the blocks before
    # `kept` and from `after` on are outside it.
    start, end, kept, after = window
    moved = len(new) - len(old)
    if end + moved - start > MOST * len(new):
        return None
    try:
        between, problems = parse_source(
            SourceFile(source.path, blank_before(new[: end + moved], start))
        )
    except RecursionError:
        return None
    data = tree()
    if problems or data is None:
        return None
    lines = new.count("\n", start, end + moved) - old.count("\n", start, end)
    try:
        before, syntax = _Moved(data, end, moved, lines).load()
    except Exception:  # a damaged entry: parsed whole
        return None
    if syntax or not isinstance(before, ast.File) or before.path != source.path:
        return None
    comments = previous.comments
    if 2 * len(before.blocks) != len(previous.blocks) or len(before.comments) != len(comments):
        return None
    first, last = bisect_left(comments, start), bisect_left(comments, end)
    edited = ast.File(
        path=source.path,
        blocks=before.blocks[:kept] + between.blocks + before.blocks[after:],
        comments=before.comments[:first] + between.comments + before.comments[last:],
    )
    return edited, Edit(start, end + moved, moved, lines)


def _window(old: str, new: str, blocks: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The stretch of the previous text to parse again: from the end of the last
    block before the edit to the start of the first block after it, which must
    start a line in both texts (so no column moves); and those two blocks' places
    (the count of blocks before the stretch, the first after it). None: no such
    stretch."""
    same = _common_prefix(old, new)
    tail = _common_suffix(old, new, min(len(old), len(new)) - same)
    if same == len(old) == len(new):
        return None
    starts, ends = blocks[0::2], blocks[1::2]
    kept = bisect_right(ends, same)  # blocks wholly before the edit
    after = bisect_left(starts, len(old) - tail)  # the first block wholly after it
    start = ends[kept - 1] if kept else 0
    end = starts[after] if after < len(starts) else len(old)
    moved = len(new) - len(old)
    if end < len(old) and not (old[end - 1 : end] == new[end + moved - 1 : end + moved] == "\n"):
        return None
    return start, end, kept, after


def _common_prefix(a: str, b: str) -> int:
    """How many characters `a` and `b` start with alike."""
    return _longest(min(len(a), len(b)), lambda low, high: a[low:high] == b[low:high])


def _common_suffix(a: str, b: str, most: int) -> int:
    """How many characters (at most `most`) `a` and `b` end with alike."""
    m, n = len(a), len(b)
    return _longest(most, lambda low, high: a[m - high : m - low] == b[n - high : n - low])


def _longest(most: int, alike: Callable[[int, int], bool]) -> int:
    """The longest length up to `most` whose stretch is `alike`, found by halving:
    `alike(low, high)` compares the characters from `low` to `high` (slices
    compared in C), given that the first `low` are alike."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if alike(low, middle):
            low = middle
        else:
            high = middle - 1
    return low


class _Moved(pickle.Unpickler):
    """Unpickles a parse with every span from `at` on moved by `chars` characters and
    `lines` lines (the blocks after an edit: they start a line, so no column moves)."""

    def __init__(self, data: bytes, at: int, chars: int, lines: int) -> None:
        super().__init__(io.BytesIO(data))

        def span(
            file: str, start: int, end: int, line: int, column: int, end_line: int, end_col: int
        ) -> Span:
            if start < at:
                return make_span(file, start, end, line, column, end_line, end_col)
            return make_span(
                file, start + chars, end + chars, line + lines, column, end_line + lines, end_col
            )

        self._span = span

    def find_class(self, module: str, name: str) -> object:
        found = super().find_class(module, name)
        return self._span if found is make_span else found
