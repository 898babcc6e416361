"""The catalogue's templates, compiled once per installation.

Jinja turns a template into Python code the first time it is used: ~0.1 s for
the catalogue's five, on every compile that makes a page. The code is kept in
the user's cache folder (`metricc.home`), under each template's name and
checked against its source and this very compiler (whose environments decide
what the code is), so a changed template or compiler compiles afresh.
"""

from __future__ import annotations

import os
from hashlib import sha1

import jinja2
from jinja2.bccache import Bucket

from metricc.home import cache_folder, compiler_fingerprint


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in files, which makes its folder and
    lets a read or write fail quietly (the template is compiled, as without it)."""

    def get_source_checksum(self, source: str) -> str:
        return sha1(f"{compiler_fingerprint()}\0{source}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def compiled_templates() -> jinja2.BytecodeCache | None:
    """Where compiled templates are kept, if there is a cache folder."""
    folder = cache_folder()
    return _Compiled(str(folder / "templates")) if folder else None
