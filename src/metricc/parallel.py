"""Independent work on every core: forked workers inherit the data, results come back.

Used where a compile does the same job for many metrics (SQL per dialect,
alert checks, catalogue pages). Small jobs stay in-process: starting workers
costs more than it saves below a few hundred items.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 400
_TASK: dict[str, Any] = {}


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    function = _TASK["function"]
    return [function(item) for item in chunk]


def parallel_map(
    function: Callable[[T], R],
    items: Sequence[T],
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """`[function(item) for item in items]`, on every core when it pays."""
    workers = min(os.cpu_count() or 1, 8)
    if (
        len(items) < PARALLEL_FROM
        or workers < 2
        or "fork" not in mp.get_all_start_methods()
        or _TASK
    ):
        results = []
        for index, item in enumerate(items):
            if progress:
                progress(index, len(items))
            results.append(function(item))
        return results
    size = max(25, len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    out: list[R] = []
    _TASK["function"] = function
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for done in pool.map(_run_chunk, chunks):
                out += done
                if progress:
                    progress(len(out), len(items))
    finally:
        _TASK.clear()
    return out
