"""Work on every core gives what the work gives in order; the caller's own work
runs once, while the workers go."""

from __future__ import annotations

import os

import pytest

from metricc.parallel import parallel_map


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["on the workers", "here"])
def test_the_caller_s_own_work_runs_once_while_the_workers_go(parallel_from: int) -> None:
    done: list[int] = []
    squares = parallel_map(
        lambda n: (n * n, os.getpid()),
        range(200),
        parallel_from=parallel_from,
        meanwhile=lambda: done.append(os.getpid()),
    )
    assert [square for square, _ in squares] == [n * n for n in range(200)]
    assert done == [os.getpid()]  # here, once
    workers = {pid for _, pid in squares} - {os.getpid()}
    assert bool(workers) == (parallel_from == 1 and (os.cpu_count() or 1) > 1)
