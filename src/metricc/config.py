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

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FILENAME = "metricc.toml"


class ConfigError(Exception):
    """A config file that cannot be used; the CLI reports it as a usage error."""


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    # Factories are lambdas, not `list` and `dict`: pydantic reads a factory's
    # signature to make a default, and a builtin's is parsed from text by
    # `tokenize`, which compiles its regexes first (~8 ms of a one-file lint).
    select: list[str] = Field(default_factory=lambda: ["all"])
    ignore: list[str] = Field(default_factory=lambda: [])
    fail_on: Literal["error", "warning"] = "warning"
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=lambda: {})
    options: dict[str, Any] = Field(default_factory=lambda: {})


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    project: Path = Path("metrics")
    out: Path = Path("build")
    dialects: list[str] = Field(default_factory=lambda: ["duckdb"])
    warehouse: str | None = None
    lint: LintConfig = Field(default_factory=LintConfig)
    path: Path | None = Field(default=None, exclude=True)

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
        # The defaults need no validation, and a one-file `metricc lint` starts
        # faster without building the validators (and loading pydantic's plugins).
        return Config.model_construct(lint=LintConfig.model_construct())
    import tomllib  # only when there is a file: its module compiles regexes as it loads

    try:
        data = tomllib.loads(found.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{found}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{found}: {error}") from error
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"`{'.'.join(str(p) for p in e['loc'])}`: {_MESSAGES.get(e['type'], e['msg'])}"
            for e in error.errors()
        )
        raise ConfigError(f"{found}: {problems}") from error
    return config.model_copy(update={"path": found})
