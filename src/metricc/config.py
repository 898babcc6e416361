"""`metricc.toml`: project defaults, found in the working folder or a parent.

project = "metrics"            # the folder of .metric files
out = "build"                  # where `compile` writes
dialects = ["duckdb", "postgres"]
warehouse = "warehouse.duckdb" # what `query` and `check` run on

[lint]
select = ["all"]
ignore = ["missing-review"]
fail_on = "warning"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from metricc.frozen import Frozen, field

FILENAME = "metricc.toml"


class ConfigError(Exception):
    """A config file that cannot be used; the CLI reports it as a usage error."""


class LintConfig(Frozen):
    model_config = {"extra": "forbid"}  # an unknown key is a mistake in the file

    select: list[str] = field(default_factory=lambda: ["all"])
    ignore: list[str] = field(default_factory=list)
    fail_on: Literal["error", "warning"] = "warning"
    severity: dict[str, Literal["error", "warning", "info"]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


class Config(Frozen):
    model_config = {"extra": "forbid"}

    project: Path = Path("metrics")
    out: Path = Path("build")
    dialects: list[str] = field(default_factory=lambda: ["duckdb"])
    warehouse: str | None = None
    lint: LintConfig = field(default_factory=LintConfig)
    path: Path | None = field(default=None, exclude=True)

    def settings(self) -> str:
        """What the file sets, as text: part of the digest a build is made from (without
        pydantic, which a compile with nothing to do never imports)."""
        return repr({n: v for n, v in vars(self).items() if not self._specs[n].exclude})

    def resolve_path(self, value: Path) -> Path:
        """A path from the file, relative to the file's folder."""
        if self.path is None or value.is_absolute():
            return value
        return self.path.parent / value


# pydantic's words where they name Python rather than the file's values.
_MESSAGES = {"path_type": 'should be a path, as a string (e.g. "build")'}


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / FILENAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None) -> Config:
    """The config at `path`, else the nearest `metricc.toml`, else the defaults."""
    found = path or find_config()
    if found is None:
        return Config()  # the defaults need no validation, nor pydantic
    import tomllib  # only when there is a file: its module compiles regexes as it loads

    from pydantic import ValidationError

    try:
        data = tomllib.loads(found.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{found}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{found}: {error}") from error
    try:
        config = Config.validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"`{'.'.join(str(p) for p in e['loc'])}`: {_MESSAGES.get(e['type'], e['msg'])}"
            for e in error.errors()
        )
        raise ConfigError(f"{found}: {problems}") from error
    if not config.dialects:
        raise ConfigError(f'{found}: `dialects` is empty: name at least one (e.g. ["duckdb"])')
    return config.replace(path=found)
