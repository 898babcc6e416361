"""A compile reuses an unchanged file's resolution from the build cache, never stale.

The oracle is `check_project` without a cache: after every edit, the model, the
diagnostics and the lint findings of a check that reused what it could are
exactly those of a fresh one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from metricc import pipeline
from metricc.cache import BuildCache, entry_path
from metricc.lint import Selection, lint
from metricc.output import BuildFolder
from metricc.pipeline import Compilation, check_project
from tests.conftest import METRICS

Edit = Callable[[Path], None]

DAU = 'metric dau {\n  title: "Daily active users"\n'


def replace(name: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        text = (folder / name).read_text()
        assert old in text, old
        (folder / name).write_text(text.replace(old, new, 1))

    return edit


def append(name: str, text: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_text((path.read_text() if path.exists() else "") + text)

    return edit


# Each scenario's edits are made one after the other, with a compile after each.
SCENARIOS: dict[str, list[Edit]] = {
    "a title": [replace("engagement.metric", '"Daily active users"', '"Daily actives"')],
    "a metric's measure": [
        replace("engagement.metric", "count_distinct(events.user_id)", "count(events.event_id)")
    ],
    "a source block (every file is resolved again)": [
        replace("sources.metric", "entity user: user_id", "entity person: user_id")
    ],
    "a new file defines a metric again, earlier": [
        append("a_first.metric", DAU + "  owner: growth\n  grain: day\n  measure: count(x)\n}\n"),
    ],
    # zz.metric's `dau` is a duplicate when its records are made; once engagement's
    # goes, it is the definition, and the file must be resolved from its tree.
    "a duplicate becomes the definition": [
        append("zz.metric", DAU + "  owner: growth\n  grain: day\n  measure: count(x)\n}\n"),
        replace("engagement.metric", "metric dau {", "metric dau_old {"),
    ],
    "a syntax error stays reported while its file is unchanged": [
        append("zz.metric", "metric broken {\n  title: \n"),
        replace("engagement.metric", '"Daily active users"', '"Daily actives"'),
    ],
    "a suppression in an unchanged file still applies": [
        replace(
            "engagement.metric",
            "metric dau {",
            "# metricc: ignore[missing-action] reviewed with the growth team\nmetric dau {",
        ),
        replace("customers.metric", '"Net Promoter Score"', '"NPS"'),
    ],
    "an unknown name, then its definition": [
        replace("engagement.metric", "owner: growth", "owner: growht"),
        replace("customers.metric", '"Net Promoter Score"', '"NPS"'),
        replace("engagement.metric", "owner: growht", "owner: growth"),
    ],
    "a file removed": [lambda folder: (folder / "customers.metric").unlink()],
    # References into unchanged files are checked across the project on every compile.
    "a goal renamed that unchanged files name": [
        replace("goals.metric", "goal retention {", "goal retained {")
    ],
    "a new file computed from an unchanged file's metrics": [
        append(
            "zz.metric",
            'metric dau_share {\n  title: "DAU / MAU"\n  owner: growth\n  grain: day\n'
            "  formula: dau / mau\n}\n",
        )
    ],
}


def _findings(result: Compilation) -> list[object]:
    found = list(result.sorted_diagnostics())
    if result.project is not None and not result.failed:
        found += sorted(lint(result.project, result.files, Selection()), key=lambda d: d.sort_key())
    return found


def _compile(folder: Path, out: Path) -> Compilation:
    """What `metricc compile` does with its cache: check, then keep the entries."""
    cache = BuildCache(out if out.is_dir() else None)
    result = check_project(folder, cache)
    with BuildFolder(out, cache):
        pass
    pipeline.release()
    return result


@pytest.mark.parametrize("edits", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_check_that_reuses_resolutions_equals_a_fresh_one(
    tmp_path: Path, edits: list[Edit]
) -> None:
    folder = tmp_path / "metrics"
    shutil.copytree(METRICS, folder)
    out = tmp_path / "build"
    _compile(folder, out)
    for edit in edits:
        edit(folder)
        again = _compile(folder, out)
        fresh = check_project(folder)
        assert again.project == fresh.project
        assert again.project is None or list(again.project.metrics) == list(
            fresh.project.metrics  # type: ignore[union-attr]
        )
        assert _findings(again) == _findings(fresh)


def test_an_edit_loads_no_other_file_s_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    shutil.copytree(METRICS, folder)
    out = tmp_path / "build"
    _compile(folder, out)
    SCENARIOS["a title"][0](folder)
    parsed: list[str] = []
    real = pipeline.parse_source
    monkeypatch.setattr(pipeline, "parse_source", lambda s: parsed.append(s.path) or real(s))
    loaded: list[str] = []
    load = BuildCache.load

    def spy(cache: BuildCache, kind: str, key: str) -> object:
        loaded.append(kind)
        return load(cache, kind, key)

    monkeypatch.setattr(BuildCache, "load", spy)
    _compile(folder, out)
    assert parsed == []  # the edited file: parsed again only where it changed (a title)
    assert loaded == ["resolved"] * (len(list(folder.iterdir())) - 1)
    # The unchanged files' trees are still kept, for a compile after a source edit.
    kept = {p.relative_to(out).as_posix() for p in (out / ".metricc").rglob("*.pickle")}
    assert sum(path.startswith(".metricc/parse/") for path in kept) == 8


def test_a_damaged_resolution_is_a_miss(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    shutil.copytree(METRICS, folder)
    out = tmp_path / "build"
    _compile(folder, out)
    entries = list((out / entry_path("resolved", "k")).parent.iterdir())
    assert len(entries) == len(list(folder.iterdir()))
    for entry in entries:  # other bytes, same size and time: only the digest tells
        stat = entry.stat()
        entry.write_bytes(b"x" * stat.st_size)
        os.utime(entry, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    SCENARIOS["a title"][0](folder)
    again = _compile(folder, out)
    fresh = check_project(folder)
    assert again.project == fresh.project
    assert _findings(again) == _findings(fresh)
