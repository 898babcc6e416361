"""Writing a build folder as a whole, so a failed compile loses nothing.

Files go to a fresh temporary folder beside the target; only when all of them
are written is the old folder swapped out and removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


class BuildFolder:
    """A build written file by file into a staging folder beside `out`.

    On success the staging folder replaces `out`; on any error it is removed
    and `out` is left as it was. Writing as the files are produced keeps a
    large build from being held in memory all at once.
    """

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.count = 0

    def __enter__(self) -> BuildFolder:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent))
        return self

    def add(self, files: Mapping[str, str | bytes]) -> None:
        for relative in sorted(files):
            target = self.staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[relative]
            if isinstance(content, str):
                target.write_text(content, encoding="utf-8", newline="\n")
            else:
                target.write_bytes(content)
        self.count += len(files)

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if error is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        try:
            old = None
            if self.out.exists():
                old = self.out.with_name(f".{self.out.name}.old")
                if old.exists():
                    shutil.rmtree(old)
                self.out.rename(old)
            self.staging.rename(self.out)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, keyed by relative POSIX path (for `compile --check`)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
