"""The build cache: a second compile reuses what is unchanged and is never stale.

The oracle is a clean build: after every edit, the incremental build must be
byte-for-byte what `compile --no-cache` writes into an empty folder.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from metricc import cache, home, parallel, pipeline
from metricc.backends.sql import query
from metricc.lint import base
from metricc.output import read_tree
from tests.cli.test_workflow import edit, run
from tests.conftest import METRICS, ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(METRICS, tmp_path / "metrics")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "metrics"


def compile_to(out: str, *extra: str) -> str:
    code, output = run("compile", "metrics", "--out", out, *extra)
    assert code == 0, output
    return output.strip().splitlines()[-1]


def assert_same_as_clean_build() -> None:
    shutil.rmtree("clean", ignore_errors=True)
    compile_to("clean", "--no-cache")
    assert read_tree(Path("build")) == read_tree(Path("clean"))


def test_an_unchanged_project_is_up_to_date_and_nothing_is_read_again_or_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compile_to("build")
    files = first.split("(")[1].split(" files")[0]
    folder = Path("build").stat().st_ino
    before = read_tree(Path("build"))

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an up-to-date build parsed its sources")

    monkeypatch.setattr(pipeline, "check_project", unreachable)
    second = compile_to("build")
    assert second == (
        "Nothing to compile: build/ is up to date (29 metrics, 2 SLOs, 9 goals, 8 teams, "
        f"14 sources; {files} files)."
    )
    assert Path("build").stat().st_ino == folder  # not swapped: nothing was written
    assert read_tree(Path("build")) == before


def test_files_an_edit_leaves_unchanged_stay_where_they_are(project: Path) -> None:
    compile_to("build")
    query = Path("build/sql/duckdb/stickiness.sql")
    inode = query.stat().st_ino
    teams = project / "teams.metric"
    teams.write_text(teams.read_text() + "# A comment: the file's tree changes, no output does.\n")
    second = compile_to("build")
    assert "unchanged, kept from the previous build" in second
    assert query.stat().st_ino == inode
    assert_same_as_clean_build()


def test_an_edit_to_a_source_reaches_the_formula_metric_that_depends_on_it(
    project: Path,
) -> None:
    compile_to("build")
    before = Path("build/sql/duckdb/stickiness.sql").read_text()
    assert '"occurred_at"' in before
    edit(project / "sources.metric", "  time: occurred_at\n", "  time: happened_at\n")
    output = compile_to("build")
    assert "kept from the previous build" in output
    after = Path("build/sql/duckdb/stickiness.sql").read_text()
    assert '"happened_at"' in after and '"occurred_at"' not in after
    assert_same_as_clean_build()


def test_a_title_edit_builds_no_query_and_rewrites_only_its_header(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No query is built: `dau`'s keeps its body under a new header (its title),
    and neither `stickiness` (computed from `dau`) nor the metrics written after
    `dau` (whose byte offsets move) are touched; the build equals a clean one."""
    compile_to("build")
    built: list[str] = []
    real = query.build_query

    def counting(project: Any, metric: str, dialect: str, *args: Any, **kwargs: Any) -> Any:
        built.append(metric)
        return real(project, metric, dialect, *args, **kwargs)

    monkeypatch.setattr(query, "build_query", counting)
    before = Path("build/sql/duckdb/dau.sql").read_text()
    edit(project / "engagement.metric", '"Daily active users"', '"Daily actives"')
    compile_to("build")
    assert built == []
    after = Path("build/sql/duckdb/dau.sql").read_text()
    assert after == before.replace("(Daily active users)", "(Daily actives)", 1) != before
    assert_same_as_clean_build()
    edit(project / "engagement.metric", "  grain: day\n", "  grain: week\n")  # its value now
    compile_to("build")
    assert "dau" in built


def test_an_edit_lints_the_unchanged_files_with_the_facts_the_build_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lint works out the facts of the edited file's metrics alone (it reads the
    kept ones of the others, whose expressions are then never loaded)."""
    compile_to("build")
    monkeypatch.setattr(parallel, "cores", lambda: 1)  # lint in this process: counted
    made: list[str] = []
    real = base.facts_of
    monkeypatch.setattr(base, "facts_of", lambda metric: made.append(metric.name) or real(metric))
    edit(project / "engagement.metric", '"Daily active users"', '"Daily actives"')
    compile_to("build")
    text = (project / "engagement.metric").read_text()
    assert sorted(made) == sorted(re.findall(r"^metric (\w+)", text, re.MULTILINE))
    assert_same_as_clean_build()


def test_an_edit_s_entries_pickled_aside_serve_the_next_compiles(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an edit, the edited file's tree and records are pickled by a process of
    their own and written last: the next edit of that file is parsed again from
    them where it changed, and an edit elsewhere reuses the records."""
    compile_to("build")
    asked: list[bool] = []
    real_aside = cache.aside

    def aside(function: Any, *args: Any) -> Any:
        asked.append(function is cache._made)
        return real_aside(function, *args)

    monkeypatch.setattr(cache, "aside", aside)
    reparsed: list[object] = []
    real_reparse = pipeline.reparse
    monkeypatch.setattr(
        pipeline, "reparse", lambda *a: reparsed.append(real_reparse(*a)) or reparsed[-1]
    )
    reused: list[str] = []
    real_resolve = pipeline.resolve_files

    def resolve_files(*args: Any) -> Any:
        reused.extend(args[3] if len(args) > 3 else ())
        return real_resolve(*args)

    monkeypatch.setattr(pipeline, "resolve_files", resolve_files)
    engagement = project / "engagement.metric"
    edit(engagement, '"Daily active users"', '"Daily actives"')
    compile_to("build")
    assert asked.count(True) == 1
    reparsed.clear()
    edit(engagement, '"Daily actives"', '"Daily active people"')
    compile_to("build")
    assert reparsed and None not in reparsed
    reused.clear()
    edit(project / "goals.metric", "Users keep coming back", "Users stay")
    compile_to("build")
    assert "metrics/engagement.metric" in reused
    assert_same_as_clean_build()


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    (
        "an input metric's description",
        lambda p: edit(p / "engagement.metric", "Distinct users with any", "Users with any"),
    ),
    ("a target", lambda p: edit(p / "engagement.metric", ">= 25% by", ">= 30% by")),
    ("a goal's title", lambda p: edit(p / "goals.metric", "Users keep coming back", "Users stay")),
    ("a leads link", lambda p: edit(p / "customers.metric", "  leads: nps\n", "")),
    (
        "a metric's owner and goal",  # it moves between team pages and goal pages
        lambda p: edit(
            p / "engagement.metric",
            "  owner: growth\n  goal: retention\n  tier: supporting",
            "  owner: product\n  goal: activation\n  tier: supporting",
        ),
    ),
    (  # the pages of the goal below it show the new path
        "a goal's parent",
        lambda p: edit(p / "goals.metric", "  parent: revenue\n", "  parent: retention\n"),
    ),
    (
        "a formula input",
        lambda p: edit(
            p / "engagement.metric", "formula: dau / mau", "formula: weekly_core_users / mau"
        ),
    ),
    ("a table", lambda p: edit(p / "sources.metric", "  table: events\n", "  table: raw.events\n")),
    ("a team's channel", lambda p: edit(p / "teams.metric", "#", "#x-")),
    (  # its dbt test and its team's Grafana rules change
        "a threshold",
        lambda p: edit(p / "engagement.metric", "warn: < 45% for 2", "warn: < 40% for 2"),
    ),
    (  # its team's Grafana rules lose it
        "a metric no longer watched",
        lambda p: edit(p / "engagement.metric", "  warn: < 12% for 3 periods\n", ""),
    ),
    (  # its rules move from one team's Grafana file to the other's
        "a watched metric's owner",
        lambda p: edit(
            p / "engagement.metric",
            "  owner: growth\n  goal: activation\n  tier: key\n  indicator: leading\n"
            "  leads: weekly_core_users",
            "  owner: finance\n  goal: activation\n  tier: key\n  indicator: leading\n"
            "  leads: weekly_core_users",
        ),
    ),
    (
        "lines above a metric",
        lambda p: edit(p / "engagement.metric", "metric dau {", "\n\nmetric dau {"),
    ),
    (
        "a new file",
        lambda p: (p / "extra.metric").write_text(
            'metric extra_orders {\n  title: "Extra orders"\n  owner: growth\n'
            "  goal: revenue\n"
            "  unit: count\n  direction: up\n  grain: week\n  indicator: lagging\n"
            "  measure: count(orders.order_id)\n  target: >= 10 by 2027-03-31\n"
            '  action: "Look at the funnel."\n}\n'
        ),
    ),
    ("a deleted file", lambda p: (p / "delivery.metric").unlink()),
    (  # `nps` is as it was; its page shows what now leads it
        "a metric that now leads another",
        lambda p: edit(
            p / "delivery.metric",
            "  indicator: lagging\n  unit: count",
            "  indicator: lagging\n  leads: nps\n  unit: count",
        ),
    ),
    (  # `merged_prs`, as it was and unlinked to it, is now its duplicate: its page says so
        "a finding on a metric that did not change",
        lambda p: edit(
            p / "customers.metric",
            "  dimensions: task\n  numerator: count(task_attempts.attempt_id) where "
            "task_attempts.succeeded\n  denominator: count(task_attempts.attempt_id)\n",
            "  dimensions: team\n  measure: count(pull_requests.pr_id)\n",
        ),
    ),
    (  # both teams' pages list their SLOs
        "an SLO's owner",
        lambda p: edit(
            p / "reliability.metric",
            'warehouse."\n  owner: platform',
            'warehouse."\n  owner: engineering',
        ),
    ),
]


@pytest.mark.parametrize("change", [e[1] for e in EDITS], ids=[e[0] for e in EDITS])
def test_after_an_edit_the_build_equals_a_clean_build(
    project: Path, change: Callable[[Path], None]
) -> None:
    compile_to("build")
    change(project)
    compile_to("build")
    assert_same_as_clean_build()


def test_an_edit_makes_again_the_keys_of_only_what_reads_the_edited_block(
    project: Path,
) -> None:
    """The other outputs keep their keys without making them (37,000 of them in a
    large project): none of the blocks they read has changed."""
    compile_to("build")
    made: list[object] = []
    real = cache._noted

    def noting(make: Any, item: Any) -> Any:
        made.append(item)
        return real(make, item)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "_noted", noting)
        edit(project / "engagement.metric", '"Daily active users"', '"Daily actives"')
        compile_to("build")
    for item in (("duckdb", "dau"), "dau", "catalog/metrics/dau.md", "catalog/README.md"):
        assert item in made
    for item in (("duckdb", "nps"), "nps", "catalog/metrics/nps.md", "catalog/goals/delivery.md"):
        assert item not in made
    assert_same_as_clean_build()


# Two metrics on one line (newlines carry no meaning): both keep their file and line
# when they swap places, but the project's order, which lists follow, changes.
EXTRA_A = (
    'metric extra_a { title: "Extra A" owner: growth goal: retention indicator: leading '
    "leads: dau grain: week measure: count(events.event_id) }"
)
EXTRA_B = (
    'metric extra_b { title: "Extra B" owner: growth goal: retention indicator: leading '
    'leads: dau grain: week measure: count(sessions.session_id) action: "b" }'
)


def test_two_blocks_on_one_line_that_swap_places_reorder_what_lists_them(
    project: Path,
) -> None:
    """`dau`'s "led by", the goal's and the team's lists follow the new order; and a
    finding on one of the two is shown on its own page, not its neighbour's."""
    engagement = project / "engagement.metric"
    engagement.write_text(engagement.read_text() + f"\n{EXTRA_A} {EXTRA_B}\n")
    compile_to("build")
    edit(engagement, f"{EXTRA_A} {EXTRA_B}", f"{EXTRA_B} {EXTRA_A}")
    compile_to("build")
    assert_same_as_clean_build()
    page = Path("build/catalog/metrics/dau.md").read_text()
    assert page.index("[`extra_b`](extra_b.md)") < page.index("[`extra_a`](extra_a.md)")
    missing = "- `missing-action`: \\`extra\\_a\\` says nothing about what to do"
    assert missing in Path("build/catalog/metrics/extra_a.md").read_text()
    assert "missing-action" not in Path("build/catalog/metrics/extra_b.md").read_text()


def _prepend(path: Path, text: str) -> None:
    path.write_text(text + path.read_text())


def _touch(path: str) -> None:
    later = time.time_ns() + 10**9
    os.utime(path, ns=(later, later))


IGNORE_VANITY = '[lint]\nignore = ["vanity-metric"]\n'

# Anything a build is made from, changed (with the compile's options after it): the
# next compile builds again, and the one after that has nothing to do.
INPUTS: list[tuple[str, Callable[[Path], object], tuple[str, ...]]] = [
    ("a source", lambda p: edit(p / "engagement.metric", ">= 25% by", ">= 30% by"), ()),
    ("a comment", lambda p: _prepend(p / "goals.metric", "# A comment.\n"), ()),
    ("a new file", lambda p: (p / "empty.metric").write_text("# Nothing yet.\n"), ()),
    ("a removed file", lambda p: (p / "delivery.metric").unlink(), ()),
    ("the dialects", lambda p: None, ("--dialect", "postgres")),
    ("the config", lambda p: Path("metricc.toml").write_text(IGNORE_VANITY), ()),
    ("a build file's stamp", lambda p: _touch("build/manifest.json"), ()),
    (
        "a build file's bytes",
        lambda p: Path("build/sql/duckdb/dau.sql").write_text("SELECT 1;\n"),
        (),
    ),
    ("a file added to the build", lambda p: Path("build/notes.txt").write_text("Mine.\n"), ()),
    ("a file removed from the build", lambda p: Path("build/sql/duckdb/dau.sql").unlink(), ()),
    ("the cache's record", lambda p: Path("build/.metricc/outcome.pickle").unlink(), ()),
]


@pytest.mark.parametrize(("change", "options"), [i[1:] for i in INPUTS], ids=[i[0] for i in INPUTS])
def test_a_changed_input_or_build_folder_is_built_again(
    project: Path, change: Callable[[Path], object], options: tuple[str, ...]
) -> None:
    compile_to("build")
    assert compile_to("build").startswith("Nothing to compile:")
    change(project)
    assert compile_to("build", *options).startswith("Compiled ")
    assert compile_to("build", *options).startswith("Nothing to compile:")
    shutil.rmtree("clean", ignore_errors=True)
    compile_to("clean", "--no-cache", *options)
    assert read_tree(Path("build")) == read_tree(Path("clean"))


def test_with_a_warehouse_every_compile_builds(project: Path, warehouse: Path) -> None:
    """The catalogue then shows each metric's current state: rows that no digest covers."""
    for _ in range(2):
        assert compile_to("build", "--db", str(warehouse)).startswith("Compiled ")


@pytest.mark.parametrize("fmt", ["human", "json", "github"])
def test_an_up_to_date_build_reports_the_findings_the_build_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    shutil.copytree(ROOT / "examples" / "flawed", tmp_path / "flawed")
    monkeypatch.chdir(tmp_path)
    built = run("compile", "flawed", "--format", fmt)
    again = run("compile", "flawed", "--format", fmt)
    assert built[0] == again[0] == 0
    findings, summary = built[1].rstrip("\n").rsplit("\n", 1)
    assert "warning" in findings and summary.startswith("Compiled ")
    assert again[1].rstrip("\n").rsplit("\n", 1)[0] == findings


def test_a_hand_edited_build_file_is_not_trusted(project: Path) -> None:
    compile_to("build")
    query = Path("build/sql/duckdb/stickiness.sql")
    good = query.read_text()
    query.write_text("SELECT 1;\n")
    compile_to("build")
    assert query.read_text() == good


def test_a_damaged_cache_is_a_miss_not_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_to("build")
    for pickle in Path("build/.metricc/parse").iterdir():
        pickle.write_bytes(b"not a pickle")
    index = Path("build/.metricc/index.marshal")
    data = marshal.loads(index.read_bytes())
    files = data["whole"]["files"]
    data["whole"]["files"] = {path: entry for path, entry in files.items() if "parse" not in path}
    index.write_bytes(marshal.dumps(data))
    compile_to("build")
    assert_same_as_clean_build()
    foreign = {"compiler": 1, "files": [], "renders": 2}
    for damaged in (b"not marshal data", marshal.dumps(foreign), marshal.dumps([])):
        compile_to("build")
        index.write_bytes(damaged)
        assert "kept from the previous build" not in compile_to("build")
    monkeypatch.setattr(cache, "CHANGES_UNDER", 1 / 3)  # see the test below
    changes = Path("build/.metricc/index-changes.marshal")
    damages: list[Callable[[bytes], bytes]] = [
        lambda data: b"not marshal data",
        lambda data: marshal.dumps({**marshal.loads(data), "base": "another index"}),
    ]
    for title, damage in zip(["Users stay", "Users come back"], damages, strict=True):
        edit(project / "goals.metric", "Users keep coming back", title)
        compile_to("build")
        changes.write_bytes(damage(changes.read_bytes()))
        assert "kept from the previous build" not in compile_to("build")
        edit(project / "goals.metric", title, "Users keep coming back")
        compile_to("build")
    assert_same_as_clean_build()


def test_an_update_writes_the_index_s_changes_while_they_are_few(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While few files change, the index written whole stays and only what differs
    from it is written beside it; read together, they are the index."""
    monkeypatch.setattr(cache, "CHANGES_UNDER", 1 / 3)  # a small project's edit: a fifth
    compile_to("build")
    index = Path("build/.metricc/index.marshal")
    changes = Path("build/.metricc/index-changes.marshal")
    whole = index.read_bytes()
    goals = project / "goals.metric"
    edit(goals, "Users keep coming back", "Users stay")
    assert "kept from the previous build" in compile_to("build")
    assert index.read_bytes() == whole and changes.exists()
    edit(goals, "Users stay", "Users come back")  # read with its changes: reused
    assert "kept from the previous build" in compile_to("build")
    assert_same_as_clean_build()
    assert index.read_bytes() == whole
    for path in project.glob("*.metric"):  # most outputs change: written whole
        path.write_text(path.read_text().replace("owner: growth", "owner: product"))
    compile_to("build")
    assert index.read_bytes() != whole and not changes.exists()
    assert_same_as_clean_build()


def test_another_compiler_reuses_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compile_to("build")
    monkeypatch.setattr(cache, "compiler_fingerprint", lambda: "another compiler")
    assert "kept from the previous build" not in compile_to("build")


def test_the_fingerprint_reads_the_versions_importlib_metadata_gives() -> None:
    from importlib import metadata

    assert home._versions() == {name: metadata.version(name) for name in home.LIBRARIES}


def test_a_library_not_found_by_its_folder_is_asked_of_importlib_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import metadata

    def unlistable(folder: str) -> list[str]:
        raise NotADirectoryError(folder)

    monkeypatch.setattr(home.os, "listdir", unlistable)  # as if every entry were a zip
    assert home._versions() == {name: metadata.version(name) for name in home.LIBRARIES}


def test_no_cache_builds_everything_afresh(project: Path) -> None:
    compile_to("build")
    assert "kept from the previous build" not in compile_to("build", "--no-cache")


def test_compile_check_ignores_the_cache_folder(project: Path) -> None:
    compile_to("build")
    shutil.rmtree("build/.metricc")
    code, output = run("compile", "metrics", "--out", "build", "--check")
    assert code == 0, output


def test_digests_made_up_front_on_every_core_are_those_made_on_demand(
    reference_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metricc import parallel
    from metricc.backends import inputs
    from metricc.backends.inputs import Inputs

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)  # the reference set is small
    monkeypatch.setattr(inputs, "HERE_BELOW", 0)
    prepared, lazy = Inputs(reference_project), Inputs(reference_project)
    prepared.prepare()
    p = reference_project
    blocks = [*p.metrics.values(), *p.sources.values(), *p.teams.values(), *p.goals.values()]
    assert len(prepared._whole) == len(blocks) and len(prepared._closures) == len(p.metrics)
    for block in blocks:
        assert prepared._whole[id(block)] == lazy.whole(block)
    for name in p.metrics:
        assert prepared._closures[name] == lazy.metric(name)


def test_digests_asked_for_again_are_not_made_again(reference_project: Any) -> None:
    from metricc.backends.inputs import Inputs

    inputs = Inputs(reference_project)
    inputs.prepare()
    made = dict(inputs._whole)
    assert inputs.prepare() == {}
    assert inputs._whole == made


@pytest.mark.parametrize(
    ("change", "recomputed"),
    [
        (("engagement.metric", '"Daily active users"', '"Daily actives"'), {"engagement"}),
        (("sources.metric", "  time: occurred_at\n", "  time: happened_at\n"), "every file"),
    ],
    ids=["a title", "a source"],
)
def test_a_file_s_stored_digests_serve_while_its_resolution_is_the_same(
    project: Path, change: tuple[str, str, str], recomputed: object
) -> None:
    """Block digests are stored per file's resolution (its text and the project's
    source blocks): an edited file's are made again, and a source edit makes all."""
    from metricc.backends.inputs import DIGESTS, Inputs
    from metricc.cache import BuildCache, Reuse, entry_path

    compile_to("build")
    edit(project / change[0], *change[1:])
    cache = BuildCache(Path("build"))
    compilation = pipeline.check_project(Path("metrics"), cache)
    assert compilation.project is not None
    prepared = Inputs(compilation.project)
    entries = prepared.prepare(cache, compilation.resolutions)
    made = {
        Path(path).stem
        for path, key in compilation.resolutions.items()
        if not isinstance(entries[entry_path(DIGESTS, key)], Reuse)
    }
    assert len(entries) == len(compilation.resolutions)
    assert made == (
        {Path(p).stem for p in compilation.resolutions}
        if recomputed == "every file"
        else recomputed
    )
    lazy, p = Inputs(compilation.project), compilation.project
    for block in [*p.metrics.values(), *p.sources.values(), *p.teams.values(), *p.goals.values()]:
        assert prepared.whole(block) == lazy.whole(block)
    for name in p.metrics:
        assert prepared.metric(name) == lazy.metric(name)


@pytest.mark.parametrize("cache", ["an update", "--no-cache"])
def test_a_ctrl_c_while_the_build_is_moved_in_waits_for_a_whole_build(
    project: Path, cache: str
) -> None:
    """The interrupt is held until the new build is whole, then stops the command;
    nothing temporary is left beside the build or in it."""
    from metricc.output import BuildFolder

    compile_to("build")
    commit = BuildFolder._commit

    def interrupted(self: BuildFolder) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        commit(self)

    edit(project / "engagement.metric", '"Daily active users"', '"Daily actives"')
    options = ("--no-cache",) if cache == "--no-cache" else ()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BuildFolder, "_commit", interrupted)
        code, output = run("compile", "metrics", "--out", "build", *options)
    assert code == 1 and "Aborted!" in output
    assert sorted(p.name for p in Path().iterdir()) == ["build", "metrics"]
    assert not list(Path("build/.metricc").glob("staging-*"))
    assert compile_to("build").startswith("Nothing to compile:")  # the build it made is whole
    assert_same_as_clean_build()


def test_an_update_removes_what_the_build_no_longer_makes(project: Path) -> None:
    extra = project / "extra.metric"
    extra.write_text(
        'metric dau_copy {\n  title: "Daily actives, again"\n  owner: growth\n'
        "  goal: company\n  grain: day\n  measure: count_distinct(events.user_id)\n}\n"
    )
    compile_to("build")
    assert Path("build/sql/duckdb/dau_copy.sql").is_file()
    stray = Path("build/catalog/notes/stray.md")  # not made by any build
    stray.parent.mkdir()
    stray.write_text("left here by hand")
    extra.unlink()
    compile_to("build")
    assert not Path("build/sql/duckdb/dau_copy.sql").exists()
    assert not stray.parent.exists()  # and the folder it leaves empty
    assert_same_as_clean_build()


@pytest.mark.parametrize("links", ["hard links", "no hard links"])
def test_a_failed_update_puts_the_previous_build_back(project: Path, links: str) -> None:
    compile_to("build")
    stray = Path("build/notes/mine.txt")  # removed by an update, with its folder: put back
    stray.parent.mkdir()
    stray.write_text("kept by hand")
    before = {p: p.read_bytes() for p in Path("build").rglob("*") if p.is_file()}
    edit(project / "engagement.metric", '"Daily active users"', '"Daily actives"')
    replace, calls = os.replace, []

    def fails_the_third_time(source: str, target: str) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        replace(source, target)

    def no_links(source: str, target: str) -> None:
        raise OSError(1, "Operation not permitted")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", fails_the_third_time)
        if links == "no hard links":
            patch.setattr(os, "link", no_links)
        code, output = run("compile", "metrics", "--out", "build")
    assert code == 1
    assert "cannot write the build into build: [Errno 28] No space left on device" in output
    assert len(calls) > 3  # two files were moved in, then put back
    assert {p: p.read_bytes() for p in Path("build").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in Path().iterdir()) == ["build", "metrics"]  # no staging left
    assert "unchanged, kept from the previous build" in compile_to("build")
    assert_same_as_clean_build()
