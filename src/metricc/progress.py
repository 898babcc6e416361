"""Progress on a terminal (stderr), and silence when the output is not one."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[str, int, int], None]


@contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A callback `(stage, done, total)` that redraws one status line, at most 10 times a second."""
    stream = sys.stderr
    if not stream.isatty():
        yield lambda stage, done, total: None
        return
    last = [0.0]

    def update(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.1 and done < total:
            return
        last[0] = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        stream.write(f"\r{label} {stage:<16} [{bar}] {done:,}/{total:,}")
        stream.flush()

    try:
        yield update
    finally:
        stream.write("\r\x1b[2K")
        stream.flush()
