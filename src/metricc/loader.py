"""Finding and reading a project's `.metric` files, in a stable order."""

from __future__ import annotations

import os
from pathlib import Path

from metricc.diagnostics import Diagnostic, diag
from metricc.span import SourceFile

SUFFIX = ".metric"


def display_path(path: Path) -> str:
    """A path as people should see it: relative to the working folder when inside it."""
    try:
        full, here = path.resolve(), Path.cwd().resolve()
    except OSError:
        return path.as_posix()
    if full.is_relative_to(here):
        return Path(os.path.relpath(full, here)).as_posix()
    return full.as_posix()


def find_files(root: Path) -> list[Path]:
    """Every `.metric` file under a folder (or the file itself), sorted by relative path.
    A link to nothing is listed too: reading it reports it, where skipping it would
    silently drop its definitions."""
    if root.is_file():
        return [root]
    return sorted(
        (p for p in root.rglob(f"*{SUFFIX}") if p.is_file() or not p.exists()),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def read_source(path: Path) -> tuple[SourceFile | None, list[Diagnostic]]:
    """The file's text, or a located diagnostic when it is not readable UTF-8."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        what = f"`{shown}`"
        if path.is_symlink():  # named by the link people see in the folder
            what = f"`{display_path(path.parent)}/{path.name}` (a link to `{shown}`)"
        return None, [diag("MC007", f"cannot read {what}: {error.strerror}", None)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        source = SourceFile(shown, good + data[error.start :].decode("utf-8", errors="replace"))
        return source, [
            diag(
                "MC004",
                f"`{shown}` is not valid UTF-8 (byte 0x{data[error.start]:02x})",
                source.span(len(good), len(good) + 1),
                label="this byte is not UTF-8",
                help="save the file as UTF-8",
            )
        ]
    source = SourceFile(shown, text.removeprefix("\ufeff"))
    nul = source.text.find("\x00")
    if nul != -1:
        return source, [
            diag(
                "MC003",
                f"`{shown}` contains a NUL byte: it is not a text file",
                source.span(nul, nul + 1),
                label="NUL byte",
                help="remove it; `.metric` files are UTF-8 text",
            )
        ]
    return source, []


def load_sources(root: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    if not root.exists():
        return [], [diag("MC007", f"`{display_path(root)}` does not exist", None)]
    sources: list[SourceFile] = []
    diagnostics: list[Diagnostic] = []
    files = find_files(root)
    if not files:
        diagnostics.append(diag("MC008", f"no `{SUFFIX}` files under `{display_path(root)}`", None))
    for path in files:
        source, problems = read_source(path)
        diagnostics += problems
        if source is not None:
            sources.append(source)
    return sources, diagnostics
