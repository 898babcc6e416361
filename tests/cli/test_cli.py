"""The command line: exit codes, help, config, and builds that never lose work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from metricc import __version__
from metricc.cli import main
from metricc.config import Config, find_config, load_config
from metricc.output import read_tree
from tests.conftest import METRICS

METRICC = [sys.executable, "-c", "from metricc.cli import entry; entry()"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(METRICS, tmp_path / "metrics")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version() -> None:
    assert run("--version") == (0, f"metricc, version {__version__}\n")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["lint"],
        ["compile"],
        ["query"],
        ["sample-warehouse"],
        ["check"],
        ["links"],
        ["fmt"],
        ["diff"],
        ["init"],
        ["rules"],
        ["rule"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, output = run(*command, "--help")
    assert code == 0
    assert "Examples:" in output and "metricc " in output


def test_lint_defaults_to_metrics_folder(project: Path) -> None:
    assert run("lint") == (0, "No problems found in 8 files.\n")


def test_lint_reports_and_exits_1(project: Path) -> None:
    (project / "metrics" / "bad.metric").write_text("team x {\n  review: never\n}\n")
    code, output = run("lint", "--format", "concise")
    assert code == 1
    assert output.startswith("metrics/bad.metric:2:11: error[MC204]: `never` is not a valid")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("findings", ["with findings", "clean"])
def test_compile_in_a_machine_format_prints_one_document_on_stdout(
    project: Path, fmt: str, findings: str
) -> None:
    """Its findings, even none, when building and when the build is up to date (which
    replays them without loading the lint rules); the summary goes to stderr."""
    if findings == "with findings":
        (project / "metrics" / "vanity.metric").write_text(
            'metric page_views_total {\n  title: "Page views"\n  owner: growth\n'
            "  grain: day\n  measure: count(events.event_id)\n}\n"
        )
    for summary in ("Compiled ", "Nothing to compile: "):  # each in a process of its own
        result = subprocess.run(
            [*METRICC, "compile", "--out", "build", "--format", fmt], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        found = document if fmt == "json" else document["runs"][0]["results"]
        assert bool(found) == (findings == "with findings")
        assert result.stderr.splitlines()[-1].startswith(summary)


def test_lint_json_carries_locations(project: Path) -> None:
    (project / "metrics" / "bad.metric").write_text("team x {\n  review: never\n}\n")
    result = CliRunner().invoke(main, ["lint", "--format", "json"])
    (finding,) = json.loads(result.stdout)
    assert {
        k: finding[k]
        for k in ("rule", "code", "severity", "path", "line", "column", "end_line", "end_column")
    } == {
        "rule": "invalid-choice",
        "code": "MC204",
        "severity": "error",
        "path": "metrics/bad.metric",
        "line": 2,
        "column": 11,
        "end_line": 2,
        "end_column": 16,
    }


def test_usage_errors_exit_2(project: Path) -> None:
    assert run("lint", "--format", "xml")[0] == 2
    assert run("compile", "--dialect", "nosuchsql")[0] == 2
    assert run("diff", "metrics", "metrics", "--dialect", "nosuchsql")[0] == 2
    assert run("query")[0] == 2


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("projekt = 'x'\n", "projekt"),
        ("out = 3\n", '`out`: should be a path, as a string (e.g. "build")'),
        ("[lint]\nfail_on = 'never'\n", "`lint.fail_on`: Input should be 'error' or 'warning'"),
        ("dialects = []\n", '`dialects` is empty: name at least one (e.g. ["duckdb"])'),
        (
            "[lint.options]\nkey_metric_limit = 'five'\n",
            "`[lint.options] key_metric_limit` (read by `too-many-key-metrics`) should be a "
            'whole number of at least 1, not "five"',
        ),
        ("[lint.options]\nteam_critical_budget = 0\n", "at least 1, not 0"),
        ("[lint.options]\nteam_critical_budget = 2.5\n", "at least 1, not 2.5"),
        ("[lint.options]\nkey_metric_limit = true\n", "at least 1, not true"),
        (
            "[lint.options]\nkey_metric_limt = 5\n",
            "`[lint.options]` has no `key_metric_limt` (did you mean `key_metric_limit`?)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["lint", "compile"])
def test_bad_config_is_a_usage_error(project: Path, toml: str, says: str, command: str) -> None:
    (project / "metricc.toml").write_text(toml)
    code, output = run(command)
    assert code == 2
    assert says in " ".join(output.split()) and "<class" not in output


def test_config_sets_defaults(project: Path) -> None:
    shutil.move(project / "metrics", project / "defs")
    (project / "metricc.toml").write_text(
        'project = "defs"\nout = "out"\ndialects = ["postgres"]\n'
    )
    assert run("compile")[0] == 0
    assert (project / "out" / "sql" / "postgres" / "dau.sql").is_file()


def test_without_a_config_file_the_defaults_are_those_validation_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built without validation when no file is found (config.py): the same values."""
    monkeypatch.chdir(tmp_path)
    assert find_config() is None
    assert load_config().dump() == Config().dump() == Config.validate({}).dump()


def test_compile_writes_manifest_schema_and_sql(project: Path) -> None:
    code, output = run(
        "compile", "metrics", "--out", "build", "--dialect", "duckdb", "--dialect", "postgres"
    )
    assert code == 0, output
    build = project / "build"
    manifest = json.loads((build / "manifest.json").read_text())
    assert "weekly_core_users" in manifest["project"]["metrics"]
    assert json.loads((build / "manifest.schema.json").read_text())["title"] == "metricc manifest"
    for dialect in ("duckdb", "postgres"):
        assert len(list((build / "sql" / dialect).glob("*.sql"))) == 29


def test_compile_is_deterministic(project: Path) -> None:
    """Every file of the build; the cache (`.metricc/`, with file times) is not the build."""
    run("compile", "--out", "a")
    run("compile", "--out", "b")
    a, b = read_tree(project / "a"), read_tree(project / "b")
    assert a and a == b


def test_failed_compile_leaves_previous_build(project: Path) -> None:
    assert run("compile", "--out", "build")[0] == 0
    before = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    (project / "metrics" / "bad.metric").write_text("metric broken {\n")
    code, output = run("compile", "--out", "build")
    assert code == 1
    assert "unchanged" in output
    after = {p: p.read_bytes() for p in (project / "build").rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".build")] == []


@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("metrics", "it holds the project (metrics)"),
        (".", "it holds the project (metrics)"),
        ("..", "it holds the project (metrics)"),
        ("notes", "it is not empty and no metricc build wrote it"),
    ],
)
def test_a_build_never_replaces_a_folder_it_did_not_write(
    project: Path, out: str, says: str
) -> None:
    """A build replaces its whole folder: the project, the working folder or anyone's
    files there would be lost. Refused as a usage error, before anything is read."""
    (project / "notes").mkdir()
    (project / "notes" / "mine.txt").write_text("kept")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    code, output = run("compile", "--out", out)
    assert code == 2 and f"cannot build into {out}: {says}" in output
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_a_build_goes_into_an_empty_folder_or_its_own(project: Path) -> None:
    (project / "empty").mkdir()
    assert run("compile", "--out", "empty")[0] == 0
    assert run("compile", "--out", "empty", "--no-cache")[0] == 0  # a folder a build wrote
    assert (project / "empty" / "manifest.json").is_file()
    shutil.rmtree(project / "empty" / ".metricc")  # committed to git without its cache
    assert run("compile", "--out", "empty")[0] == 0
    assert (project / "empty" / ".metricc").is_dir()


def test_a_build_never_replaces_the_warehouse_it_reads(project: Path, warehouse: Path) -> None:
    (project / "build").mkdir()
    shutil.copy(warehouse, project / "build" / "wh.duckdb")
    code, output = run("compile", "--out", "build", "--db", "build/wh.duckdb")
    assert code == 2 and "it holds the warehouse (build/wh.duckdb)" in output
    assert (project / "build" / "wh.duckdb").is_file()


@pytest.mark.parametrize("out", ["a-file/build", "a-file/deeper/build"])
def test_a_build_folder_that_cannot_be_made_is_an_error_not_a_traceback(
    project: Path, out: str
) -> None:
    (project / "a-file").write_text("not a folder")
    code, output = run("compile", "--out", out)
    assert code == 1
    assert output.startswith(f"error: cannot write the build into {out}: ")
    assert "(nothing was changed)" in output
    assert sorted(p.name for p in project.iterdir()) == ["a-file", "metrics"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["init", "a-file"], 2, "'a-file' is a file"),
        (["init", "a-file/sub"], 1, "error: cannot write a-file/sub/"),
        (["sample-warehouse", "a-folder"], 2, "a-folder is a folder, not a DuckDB file"),
        (["diff", "nowhere", "a-folder"], 2, "`nowhere` is neither a folder nor a git revision"),
        (["diff", "a-folder", "nowhere", "--project", "none"], 2, "no project folder (none)"),
    ],
)
def test_paths_that_cannot_be_used_are_errors_not_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, says: str
) -> None:
    monkeypatch.chdir(tmp_path)  # not in a git repository
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "metrics").mkdir()
    found, output = run(*args)
    assert found == code and says in output


def test_compile_check_without_a_build_folder_says_so(project: Path) -> None:
    code, output = run("compile", "--check", "--out", "nowhere")
    assert code == 1 and "nowhere is not a build folder" in output


def test_lint_of_one_project_file_checks_it_with_the_project(project: Path) -> None:
    """Its names are defined across the project's files: alone, a file was full of
    unknown names (the help's own example gave 37 errors)."""
    (project / "metrics" / "zz_bad.metric").write_text(
        'metric broken {\n  title: "B"\n  owner: nobody\n  grain: day\n'
        "  measure: count(events.user_id)\n}\n"
    )
    assert run("lint", "metrics/engagement.metric") == (0, "No problems found in 1 file.\n")
    code, output = run("lint", "metrics/zz_bad.metric", "--format", "concise")
    assert code == 1 and "metrics/zz_bad.metric:3:10: error[MC101]" in output
    assert "engagement.metric" not in output and "in 1 file." in output


@pytest.mark.parametrize("where", ["its folder", "a config beside it"])
def test_lint_of_a_file_outside_the_project_checks_it_with_its_own(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Another project's file (not the one metricc.toml or metrics/ names) is checked
    with the project of the metricc.toml nearest it, else with its folder's files."""
    other = project / "elsewhere" / "defs"
    shutil.copytree(project / "metrics", other)
    if where == "a config beside it":
        (project / "elsewhere" / "metricc.toml").write_text('project = "defs"\n')
    for cwd in (project, other):
        monkeypatch.chdir(cwd)
        target = "engagement.metric" if cwd == other else "elsewhere/defs/engagement.metric"
        assert run("lint", target) == (0, "No problems found in 1 file.\n")


def test_a_project_without_files_has_nothing_to_compile(project: Path) -> None:
    (project / "empty").mkdir()
    code, output = run("compile", "empty", "--out", "out")
    assert code == 1 and "warning[MC008]" in output
    assert (
        "error: nothing to compile (out is unchanged)" in output and "fix the errors" not in output
    )


def test_a_link_to_nothing_is_reported_not_skipped(project: Path) -> None:
    """Skipped, its definitions were silently missing from the project."""
    (project / "metrics" / "gone.metric").symlink_to(project / "nowhere.metric")
    code, output = run("lint", "--format", "concise")
    assert code == 1
    assert "error[MC007]: cannot read `metrics/gone.metric` (a link to `nowhere.metric`)" in output


def test_missing_project_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run("lint", "nowhere")
    assert code == 1
    assert "`nowhere` does not exist" in output


def test_catalogue_links_to_definition_files(project: Path) -> None:
    assert run("compile", "--out", "build")[0] == 0
    page = (project / "build" / "catalog" / "metrics" / "dau.md").read_text()
    target = (
        page.split("| defined in | [metrics/engagement.metric:")[1].split("](")[1].split(")")[0]
    )
    assert (project / "build" / "catalog" / "metrics" / target.split("#")[0]).resolve() == (
        project / "metrics" / "engagement.metric"
    ).resolve()


def test_a_build_that_fails_midway_leaves_the_old_one(tmp_path: Path) -> None:
    from metricc.output import BuildFolder

    out = tmp_path / "build"
    with BuildFolder(out) as build:
        build.add({"a.txt": "old"})
    with pytest.raises(RuntimeError), BuildFolder(out) as build:
        build.add({"a.txt": "new", "b.txt": "half"})
        raise RuntimeError("a backend failed")
    assert list(read_tree(out)) == ["a.txt"]
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_files_written_where_they_are_made_are_the_builds_and_kept_when_unchanged(
    tmp_path: Path,
) -> None:
    # Worker processes write the files they make into the staging folder (the
    # site's pages, through `rendered`'s store); the build records them as it
    # records what its writer writes.
    from metricc.cache import BuildCache, Reuse, Staged, rendered
    from metricc.output import BuildFolder

    out = tmp_path / "build"
    first = {f"site/{i}.html": f"page {i}" for i in range(60)}
    second = {**first, "site/3.html": "page 3, edited"}
    inodes: dict[str, int] = {}
    # A new build writes every file; an update, only what changed (then nothing).
    for texts, written in ((first, sorted(first)), (second, ["site/3.html"]), (second, [])):
        paths = sorted(texts)
        with BuildFolder(out, BuildCache(out if out.exists() else None)) as build:
            made = rendered(
                None, paths, str, str, texts.__getitem__, parallel_from=1, store=build.stage
            )
            build.add(dict(zip(paths, made, strict=True)))
        assert read_tree(out) == {path: text.encode() for path, text in texts.items()}
        staged = [path for path, file in zip(paths, made, strict=True) if isinstance(file, Staged)]
        assert staged == written
        assert all(isinstance(file, Reuse) for file in made if not isinstance(file, Staged))
        for path in set(inodes) - set(written):  # the others stayed where they were
            assert (out / path).stat().st_ino == inodes[path]
        inodes = {path: (out / path).stat().st_ino for path in paths}


def test_a_build_replaces_the_old_one_and_removes_it_whole(tmp_path: Path) -> None:
    from metricc.cache import BuildCache
    from metricc.output import BuildFolder

    out = tmp_path / "build"
    old = {f"{folder}/{i}.txt": f"{folder} {i}" for folder in ("a", "a/b", "c") for i in range(3)}
    with BuildFolder(out) as build:
        build.add(old)
    (out / "a" / "b" / "by-hand.txt").write_text("a file the build did not make")
    (out / "to-c").symlink_to(out / "c")  # the quick removal leaves it to rmtree
    for _ in range(2):  # the second time there is no link to leave to rmtree
        with BuildFolder(out, BuildCache(out)) as build:
            build.add({"a/0.txt": "a 0", "d/new.txt": "new"})
        assert read_tree(out) == {"a/0.txt": b"a 0", "d/new.txt": b"new"}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
