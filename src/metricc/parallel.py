"""Independent work on every core: forked workers inherit the data, results come back.

Used where a compile does the same job for many metrics (SQL per dialect,
alert checks, catalogue pages). Small jobs stay in-process: starting workers
costs more than it saves below a few hundred items. `aside` runs one job in a
forked process while the caller goes on (a compile's lint, the walk of its
previous build).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import signal
import weakref
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
    so closures work); a worker that has one runs any nested parallel work serially.
    Its collector runs only where its items say (see `parallel_map`)."""
    _TASK["function"] = function
    gc.disable()


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    function = _TASK["function"]
    done = [function(item) for item in chunk]
    gc.collect(1)  # what outlived an item, once its results are made
    return done


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The automatic collector off while this lasts, then as it was. Inside, either
    everything made stays alive (a parse, the build's index: frozen once made), or
    the garbage comes item by item (a query's tree, a page's context), which
    `parallel_map` collects after each; between items the collector only
    rescanned what is alive (~1 s of a compile of 10,000 metrics)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _then_collected(function: Callable[[T], R]) -> Callable[[T], R]:
    """`function`, then what it left behind collected while it is young.

    A query's tree is cyclic (each node points to its parent), so only the
    collector frees it. Run every 700 allocations, the collector found each
    tree half-built, kept it, and scanned it again in each older generation it
    was moved to: a quarter of the SQL workers' time. Collected after its
    item, a tree is scanned once.
    """

    def run(item: T) -> R:
        made = function(item)
        gc.collect(0)
        return made

    return run


def parallel_map(
    function: Callable[[T], R],
    items: Sequence[T],
    progress: Callable[[int, int], None] | None = None,
    parallel_from: int | None = None,
) -> list[R]:
    """`[function(item) for item in items]`, on every core when it pays: from
    `parallel_from` items (default PARALLEL_FROM; fewer where each is costly), sent
    to the workers in chunks. Each item's garbage is collected when it is done."""
    # Sixteen chunks per core: items differ in cost (a Snowflake query costs four
    # DuckDB ones), and with four per core one core idled while the other
    # finished the last, costliest chunk (SQL for seven dialects: ~10% longer).
    size = max(25, len(items) // (cores() * 16))
    # What is alive now outlives the items (the model, the cache's records): frozen
    # (`pipeline.release` hands it back), the collection after each item scans only
    # what that item made. Else each scanned the compile's recent allocations: after
    # one edit of 10,000 metrics, 13 items' collections took 0.05 s.
    if items:
        gc.freeze()
    out: list[R] = []
    worth_it = len(items) >= (PARALLEL_FROM if parallel_from is None else parallel_from)
    for result in parallel_results(_then_collected(function), items, worth_it, size):
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


def aside(function: Callable[..., R], *args: Any) -> Callable[[], R]:
    """`function(*args)` in a forked process while this one goes on; the callable
    returned waits for the result (pickled through a pipe) and gives it, once.

    Where this platform cannot fork, there is one core, or the process fails,
    the work is done here when the result is asked for. A result never asked
    for is let go with the callable: its process is killed (not waited for
    while it works on).
    """
    here = functools.cache(functools.partial(function, *args))
    if cores() < 2 or not hasattr(os, "fork"):
        return here
    readable, writable = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(readable)
        os.close(writable)
        return here
    if pid == 0:  # the forked process: its result down the pipe, then gone
        status = 1
        try:
            os.close(readable)
            data = pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writable, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writable)
    pipe = os.fdopen(readable, "rb")

    @functools.cache
    def result() -> R:
        data = pipe.read()
        unasked.detach()
        if _end(pipe, pid) != 0 or not data:  # it failed: done here instead
            return here()
        found: R = pickle.loads(data)
        return found

    # Let go unasked: the pipe closed, the process killed and waited for.
    unasked = weakref.finalize(result, _end, pipe, pid, kill=True)
    return result


def _end(pipe: Any, pid: int, kill: bool = False) -> int:
    """Close the pipe from a process `aside` started (killed first if its result is
    not wanted) and wait for it: its exit status."""
    pipe.close()
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:  # already waited for
        return 1
