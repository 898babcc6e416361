"""Independent work on every core: forked workers inherit the data, results come back.

Used where a compile does the same job for many metrics (SQL per dialect,
alert checks, catalogue pages). Small jobs stay in-process: starting workers
costs more than it saves below a few hundred items.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 400
_TASK: dict[str, Any] = {}


def cores() -> int:
    """How many processes share independent work: one per core, at most eight."""
    return min(os.cpu_count() or 1, 8)


def _can_fork() -> bool:
    # Imported only here: a small project (a one-file lint) never starts a worker.
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


def _adopt(function: Callable[[Any], Any]) -> None:
    """A worker's initializer: the function it runs (inherited by the fork, never pickled,
    so closures work); a worker that has one runs any nested parallel work serially."""
    _TASK["function"] = function


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    function = _TASK["function"]
    return [function(item) for item in chunk]


def parallel_map(
    function: Callable[[T], R],
    items: Sequence[T],
    progress: Callable[[int, int], None] | None = None,
    parallel_from: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    leave: int = 0,
) -> list[R]:
    """`[function(item) for item in items]`, on every core when it pays: from
    `parallel_from` items (default PARALLEL_FROM; fewer where each is costly), sent
    to the workers in chunks. `meanwhile` is work of this process's own, done
    while the workers go (before any item, where there are none), on the `leave`
    cores left to it."""
    # Sixteen chunks per core: items differ in cost (a Snowflake query costs four
    # DuckDB ones), and with four per core one core idled while the other
    # finished the last, costliest chunk (SQL for seven dialects: ~10% longer).
    size = max(25, len(items) // (cores() * 16))
    out: list[R] = []
    worth_it = len(items) >= (PARALLEL_FROM if parallel_from is None else parallel_from)
    results = parallel_results(function, items, worth_it, size, leave)
    if meanwhile is not None:
        meanwhile()
    for result in results:
        out.append(result)
        if progress:
            progress(len(out), len(items))
    return out


def parallel_results(
    function: Callable[[T], R],
    items: Sequence[T],
    worth_it: bool,
    chunk: int = 1,
    leave: int = 0,
) -> Iterator[R]:
    """`function(item)` for each item in order, as each is ready: on every core
    when the caller says it is worth it and the platform can fork.

    The workers start at once, so the caller can do work of its own before it
    reads the first result (the parse unpickles cached trees meanwhile); `leave`
    cores to the caller when that work keeps one busy.
    """
    workers = cores() - leave
    if not worth_it or not items or cores() < 2 or workers < 1 or _TASK or not _can_fork():
        return map(function, items)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    pool = ProcessPoolExecutor(
        min(workers, len(chunks)),
        mp_context=mp.get_context("fork"),
        initializer=_adopt,
        initargs=(function,),
    )
    try:
        results = pool.map(_run_chunk, chunks)  # submits every chunk now
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    return _in_order(pool, results)


def _in_order(pool: Any, results: Iterator[list[R]]) -> Iterator[R]:
    with pool:
        for done in results:
            yield from done
