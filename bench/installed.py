"""The metricc package's bytecode, compiled as an installed wheel has it.

pip compiles a wheel's modules when it installs them, and an editable install
writes them on first import, unless PYTHONDONTWRITEBYTECODE is set (as it is
on this project's benchmark machine). Without them every fresh process
compiles each of metricc's modules from source again: tens of milliseconds
of a one-file lint that no installed user pays. The benchmarks time what
users run, so they compile the package first.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import metricc


def compile_package() -> None:
    """Write the package's `.pyc` files (beside its sources, in `__pycache__/`)."""
    compileall.compile_dir(Path(metricc.__file__).parent, quiet=1)
