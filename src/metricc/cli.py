"""The command line: the only module that prints or chooses an exit code.

Exit codes: 0 clean, 1 problems found (or a critical alert, for `check`),
2 usage errors (bad options, unreadable config). Heavy modules are imported
inside the commands so that `metricc --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from metricc import __version__

if TYPE_CHECKING:
    from metricc.config import Config
    from metricc.diagnostics import Diagnostic
    from metricc.pipeline import Compilation

FORMATS = ["human", "concise", "json", "github"]


def _use_color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


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
    compilation: Compilation,
    fmt: str,
    *,
    err: bool = False,
) -> None:
    """Print diagnostics in a format, with a summary line for people."""
    from metricc.diagnostics.render import RENDERERS

    stream = sys.stderr if err else sys.stdout
    text = RENDERERS[fmt](diagnostics, compilation.sources, _use_color(stream))
    if text:
        click.echo(text, file=stream, nl=False)
    if fmt in ("human", "concise"):
        click.echo(_summary(diagnostics, len(compilation.sources)), err=True)


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


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="human", show_default=True,
              help="How to print findings.")
@click.pass_context
def lint(ctx: click.Context, path: Path | None, fmt: str) -> None:
    """Check PATH (default: the project folder, `metrics/`) and print every problem.

    \b
    Examples:
      metricc lint                      # the project in metricc.toml, else metrics/
      metricc lint metrics/growth.metric
      metricc lint --format github      # annotations on a pull request
    """
    from metricc.pipeline import check_project

    compilation = check_project(_project_path(ctx, path))
    diagnostics = compilation.sorted_diagnostics()
    report(diagnostics, compilation, fmt)
    sys.exit(1 if diagnostics and compilation.failed else 0)


@main.command(name="compile")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="The build folder (default: `out` in metricc.toml, else build/).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="human", show_default=True,
              help="How to print problems.")
@click.pass_context
def compile_(ctx: click.Context, path: Path | None, out: Path | None, fmt: str) -> None:
    """Compile PATH into a build folder: the manifest and its JSON Schema.

    The folder is replaced only when the whole build succeeds: a failed
    compile leaves the previous build untouched.

    \b
    Examples:
      metricc compile
      metricc compile metrics --out build
    """
    from metricc.backends.manifest import manifest_files
    from metricc.display import describe_build
    from metricc.output import write_tree
    from metricc.pipeline import check_project

    config = _config(ctx)
    target = out if out is not None else config.resolve_path(config.out)
    compilation = check_project(_project_path(ctx, path))
    diagnostics = compilation.sorted_diagnostics()
    if diagnostics:
        report(diagnostics, compilation, fmt, err=fmt in ("human", "concise"))
    if compilation.failed or compilation.project is None:
        fail(f"nothing written: fix the errors above ({target} is unchanged)")
    files = manifest_files(compilation.project)
    write_tree(target, files)
    click.echo(describe_build(compilation.project, target, files))
