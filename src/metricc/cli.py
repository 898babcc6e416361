"""The command line: the only module that prints or chooses an exit code.

Exit codes: 0 clean, 1 problems found (or a critical alert, for `check`),
2 usage errors (bad options, unreadable config). Heavy modules are imported
inside the commands so that `metricc --help` starts fast.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from metricc import __version__

if TYPE_CHECKING:
    from metricc.cache import BuildCache, Store, Text
    from metricc.config import Config
    from metricc.diagnostics import Diagnostic
    from metricc.lint import Selection
    from metricc.lint.facts import Facts
    from metricc.model import ast
    from metricc.model.semantic import Project
    from metricc.pipeline import Compilation
    from metricc.span import SourceFile

FORMATS = ["human", "concise", "json", "github", "sarif"]
FOR_PEOPLE = ("human", "concise")  # the formats that a summary line follows


def _use_color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


WAREHOUSE_HELP = (
    "The warehouse: a DuckDB file, postgresql://USER@HOST/DB, or spark:FOLDER of Parquet "
    "files (default: `warehouse` in metricc.toml, else warehouse.duckdb)."
)


def _config(ctx: click.Context) -> Config:
    from metricc.config import ConfigError, load_config

    obj = ctx.ensure_object(dict)
    if "config" not in obj:
        try:
            obj["config"] = load_config(obj.get("config_path"))
        except ConfigError as error:
            raise click.UsageError(str(error)) from error
    config: Config = obj["config"]
    return config


def _project_path(ctx: click.Context, path: Path | None) -> Path:
    config = _config(ctx)
    return path if path is not None else config.resolve_path(config.project)


def report(
    diagnostics: list[Diagnostic],
    sources: Mapping[str, SourceFile],
    fmt: str,
    *,
    err: bool = False,
) -> None:
    """Print diagnostics in a format (quoting `sources`), with a summary line for people."""
    from metricc.diagnostics.render import RENDERERS

    if fmt == "sarif":  # it describes each rule found: the rules register their codes
        import metricc.lint  # noqa: F401
    stream = sys.stderr if err else sys.stdout
    text = RENDERERS[fmt](diagnostics, sources, _use_color(stream))
    if text:
        click.echo(text, file=stream, nl=False)
    if fmt in FOR_PEOPLE:
        click.echo(_summary(diagnostics, len(sources)), err=True)


def _summary(diagnostics: list[Diagnostic], files: int) -> str:
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[d.severity.value] = counts.get(d.severity.value, 0) + 1
    plural = "" if files == 1 else "s"
    if not counts:
        return f"No problems found in {files} file{plural}."
    parts = [f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in sorted(counts.items())]
    return f"Found {', '.join(parts)} in {files} file{plural}."


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def entry() -> NoReturn:
    """The `metricc` command: `main`, then an exit that skips tearing down the heap.

    A large project's model is millions of objects; freeing them one by one at
    interpreter exit took seconds after the work was done. Everything is
    written, flushed and closed by then (as mypy's own command does).
    """
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="metricc")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this metricc.toml instead of the nearest one.",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """metricc: metrics as code.

    Define metrics, goals, teams, sources and SLOs in .metric files; metricc
    checks them, lints them for bad practice and compiles them into warehouse
    SQL, alert rules and a catalogue.

    \b
    Examples:
      metricc lint metrics
      metricc compile metrics --out build --dialect duckdb --dialect postgres
      metricc sample-warehouse warehouse.duckdb
      metricc query weekly_core_users --db warehouse.duckdb
    """
    ctx.ensure_object(dict)["config_path"] = config_path
    ctx.call_on_close(_release)


def _release() -> None:
    """Give what the pipeline froze back to the collector, if it ran (a command that
    never imported it, such as an up-to-date compile, froze nothing)."""
    pipeline = sys.modules.get("metricc.pipeline")
    if pipeline is not None:
        pipeline.release()


def _names(values: tuple[str, ...]) -> list[str]:
    return [n.strip() for value in values for n in value.split(",") if n.strip()]


def _selection(ctx: click.Context, select: tuple[str, ...], ignore: tuple[str, ...]) -> Selection:
    """The lint rules to run, as the config and options choose them (an unknown rule
    or a bad option is a usage error, before any work)."""
    from metricc.lint import Selection, SelectionError

    config = _config(ctx).lint
    selection = Selection(
        select=_names(select) or config.select,
        ignore=[*config.ignore, *_names(ignore)],
        severity=dict(config.severity),
        options=dict(config.options),
    )
    try:
        selection.rules()
    except SelectionError as error:
        raise click.BadParameter(str(error), param_hint="--select/--ignore") from error
    problems = selection.option_problems()
    if problems:
        raise click.UsageError(f"{_config(ctx).path}: " + "; ".join(problems))
    return selection


def run_checks(
    ctx: click.Context, path: Path | None, select: tuple[str, ...], ignore: tuple[str, ...]
) -> tuple[Compilation, list[Diagnostic]]:
    """Parse, resolve and (when that is clean) lint: the findings, sorted."""
    from metricc.lint import lint
    from metricc.pipeline import check_project

    selection = _selection(ctx, select, ignore)
    compilation = check_project(_project_path(ctx, path))
    if not compilation.failed and compilation.project is not None:
        compilation.diagnostics += lint(compilation.project, compilation.files, selection)
    return compilation, compilation.sorted_diagnostics()


def _lint_scope(ctx: click.Context, path: Path | None) -> tuple[Path, Path | None]:
    """What `lint PATH` checks, and the one file whose findings it shows, if any. A
    file is checked with its project (its names are defined across the project's
    files, so alone it would be full of unknown names): the configured project if
    the file is in it, else the project of the metricc.toml nearest the file, else
    the folder the file is in."""
    from metricc.config import ConfigError, find_config, load_config

    project = _project_path(ctx, None)
    if path is None or not path.is_file():
        return path if path is not None else project, None
    file = path.resolve()
    candidates = [project]
    nearest = find_config(file.parent)
    if nearest is not None:
        try:
            config = load_config(nearest)
            candidates.append(config.resolve_path(config.project))
        except ConfigError:  # another project's broken config: its folder will do
            pass
    for folder in candidates:
        if folder.is_dir() and folder.resolve() in file.parents:
            return folder, file
    return file.parent, file


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="human",
    show_default=True,
    help="How to print findings.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (names or codes, comma-separated; default: all).",
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    help="Exit 1 when a finding is at least this severe (default: metricc.toml, else warning).",
)
@click.pass_context
def lint(
    ctx: click.Context,
    path: Path | None,
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
) -> None:
    """Check PATH (default: the project folder, `metrics/`) and lint it for bad practice.

    Errors (definitions that cannot mean anything) are always reported; lint
    rules run once there are none. `metricc rules` lists the rules.

    \b
    Examples:
      metricc lint                      # the project in metricc.toml, else metrics/
      metricc lint metrics/engagement.metric   # its findings, the project checked
      metricc lint --format github      # annotations on a pull request
      metricc lint --select vanity-metric,orphan-metric --fail-on error
    """
    from metricc.diagnostics import Severity

    project, only = _lint_scope(ctx, path)
    compilation, diagnostics = run_checks(ctx, project, select, ignore)
    sources = compilation.sources
    if only is not None:  # a file of the project: checked with it, its findings shown
        diagnostics = [d for d in diagnostics if d.span and Path(d.span.file).resolve() == only]
        sources = {name: s for name, s in sources.items() if Path(name).resolve() == only}
    report(diagnostics, sources, fmt)
    threshold = Severity(fail_on or _config(ctx).lint.fail_on)
    failing = [d for d in diagnostics if d.severity.rank >= threshold.rank]
    sys.exit(1 if failing else 0)


@main.command()
def rules() -> None:
    """List the lint rules: code, name and what each finds.

    \b
    Examples:
      metricc rules
      metricc rule vanity-metric
    """
    from metricc.lint.rules import RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.summary}")


@main.command()
@click.argument("name")
def rule(name: str) -> None:
    """Print the documentation of one lint rule (by name or code).

    \b
    Examples:
      metricc rule vanity-metric
      metricc rule MC502
    """
    from metricc.diagnostics.suggest import did_you_mean
    from metricc.lint import BY_NAME

    found = BY_NAME.get(name)
    if found is None:
        hint = did_you_mean(name, [r.name for r in BY_NAME.values()], "rule") or ""
        raise click.BadParameter(f"no rule `{name}`; {hint}", param_hint="NAME")
    click.echo(f"# {found.name} ({found.code})\n")
    click.echo(found.doc())


# The last compile's model, cache and build record (see the end of `compile_`).
LEFT_FOR_EXIT: list[object] = []

# The modules a compile that builds imports, each with all it imports (jinja2,
# cmark-gfm, PyYAML): done while workers parse (`_import_builders`).
BUILDERS = (
    "metricc.backends.sql",
    "metricc.backends.alerts",
    "metricc.backends.catalog.markdown",
    "metricc.backends.catalog.site",
    "metricc.backends.manifest",
    "metricc.display",
    "metricc.lint",
)
# And those that build queries, with sqlglot (~0.16 s), where every query is built:
# a compile after an edit builds few, or none when only titles changed.
QUERY_BUILDERS = ("metricc.backends.sql.query", "metricc.backends.alerts.checks")


def _import_builders(queries: bool) -> None:
    for name in BUILDERS + (QUERY_BUILDERS if queries else ()):
        importlib.import_module(name)


def _built_for(cache: BuildCache, dialects: list[str]) -> bool:
    """Whether the previous build (by this compiler: its index is used) was made for
    exactly these dialects, each checked then. Its settings are the JSON `compile`
    wrote, or empty when a warehouse made them incomparable."""
    import json

    return bool(cache.settings) and json.loads(cache.settings)[0] == dialects


def _check_dialects(chosen: list[str]) -> None:
    """Unknown dialect names are usage errors."""
    from sqlglot.dialects.dialect import Dialect

    for name in chosen:
        try:
            Dialect.get_or_raise(name)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--dialect") from error


@main.command(name="compile")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="The build folder (default: `out` in metricc.toml, else build/).",
)
@click.option(
    "--dialect",
    "dialects",
    multiple=True,
    metavar="NAME",
    help="SQL dialect to write (repeatable): duckdb, postgres, snowflake, bigquery, "
    "spark, trino, redshift, or any sqlglot dialect. Default: metricc.toml, else duckdb.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="human",
    show_default=True,
    help="How to print problems.",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 and name the files when the build folder is not what the "
    "sources compile to now.",
)
@click.option(
    "--db",
    help="A warehouse, as for `query`: the catalogue then shows each metric's current state.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Build everything afresh instead of reusing what the previous build made "
    "from unchanged inputs.",
)
@click.pass_context
def compile_(
    ctx: click.Context,
    path: Path | None,
    out: Path | None,
    dialects: tuple[str, ...],
    fmt: str,
    check_only: bool,
    db: str | None,
    no_cache: bool,
) -> None:
    """Compile PATH into a build folder: manifest, SQL, alert rules and the catalogue.

    The folder is replaced only when the whole build succeeds: a failed
    compile leaves the previous build untouched. What the previous build made
    from inputs that have not changed is reused (its cache is in
    OUT/.metricc/); when nothing changed and OUT is as that build left it,
    its findings are printed again and nothing is written. --no-cache builds
    everything afresh.

    \b
    Examples:
      metricc compile
      metricc compile metrics --out build --dialect duckdb --dialect postgres
      metricc compile --check         # in CI, when build/ is committed
      metricc compile --no-cache      # ignore what the previous build made
    """
    from metricc.cache import BuildCache

    config = _config(ctx)
    # The dialects asked for, else the config's: checked once there is something to
    # build (a build is never made with an unknown one, so no up-to-date build has one).
    chosen = list(dict.fromkeys(dialects or config.dialects))
    target = out if out is not None else config.resolve_path(config.out)
    cache = BuildCache(None if no_cache or not target.is_dir() else target)
    # A warehouse's rows are an input no digest covers: with one, every compile builds.
    settled = not check_only and not (db or config.warehouse)
    if settled and cache.inputs and _up_to_date(ctx, path, target, chosen, cache, fmt):
        return
    from metricc.output import BuildFolder, refusal

    if not check_only:  # before the project is read: a refused build costs nothing
        keep = {"the project": _project_path(ctx, path), "the working folder": Path.cwd()}
        warehouse = _warehouse(ctx, db, default=None)
        if warehouse is not None and warehouse.engine in ("duckdb", "spark"):
            keep["the warehouse"] = Path(warehouse.location)
        reason = refusal(target, keep)
        if reason:
            raise click.UsageError(f"cannot build into {target}: {reason}")
    from metricc.parallel import aside, collector_paused
    from metricc.pipeline import check_project

    selection = _selection(ctx, (), ())
    # What builds is imported once there is something to build (an up-to-date build
    # needs none of it), while workers parse the edited files; then the dialects
    # are checked, by sqlglot.
    compilation = check_project(
        _project_path(ctx, path),
        cache,
        meanwhile=functools.partial(_import_builders, not cache.renders),
    )
    if not _built_for(cache, chosen):  # else known: a build was made for them
        _check_dialects(chosen)
    from metricc.backends.alerts import alert_files, checks_from_queries
    from metricc.backends.catalog.markdown import catalog_files
    from metricc.backends.catalog.site import site_files
    from metricc.backends.inputs import FINDINGS, inputs_of
    from metricc.backends.manifest import manifest_files
    from metricc.backends.sql import sql_files
    from metricc.display import describe_build, project_counts

    project = compilation.project
    # Lint runs in a forked process while this one makes the outputs that show no
    # findings (the manifest, SQL, alerts); the catalogue waits for them.
    linted, kept = None, {}
    if not compilation.failed and project is not None:
        kept = _kept_facts(cache, compilation.resolutions)
        linted = aside(_lint_keeping, project, compilation.files, selection, kept)
        if not check_only and 2 * len(compilation.reused) > len(compilation.sources):
            cache.pickle_aside()  # most of the project was resolved before: an edit

    def findings() -> list[Diagnostic]:
        """Every finding, lint's included: reported; a compile with errors, or with
        nothing to compile, stops here."""
        if linted is not None:
            found, made = linted()
            compilation.diagnostics += found
            assert project is not None  # linted only then
            _keep_facts(cache, compilation.resolutions, kept, made, project)
        diagnostics = compilation.sorted_diagnostics()
        _report_findings(diagnostics, compilation.sources, fmt)
        if compilation.failed:
            fail(f"nothing written: fix the errors above ({target} is unchanged)")
        if project is None:  # no .metric file: the warning above says where
            fail(f"nothing to compile ({target} is unchanged)")
        if settled:  # keyed by the very texts compiled, not by a second reading
            made_from = _build_inputs(ctx, path, target, chosen, compilation.sources.values())
            cache.keep_outcome(made_from, (diagnostics, counts))
        return diagnostics

    if project is None or compilation.failed:
        findings()
    assert project is not None
    counts = project_counts(project)
    # From here on, garbage comes item by item and is collected after each item.
    with collector_paused():
        # Every block's digests and JSON (what the outputs' keys and the manifest are
        # made of), kept for the next build.
        prepared = (
            {}
            if check_only
            else inputs_of(project).prepare(cache, compilation.resolutions, compilation.edits)
        )
        import json

        from metricc.progress import progress_bar

        states = _states(ctx, project, db)
        source_root = _source_root(target)
        # What every output may read besides the blocks; a warehouse's rows cannot be compared.
        settings = None if states else json.dumps([chosen, source_root])
        inputs = inputs_of(project, prepared=True)
        cache.settle(inputs.blocks(), settings, later=FINDINGS)

        def outputs(store: Store | None = None) -> Iterator[Mapping[str, Text]]:
            """The build in parts, so each can be written and let go before the next
            (`store`: the build folder's, for what is written where it is made)."""
            yield manifest_files(project, inputs.json, cache)
            with progress_bar("compiling") as progress:
                # Each watched metric's alert check is made from its query's tree.
                sql = sql_files(project, chosen, progress, cache, checks_from_queries(project))
            checks = {path: sql.pop(path) for path in [p for p in sql if not p.startswith("sql/")]}
            yield sql
            yield alert_files(project, chosen, cache, checks)
            shown = _findings_by_block(compilation, findings())
            cache.settle_later(inputs.findings(shown))
            catalog = catalog_files(
                project,
                chosen,
                shown,
                states,
                source_root=source_root,
                sql=sql,
                cache=cache,
            )
            del sql
            yield catalog
            yield site_files(project, catalog, cache, store)

        if check_only:
            if not target.is_dir():
                fail(f"{target} is not a build folder: run `metricc compile` and commit the result")
            files = {name: text for part in outputs() for name, text in part.items()}
            stale = _stale_files(target, files)
            for line in stale:
                _tell(line, fmt)
            if stale:
                fail(f"{target} is out of date: run `metricc compile` and commit the result")
            _tell(f"{target}/ is up to date ({len(files)} files).", fmt)
            return
        try:
            with BuildFolder(target, cache) as build:
                build.add(prepared)
                for part in outputs(build.stage):
                    build.add(part)
        except OSError as error:  # the folder cannot be made or a file not written there
            fail(f"cannot write the build into {target}: {error} (nothing was changed)")
        _tell(describe_build(counts, target, build.count, build.reused), fmt)
        # Left to the process's exit, which `entry` makes without tearing down the heap:
        # freed here, a large build's model, index and file records took ~0.3 s.
        LEFT_FOR_EXIT[:] = [compilation, cache, build]


def _report_findings(
    diagnostics: list[Diagnostic], sources: Mapping[str, SourceFile], fmt: str
) -> None:
    """A compile's findings: for people on stderr, if any (stdout carries the build's
    summary); a machine format's document on stdout, even when empty."""
    for_people = fmt in FOR_PEOPLE
    if diagnostics or not for_people:
        report(diagnostics, sources, fmt, err=for_people)


def _tell(message: str, fmt: str) -> None:
    """A compile's summary: on stdout, unless stdout carries a machine format's findings."""
    click.echo(message, err=fmt not in FOR_PEOPLE)


def _build_inputs(
    ctx: click.Context,
    path: Path | None,
    target: Path,
    dialects: list[str],
    sources: Iterable[SourceFile],
) -> str:
    """A digest of everything a build is made from: the compiler (in every digest),
    the working folder (paths are shown relative to it), the project and build
    folders, the config, the dialects, and every source's path and text."""
    from metricc.cache import digest

    settings = [Path.cwd().as_posix(), _project_path(ctx, path).as_posix()]
    settings += [target.resolve().as_posix(), _config(ctx).settings(), *dialects]
    texts = [part for s in sorted(sources, key=lambda s: s.path) for part in (s.path, s.text)]
    return digest("build", str(len(settings)), *settings, *texts)


def _up_to_date(
    ctx: click.Context,
    path: Path | None,
    target: Path,
    dialects: list[str],
    cache: BuildCache,
    fmt: str,
) -> bool:
    """When the previous build was made from exactly these inputs and its folder is
    as it left it: report what it reported, write nothing, and say so."""
    from metricc.display import describe_up_to_date
    from metricc.loader import load_sources

    sources, problems = load_sources(_project_path(ctx, path))
    found = None if problems else cache.outcome(_build_inputs(ctx, path, target, dialects, sources))
    if found is None:
        return False
    diagnostics, counts = found
    _report_findings(diagnostics, {s.path: s for s in sources}, fmt)
    from metricc.cache import is_cache

    built = sum(not is_cache(path) for path in cache.files)
    _tell(describe_up_to_date(counts, target, built), fmt)
    return True


def _as_of(project: Any, target: Any) -> tuple[Any, bool]:
    """Today, or the day after the warehouse's last row if the data stops earlier;
    and whether the warehouse has any rows at all."""
    from datetime import date, timedelta

    from metricc.check import data_end

    end = data_end(project, target)
    if end is None:
        return date.today(), False
    return min(date.today(), end + timedelta(days=1)), True


def _judged_day(project: Any, target: Any, at: str | None) -> Any:
    """The day `check` and `links` judge complete periods by: --at, else today, but
    never past the day after the warehouse's last row (later periods have no rows
    yet and would count as zeros); a later --at says so."""
    from datetime import timedelta

    latest = _as_of(project, target)[0]
    day = _parse_date(at, "--at") or latest
    if day > latest:
        click.echo(
            f"warning: the warehouse has no rows after {latest - timedelta(days=1)}: "
            f"judging as of {latest}, not {day}",
            err=True,
        )
    return min(day, latest)


def _states(ctx: click.Context, project: Any, db: str | None) -> dict[str, Any]:
    """Current state per metric when a warehouse is given (--db or metricc.toml)."""
    target = _warehouse(ctx, db, default=None)
    if target is None:
        return {}
    from metricc.check import states  # which builds queries, with sqlglot
    from metricc.warehouse.engines import WarehouseError

    try:
        as_of, has_data = _as_of(project, target)
        return states(project, target, as_of) if has_data else {}
    except WarehouseError as error:
        if db:
            fail(str(error))
        click.echo(f"warning: no current state in the catalogue: {error}", err=True)
    return {}


# The build cache's entries of lint's facts (see `lint.facts`): one per file's resolution.
FACTS = "lint-facts"


def _kept_facts(cache: BuildCache, resolutions: Mapping[str, str]) -> dict[str, dict[str, Facts]]:
    """Per file, its metrics' lint facts as the previous build kept them, for the
    files resolved as they were then (the same resolution, the same metrics)."""
    kept = {}
    for path, key in resolutions.items():
        found = cache.load(FACTS, key)
        if isinstance(found, dict):  # anything else is a damaged entry: a miss
            kept[path] = found
    return kept


def _lint_keeping(
    project: Project,
    files: list[ast.File],
    selection: Selection,
    kept: Mapping[str, Mapping[str, Facts]],
) -> tuple[list[Diagnostic], dict[str, Facts]]:
    """Lint's findings, reading the `kept` facts instead of those metrics'
    expressions; and the facts it made (of the other metrics)."""
    from metricc.lint import lint

    facts = {name: found for each in kept.values() for name, found in each.items()}
    given = set(facts)
    findings = lint(project, files, selection, facts)
    return findings, {name: found for name, found in facts.items() if name not in given}


def _keep_facts(
    cache: BuildCache,
    resolutions: Mapping[str, str],
    kept: Mapping[str, Mapping[str, Facts]],
    made: Mapping[str, Facts],
    project: Project,
) -> None:
    """Keep the lint facts made for the next build, per file, with those kept of it."""
    by_file: dict[str, dict[str, Facts]] = {}
    for name, found in made.items():
        by_file.setdefault(project.metrics[name].location.file, {})[name] = found
    for path, facts in by_file.items():
        if path in resolutions:
            cache.keep(FACTS, resolutions[path], {**kept.get(path, {}), **facts})


def _findings_by_block(
    compilation: Compilation, diagnostics: list[Diagnostic]
) -> dict[str, list[tuple[str, str]]]:
    """Lint findings per metric: those whose span lies inside the metric's block.

    Blocks never overlap, so each finding is placed by a binary search over
    its file's blocks (a large project has thousands of both), by offset:
    several blocks may share a line. A block's extent is its outline's (the
    files of a compile that reused their resolutions are outlines).
    """
    from bisect import bisect_right

    blocks: dict[str, list[tuple[int, int, str]]] = {}
    for file in compilation.files:
        found = [(b.span.start, b.span.end, b.name) for b in file.blocks if b.kind == "metric"]
        blocks[file.path] = sorted(found)
    firsts = {file: [first for first, _, _ in found] for file, found in blocks.items()}
    out: dict[str, list[tuple[str, str]]] = {}
    for d in diagnostics:
        if d.span is None or not d.rule or d.span.file not in blocks:
            continue
        index = bisect_right(firsts[d.span.file], d.span.start) - 1
        if index >= 0:
            first, last, name = blocks[d.span.file][index]
            if first <= d.span.start <= last:
                out.setdefault(name, []).append((d.rule, d.message))
    return out


def _source_root(out: Path) -> str:
    """From a catalogue page (out/catalog/metrics) back to the folder spans are relative to."""
    import os

    pages = (out / "catalog" / "metrics").resolve()
    return Path(os.path.relpath(Path.cwd().resolve(), pages)).as_posix()


def _stale_files(target: Path, files: Mapping[str, Text]) -> list[str]:
    """How a committed build folder differs from a fresh build: one line per file."""
    from metricc.cache import text_of
    from metricc.output import read_tree

    existing = read_tree(target) if target.is_dir() else {}
    lines = [f"missing  {target}/{name}" for name in sorted(files) if name not in existing]
    lines += [
        f"changed  {target}/{name}"
        for name in sorted(files)
        if name in existing and existing[name] != text_of(files[name]).encode("utf-8")
    ]
    lines += [f"extra    {target}/{name}" for name in sorted(existing) if name not in files]
    return lines


def _parse_date(value: str | None, option: str) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(
            f"`{value}` is not a date (YYYY-MM-DD)", param_hint=option
        ) from error


@main.command()
@click.argument("metric")
@click.option(
    "--project",
    "project_path",
    type=click.Path(path_type=Path),
    help="The folder of .metric files (default: metricc.toml, else metrics/).",
)
@click.option(
    "--db",
    help=WAREHOUSE_HELP,
)
@click.option(
    "--grain",
    type=click.Choice(["day", "week", "month", "quarter", "year"]),
    help="Report per this period instead of the metric's own grain.",
)
@click.option("--by", "by", default="", metavar="DIM,...", help="Break down by dimensions.")
@click.option("--from", "start", metavar="DATE", help="First day to report (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day to report (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "sql"]),
    default="table",
    show_default=True,
    help="Output format (`sql` prints the query).",
)
@click.pass_context
def query(
    ctx: click.Context,
    metric: str,
    project_path: Path | None,
    db: str | None,
    grain: str | None,
    by: str,
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Compute METRIC on the warehouse and print one row per period.

    \b
    Examples:
      metricc query weekly_core_users
      metricc query dau --db warehouse.duckdb --by platform --from 2026-03-01 --format csv
      metricc query activation_rate --grain month --format json
    """
    from metricc import results
    from metricc.backends.sql import QueryError, QueryOptions, metric_sql
    from metricc.diagnostics.suggest import did_you_mean
    from metricc.pipeline import check_project
    from metricc.warehouse.engines import WarehouseError, run

    compilation = check_project(_project_path(ctx, project_path))
    if compilation.failed or compilation.project is None:
        report(compilation.sorted_diagnostics(), compilation.sources, "human", err=True)
        fail("the project has errors: fix them before querying")
    project = compilation.project
    if metric not in project.metrics:
        hint = did_you_mean(metric, project.metrics, "metric") or ""
        raise click.BadParameter(
            f"no metric `{metric}` in the project; {hint}", param_hint="METRIC"
        )
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    options = QueryOptions(
        grain=grain,  # type: ignore[arg-type]  # click.Choice checked it
        dimensions=dims,
        start=_parse_date(start, "--from"),
        end=_parse_date(end, "--to"),
    )
    if options.start and options.end and options.start > options.end:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    target = _warehouse(ctx, db)
    try:
        sql = metric_sql(project, metric, target.dialect, options)
    except QueryError as error:
        raise click.BadParameter(str(error), param_hint="--by") from error
    if fmt == "sql":
        click.echo(sql, nl=False)
        return
    try:
        columns, rows = run(target, sql)
    except WarehouseError as error:
        fail(str(error))
    definition = project.metrics[metric]
    items = results.records(definition, columns, rows)
    if fmt == "json":
        click.echo(results.to_json(items), nl=False)
    elif fmt == "csv":
        click.echo(results.to_csv(items, columns), nl=False)
    else:
        click.echo(results.to_table(definition, items, options.grain or definition.grain), nl=False)


@main.command(name="sample-warehouse")
@click.argument("target", required=False, metavar="[TARGET]")
@click.option("--to", "to", metavar="TARGET", help="Same as TARGET.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="Size: 1 is about 5,000 users over 180 days; 100 is tens of millions of events.",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="The random seed: the same seed writes the same rows everywhere.",
)
def sample_warehouse(target: str | None, to: str | None, scale: float, seed: int) -> None:
    """Write the deterministic sample warehouse to TARGET.

    TARGET is a DuckDB file (default: warehouse.duckdb, replaced atomically), a
    PostgreSQL URL (tables replaced), or spark:FOLDER (one Parquet file per
    table, for Spark). The same seed writes the same rows to each, so every
    reference metric gives the same numbers everywhere.

    \b
    Examples:
      metricc sample-warehouse                          # ./warehouse.duckdb
      metricc sample-warehouse big.duckdb --scale 100
      metricc sample-warehouse --to postgresql://me@localhost/metrics
      metricc sample-warehouse spark:warehouse-parquet
    """
    from metricc.progress import progress_bar
    from metricc.warehouse import sample
    from metricc.warehouse.engines import WarehouseError, parse_target

    if target and to and target != to:
        raise click.UsageError("give the target once: as TARGET or with --to")
    where = parse_target(target or to or "warehouse.duckdb")
    reason = sample.refusal(where.engine, where.location)  # before minutes of work
    if reason:
        raise click.BadParameter(reason, param_hint="TARGET")
    writers = {
        "duckdb": sample.write_duckdb,
        "postgres": sample.write_postgres,
        "spark": sample.write_parquet,
    }
    try:
        with progress_bar("generating") as progress:
            counts = writers[where.engine](
                where.location, scale=scale, seed=seed, progress=progress
            )
    except WarehouseError as error:
        fail(str(error))
    except OSError as error:  # a folder where the file goes, a read-only place...
        fail(f"cannot write {where.shown}: {error}")
    total = sum(counts.values())
    click.echo(
        f"Wrote {total:,} rows in {len(counts)} tables to {where.shown} (seed {seed}, "
        f"scale {scale:g})."
    )


def _warehouse(ctx: click.Context, db: str | None, default: str | None = "warehouse.duckdb") -> Any:
    """The warehouse to read: --db (relative to the working folder), else metricc.toml's
    `warehouse` (relative to the file's folder), else `default` (None: no warehouse)."""
    from metricc.warehouse.engines import parse_target

    config = _config(ctx)
    if db:
        return parse_target(db)
    if config.warehouse:
        return parse_target(config.warehouse, config.path.parent if config.path else None)
    return parse_target(default) if default else None


def _checked_project(ctx: click.Context, path: Path | None) -> Any:
    from metricc.pipeline import check_project

    compilation = check_project(_project_path(ctx, path))
    if compilation.failed or compilation.project is None:
        report(compilation.sorted_diagnostics(), compilation.sources, "human", err=True)
        fail("the project has errors: fix them first")
    return compilation.project


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--db", help=WAREHOUSE_HELP)
@click.option(
    "--at",
    "at",
    metavar="DATE",
    help="Judge as of this day: periods that ended by then (default: today, or the day after "
    "the warehouse's last data if that is earlier).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json", "github"]),
    default="human",
    show_default=True,
)
@click.pass_context
def check(ctx: click.Context, path: Path | None, db: str | None, at: str | None, fmt: str) -> None:
    """Evaluate every threshold, target and SLO on the warehouse.

    Prints the alerts that fire in the latest complete period (with routing
    and action), each target's status (on track, at risk, off track) from a
    least-squares trend, and each warehouse SLO's error budget and burn rates.
    Exits 1 when a critical alert fires: usable as a CI or cron gate.

    \b
    Examples:
      metricc check --db warehouse.duckdb --at 2026-06-29
      metricc check --format json
    """
    import dataclasses
    import json

    from metricc.check import evaluate
    from metricc.display import describe_check
    from metricc.model.text import show_value
    from metricc.progress import progress_bar
    from metricc.warehouse.engines import WarehouseError

    project = _checked_project(ctx, path)
    target = _warehouse(ctx, db)
    try:
        as_of = _judged_day(project, target, at)
        with progress_bar("checking") as progress:
            result = evaluate(project, target, as_of, progress)
    except WarehouseError as error:
        fail(str(error))
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
    elif fmt == "github":
        for alert in result.alerts:
            level = "error" if alert.severity == "critical" else "warning"
            click.echo(
                f"::{level} title=metricc {alert.severity}: {alert.metric}::"
                f"{alert.metric} is {show_value(alert.value, alert.unit)} in {alert.period} "
                f"({alert.threshold}). "
                f"{alert.action or ''}"
            )
    else:
        click.echo(describe_check(result), nl=False)
    sys.exit(1 if result.critical else 0)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--db", help=WAREHOUSE_HELP)
@click.option(
    "--max-lag",
    type=click.IntRange(0, 52),
    default=4,
    show_default=True,
    help="Largest lag, in periods of the lagging metric's grain.",
)
@click.option("--at", "at", metavar="DATE", help="Use periods that ended by this day.")
@click.option(
    "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@click.pass_context
def links(
    ctx: click.Context, path: Path | None, db: str | None, max_lag: int, at: str | None, fmt: str
) -> None:
    """Check that leading indicators lead: lagged correlations for every `leads` link.

    \b
    Examples:
      metricc links --db warehouse.duckdb
      metricc links --max-lag 8 --format json
    """
    import dataclasses
    import json

    from metricc.display import describe_links
    from metricc.links import analyse
    from metricc.warehouse.engines import WarehouseError

    project = _checked_project(ctx, path)
    target = _warehouse(ctx, db)
    try:
        found = analyse(project, target, max_lag, _judged_day(project, target, at))
    except WarehouseError as error:
        fail(str(error))
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(link) for link in found], indent=2))
    else:
        click.echo(describe_links(found), nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Change nothing; exit 1 and list the files that would change.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print a unified diff.")
@click.pass_context
def fmt(ctx: click.Context, paths: tuple[Path, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite .metric files in PATHS (files or folders; default: the project) canonically.

    Field order, indentation, spacing and parentheses become canonical; meaning
    and comments are kept (each file is re-parsed and compared before it is
    written). Files with syntax errors are reported and left alone.

    \b
    Examples:
      metricc fmt                  # the project folder
      metricc fmt --check          # in CI: exit 1 if anything is not formatted
      metricc fmt --diff metrics/engagement.metric
    """
    from metricc.formatter import format_source, shape
    from metricc.loader import load_sources
    from metricc.span import SourceFile
    from metricc.syntax.parser import parse_source

    roots = list(paths) or [_project_path(ctx, None)]
    sources: list[SourceFile] = []
    problems: list[Diagnostic] = []
    for each in roots:
        found, trouble = load_sources(each)
        sources += found
        problems += trouble
    changed: list[str] = []
    left: list[str] = []  # files not formatted: errors in them, or a refused result
    broken = [d for d in problems]
    for source in sources:
        if any(d.span and d.span.file == source.path for d in problems):
            left.append(source.path)
            continue
        file, syntax = parse_source(source)
        if syntax:
            broken += syntax
            left.append(source.path)
            continue
        formatted = format_source(source, file)
        if _uses_crlf(source.text):  # kept as the file has them (an editor's, or git's)
            formatted = formatted.replace("\n", "\r\n")
        if formatted == source.text:
            continue
        again, syntax = parse_source(SourceFile(source.path, formatted))
        if syntax or shape(again) != shape(file):  # the other files are still formatted
            click.echo(
                f"error: refusing to format {source.path}: the result would not mean the "
                "same (please report this as a metricc bug)",
                err=True,
            )
            left.append(source.path)
            continue
        changed.append(source.path)
        if show_diff:
            click.echo(_unified_diff(source.text, formatted, source.path), nl=False)
        elif not check_only:
            Path(source.path).write_bytes(formatted.encode("utf-8"))
    if broken:
        shown = {s.path: s for s in sources}
        report(sorted(broken, key=lambda d: d.sort_key()), shown, "human", err=True)
    verb = "would reformat" if (check_only or show_diff) else "reformatted"
    for name in changed if check_only else []:
        click.echo(f"would reformat {name}")
    unchanged = len(sources) - len(changed) - len(left)
    not_formatted = f", {len(left)} not formatted (see above)" if left else ""
    click.echo(
        f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, "
        f"{unchanged} unchanged{not_formatted}.",
        err=True,
    )
    sys.exit(1 if broken or left or (check_only and changed) else 0)


def _uses_crlf(text: str) -> bool:
    """Whether a file's lines end with CR LF (its first line says)."""
    first = text.find("\n")
    return first > 0 and text[first - 1] == "\r"


def _unified_diff(old: str, new: str, path: str) -> str:
    """`diff -u` of a file's two texts, marking a last line without its newline as
    diff and patch do (difflib would run it into the next line)."""
    import difflib

    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


@main.command(name="diff")
@click.argument("base")
@click.argument("head", required=False)
@click.option(
    "--project",
    "project_path",
    type=click.Path(path_type=Path),
    help="The project folder inside the repository (default: metricc.toml, else metrics/).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "human"]),
    default="human",
    show_default=True,
)
@click.option("--dialect", default="duckdb", show_default=True, help="Dialect of the SQL diff.")
@click.pass_context
def diff_(
    ctx: click.Context,
    base: str,
    head: str | None,
    project_path: Path | None,
    fmt: str,
    dialect: str,
) -> None:
    """What changes between BASE and HEAD (default: the working tree), by meaning.

    BASE and HEAD are git revisions of this repository, or two folders. Reports
    blocks added, removed and renamed, the fields that changed, the SQL diff of
    changed metrics, and the impact: numbers, alerts and lint findings.

    \b
    Examples:
      metricc diff main                     # this branch's working tree against main
      metricc diff origin/main HEAD --format markdown > comment.md
      metricc diff old-metrics/ metrics/
    """
    from metricc import diff as differ

    _check_dialects([dialect])
    root = project_path or _project_path(ctx, None)
    try:
        result = differ.diff(base, head, root, dialect)
    except differ.DiffError as error:
        fail(str(error), 2)
    render = {"markdown": differ.to_markdown, "json": differ.to_json, "human": differ.to_human}
    click.echo(render[fmt](result), nl=False)


INIT_FILES = {
    "metricc.toml": "metricc.toml",
    "metrics/team.metric": "team.metric",
    "metrics/goal.metric": "goal.metric",
    "metrics/source.metric": "source.metric",
    "metrics/metrics.metric": "metrics.metric",
    ".github/workflows/metrics.yml": "workflow.yml",
    ".gitignore": "gitignore",
}


@main.command()
@click.argument(
    "directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--no-warehouse", is_flag=True, help="Skip generating the sample warehouse.")
def init(directory: Path, no_warehouse: bool) -> None:
    """Start a metricc project in DIRECTORY (default: here).

    Writes metricc.toml, a metrics/ folder with a team, a goal, a source and two
    metrics that pass lint, a CI workflow (lint with annotations, fmt --check,
    compile) and a .gitignore, then the sample warehouse so `metricc query`
    works at once. Refuses to overwrite any existing file.

    \b
    Examples:
      metricc init my-metrics && cd my-metrics && metricc lint && metricc compile
    """
    from importlib import resources

    from metricc.warehouse.sample import write_duckdb

    targets = {directory / name: template for name, template in INIT_FILES.items()}
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        fail("refusing to overwrite: " + ", ".join(existing), 2)
    templates = resources.files("metricc").joinpath("templates", "init")
    for path, template in targets.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(templates.joinpath(template).read_text("utf-8"), encoding="utf-8")
        except OSError as error:  # a file where a folder goes, a read-only place...
            fail(f"cannot write {path}: {error}")
        click.echo(f"created {path}")
    warehouse = directory / "warehouse.duckdb"
    if not no_warehouse and not warehouse.exists():
        write_duckdb(warehouse)
        click.echo(f"created {warehouse} (the sample warehouse)")
    click.echo(
        f"\nNext: cd {directory} && metricc lint && metricc compile && "
        "metricc query weekly_active_users"
    )
