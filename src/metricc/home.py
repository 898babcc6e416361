"""What metricc keeps once per installation rather than working it out on every run
(the grammar's tables, the catalogue's compiled templates, the serialisers'
schemas, the manifest's JSON Schema), where it keeps them, and what identifies
this compiler. Nothing kept there is needed: a folder that cannot be read or
written costs only time. This module imports nothing of metricc.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import zlib
from pathlib import Path
from typing import Any, Protocol

# Libraries whose version changes what metricc writes.
LIBRARIES = ("lark", "pydantic", "sqlglot", "jinja2", "cmarkgfm")
COMPILER_FILES = (".py", ".lark", ".j2", ".css", ".js", ".json", ".toml", ".md")


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


class Codec(Protocol):
    """How a kept value is stored: `marshal` or `pickle` (whose name ends the file's)."""

    __name__: str

    def dumps(self, value: Any, /) -> bytes: ...
    def loads(self, data: bytes, /) -> Any: ...


def _kept_path(name: str, identity: str, codec: Codec) -> Path | None:
    folder = cache_folder()
    crc = zlib.crc32(identity.encode())
    return folder / f"{name}-{crc:08x}.{codec.__name__}" if folder else None


def recall(name: str, identity: str, codec: Codec) -> Any | None:
    """What `remember` kept under `name` for exactly this `identity` (what the value
    is made from), or None."""
    path = _kept_path(name, identity, codec)
    if path is not None:
        try:
            kept, value = codec.loads(path.read_bytes())
            if kept == identity:
                return value
        except Exception:  # none yet, damaged, or made by another Python: made again
            pass
    return None


def remember(name: str, identity: str, value: Any, codec: Codec) -> None:
    """Keep `value` under `name` for `recall` (replaced whole, so a reader never sees
    half of it; a folder that cannot be written only costs the next run)."""
    path = _kept_path(name, identity, codec)
    if path is None:
        return
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(codec.dumps((identity, value)))
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):  # no file left behind (nor a folder to leave it in)
            partial.unlink()


@functools.cache
def compiler_fingerprint() -> str:
    """A digest of this compiler: its files, Python's version and the output-shaping libraries."""
    import hashlib  # only a compile needs it: a lint starts without

    h = hashlib.sha256(sys.version.encode())
    versions = _versions()
    for name in LIBRARIES:
        h.update(f"{name}={versions.get(name, '?')}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in COMPILER_FILES and path.is_file():
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def _versions() -> dict[str, str]:
    """The LIBRARIES' installed versions, as importlib.metadata gives them: from the
    first `.dist-info` folder of each along the import path. Read from the folders'
    names (importing importlib.metadata and asking it took ~45 ms of every compile,
    the up-to-date one included); asked of importlib.metadata where a name is not
    there (an egg, a zip)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip, or gone
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                project, _, version = folder.removesuffix(".dist-info").partition("-")
                found.setdefault(project.lower().replace("-", "_").replace(".", "_"), version)
    missing = [name for name in LIBRARIES if name not in found]
    if missing:
        from importlib import metadata

        for name in missing:
            with contextlib.suppress(metadata.PackageNotFoundError):
                found[name] = metadata.version(name)
    return {name: found[name] for name in LIBRARIES if name in found}
