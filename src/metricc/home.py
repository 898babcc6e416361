"""Where metricc keeps what it works out once per installation rather than on every
run (the grammar's tables, the catalogue's compiled templates). Nothing kept there
is needed: a folder that cannot be written costs only time. This module imports
nothing of metricc.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder() -> Path | None:
    """The folder: `$XDG_CACHE_HOME/metricc`, else `~/.cache/metricc`;
    None without an absolute folder to use (a relative one would land wherever
    the command runs)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder
            return None
    return Path(base) / "metricc" if os.path.isabs(base) else None
