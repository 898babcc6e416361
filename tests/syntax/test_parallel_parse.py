"""A large project is parsed on every core; the result is the same as parsing in-process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from metricc import pipeline
from metricc.cache import BuildCache
from metricc.span import SourceFile
from tests.conftest import ROOT


def _synthetic() -> object:
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parallel_parse_equals_in_process_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _synthetic().write_project(tmp_path / "p", 1000, files=4)  # type: ignore[attr-defined]
    (folder / "broken.metric").write_text("metric broken {\n  title: \n")
    assert sum(len(p.read_text()) for p in folder.iterdir()) > pipeline.PARALLEL_PARSE_FROM
    cache = BuildCache(None)
    parallel = pipeline.parse_project(folder, cache)
    monkeypatch.setattr(pipeline, "PARALLEL_PARSE_FROM", 10**12)
    serial = pipeline.parse_project(folder)
    assert parallel.files == serial.files
    assert parallel.diagnostics == serial.diagnostics and serial.diagnostics
    assert len(cache.take_entries()) == len(serial.files)


def test_an_edited_file_is_parsed_by_a_worker_while_the_others_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metricc.output import BuildFolder

    folder = _synthetic().write_project(tmp_path / "p", 1000, files=4)  # type: ignore[attr-defined]
    first = BuildCache(None)
    pipeline.parse_project(folder, first)
    with BuildFolder(tmp_path / "build", first):
        pass  # the build holds the four parses
    edited = sorted(folder.iterdir())[1]
    edited.write_text(edited.read_text() + "\n# edited\n")
    warm = BuildCache(tmp_path / "build")
    monkeypatch.setattr(pipeline, "PARALLEL_PARSE_FROM", 1000)  # one file is enough here
    again = pipeline.parse_project(folder, warm)
    entries = warm.take_entries()
    assert sorted(type(e).__name__ for e in entries.values()) == ["Reuse"] * 4 + ["bytes"]
    monkeypatch.setattr(pipeline, "PARALLEL_PARSE_FROM", 10**12)
    serial = pipeline.parse_project(folder)
    assert again.files == serial.files
    assert again.diagnostics == serial.diagnostics


def test_a_first_build_starts_no_worker_below_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between a quarter of the threshold and the threshold: workers pay only while
    # this process has cached work of its own to do meanwhile, which a first build has not.
    folder = _synthetic().write_project(tmp_path / "p", 300, files=3)  # type: ignore[attr-defined]
    size = sum(len(p.read_text()) for p in folder.iterdir())
    assert pipeline.PARALLEL_PARSE_FROM // 4 < size < pipeline.PARALLEL_PARSE_FROM
    started: list[int] = []
    real = pipeline.parallel_results
    monkeypatch.setattr(
        pipeline,
        "parallel_results",
        lambda function, items, *rest, **options: (
            started.append(len(items)) or real(function, items, *rest, **options)
        ),
    )
    result = pipeline.check_project(folder, BuildCache(None))
    assert result.project is not None and not result.failed
    assert started == []


@pytest.mark.parametrize(
    ("cores", "sizes", "to_workers"),
    [
        (2, [100, 100, 100, 100, 5], [0, 2, 4]),  # half the text each
        (2, [100], [0]),  # one file: this process has other work meanwhile (the cache)
        (2, [10, 10, 300], [2]),  # the largest first
        (4, [100, 100, 100, 100], [0, 2, 3]),  # three workers, and this process
        (1, [100, 100], []),  # one core: no worker, nothing pickled
    ],
)
def test_the_workers_get_their_share_of_the_text(
    monkeypatch: pytest.MonkeyPatch, cores: int, sizes: list[int], to_workers: list[int]
) -> None:
    """This process parses the rest meanwhile: its trees need no pickling."""
    monkeypatch.setattr(pipeline, "cores", lambda: cores)
    sources = [SourceFile(f"{i}.metric", "x" * size) for i, size in enumerate(sizes)]
    assert pipeline._workers_share(list(range(len(sizes))), sources) == to_workers
