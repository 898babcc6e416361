"""Work on every core gives what the work gives in order; work set aside gives its
result once, or is done here when it cannot be done aside."""

from __future__ import annotations

import gc
import os
import time
import weakref

import pytest

from metricc.parallel import aside, collector_paused, parallel_map


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["on the workers", "here"])
def test_work_on_every_core_gives_what_the_work_gives_in_order(parallel_from: int) -> None:
    squares = parallel_map(lambda n: (n * n, os.getpid()), range(200), parallel_from=parallel_from)
    assert [square for square, _ in squares] == [n * n for n in range(200)]
    workers = {pid for _, pid in squares} - {os.getpid()}
    assert bool(workers) == (parallel_from == 1 and (os.cpu_count() or 1) > 1)


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value


def test_work_set_aside_runs_in_another_process_and_gives_its_result_once() -> None:
    result = aside(_pid_and, 7)
    assert result() == result()
    pid, value = result()
    assert value == 7
    assert (pid != os.getpid()) == ((os.cpu_count() or 1) > 1)


def _sleeps() -> int:
    time.sleep(60)
    return 1


def test_work_never_asked_for_is_not_waited_for() -> None:
    start = time.monotonic()
    result = aside(_sleeps)
    del result
    gc.collect()
    assert time.monotonic() - start < 30


def _fails() -> int:
    if os.getpid() != HERE:
        raise RuntimeError("only in the forked process")
    return 1


HERE = os.getpid()


def test_work_that_fails_aside_is_done_here() -> None:
    assert aside(_fails)() == 1


def test_work_never_asked_for_ends_with_its_callable(monkeypatch: pytest.MonkeyPatch) -> None:
    forked: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    result = aside(_pid_and, 1)
    del result
    gc.collect()
    for pid in forked:  # ended and waited for: not a child any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


class _Cycle:
    """Garbage only the collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


_PREVIOUS: list[weakref.ref[_Cycle]] = []


def _previous_freed(_: int) -> bool:
    """Whether the cycle the previous item (in this process) left behind is freed."""
    freed = not _PREVIOUS or _PREVIOUS[-1]() is None
    _PREVIOUS[:] = [weakref.ref(_Cycle())]
    return freed


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["on the workers", "here"])
def test_each_items_cyclic_garbage_is_freed_before_the_next_item(parallel_from: int) -> None:
    # Left to the collector's own schedule, a cycle outlived many items (and was
    # scanned again in each generation it reached).
    with collector_paused():  # as a compile makes its outputs
        assert all(parallel_map(_previous_freed, range(500), parallel_from=parallel_from))


def test_the_collector_is_paused_while_items_are_made_then_as_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable()
