"""`metricc diff`: what a change to the definitions really does.

Two projects (git revisions or folders) are compared by meaning, not text:
blocks added, removed and renamed (a block whose content is unchanged but for
its name and the references to it), the fields that changed with their old
and new values as written, the SQL of changed metrics, and the impact: the
metrics whose numbers change through a dependency, the alerts whose
thresholds or routing change, and the lint findings that appear or disappear.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metricc.backends.sql import metric_sql
from metricc.frozen import Frozen
from metricc.lint import Selection, lint
from metricc.loader import SUFFIX
from metricc.model import semantic as sm
from metricc.model.text import one_line
from metricc.pipeline import Compilation, check_project

KINDS = ("teams", "goals", "sources", "metrics", "slos")
SINGULAR = {
    "teams": "team",
    "goals": "goal",
    "sources": "source",
    "metrics": "metric",
    "slos": "slo",
}
REFERENCE_KEYS = {
    "owner": "teams",
    "goal": "goals",
    "parent": "goals",
    "north_star": "metrics",
    "leads": "metrics",
    "inputs": "metrics",
    "source": "sources",
}


class DiffError(Exception):
    """A revision or folder that cannot be read or does not compile."""


@dataclass
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass
class Change:
    kind: str
    name: str
    old_name: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    sql_diff: str = ""


@dataclass
class Impact:
    numbers: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    findings_added: list[str] = field(default_factory=list)
    findings_removed: list[str] = field(default_factory=list)


@dataclass
class Report:
    base: str
    head: str
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    renamed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    impact: Impact = field(default_factory=Impact)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.changed)


# --- loading the two sides ------------------------------------------------------


def _git(*args: str, cwd: Path) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as error:  # no git, or no such folder to run it in
        raise DiffError(f"cannot run git in {cwd}: {error.strerror}") from error
    if result.returncode != 0:
        raise DiffError(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout


def materialize(spec: str, project: Path, workdir: Path) -> Path:
    """A folder holding the project as it is at `spec` (a folder, or a git revision)."""
    if Path(spec).is_dir():
        return Path(spec)
    if not project.is_dir():
        raise DiffError(
            f"`{spec}` is not a folder, and there is no project folder ({project}) "
            "whose git history could hold it as a revision"
        )
    try:
        top = Path(_git("rev-parse", "--show-toplevel", cwd=project.resolve()).strip())
        _git("rev-parse", "--verify", f"{spec}^{{commit}}", cwd=top)
    except DiffError as error:
        raise DiffError(f"`{spec}` is neither a folder nor a git revision ({error})") from error
    relative = project.resolve().relative_to(top).as_posix()
    names = _git("ls-tree", "-r", "--name-only", spec, "--", relative, cwd=top).splitlines()
    target = workdir / re.sub(r"[^\w.-]", "_", spec) / relative
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name.endswith(SUFFIX):
            text = _git("show", f"{spec}:{name}", cwd=top)
            path = target / Path(name).relative_to(relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target


def _compile(folder: Path, label: str) -> Compilation:
    result = check_project(folder)
    if result.failed or result.project is None:
        first = next(d for d in result.sorted_diagnostics() if d.severity.value == "error")
        raise DiffError(f"{label} does not compile: {first.message}")
    return result


# --- comparing ---------------------------------------------------------------------


def _content(block: Frozen) -> dict[str, Any]:
    dump = block.dump(exclude={"name", "location"})
    assert isinstance(dump, dict)
    return dump


def _renamed_refs(value: Any, renames: dict[str, dict[str, str]], key: str = "") -> Any:
    """A dump with references to renamed blocks replaced by their new names."""
    if isinstance(value, dict):
        if value.get("kind") == "name":
            return {**value, "name": renames["metrics"].get(value["name"], value["name"])}
        if value.get("kind") == "column":
            return {**value, "source": renames["sources"].get(value["source"], value["source"])}
        return {k: _renamed_refs(v, renames, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed_refs(v, renames, key) for v in value]
    if isinstance(value, str) and key in REFERENCE_KEYS:
        return renames[REFERENCE_KEYS[key]].get(value, value)
    return value


def _field_text(compilation: Compilation, block: Any, key: str) -> str | None:
    span = block.spans.get(key)
    if span is None:
        return None
    source = compilation.sources[span.file]
    text = source.text[span.start : span.end]
    value = text.split(":", 1)[1] if ":" in text else text
    return one_line(value)


def _field_changes(
    old_c: Compilation, new_c: Compilation, old: Any, new: Any, renames: dict[str, dict[str, str]]
) -> list[FieldChange]:
    changes = []
    for key in sorted(set(old.spans) | set(new.spans), key=_field_rank):
        before, after = _field_text(old_c, old, key), _field_text(new_c, new, key)
        if before is not None and key.split(":")[0] in REFERENCE_KEYS | {"formula": ""}:
            before = _rename_words(before, renames)
        if before != after:
            changes.append(FieldChange(key.replace(":", " "), before, after))
    return changes


def _rename_words(text: str, renames: dict[str, dict[str, str]]) -> str:
    mapping = {**renames["metrics"], **renames["goals"], **renames["teams"]}
    return re.sub(r"\b[a-z][a-z0-9_]*\b", lambda m: mapping.get(m.group(0), m.group(0)), text)


def _field_rank(key: str) -> tuple[int, str]:
    from metricc.resolve.schema import KINDS as SCHEMA

    order = {name: i for kind in SCHEMA.values() for i, name in enumerate(kind)}
    return order.get(key.split(":")[0], 99), key


def compare(
    old_c: Compilation, new_c: Compilation, base: str, head: str, dialect: str = "duckdb"
) -> Report:
    old, new = old_c.project, new_c.project
    assert old is not None and new is not None
    report = Report(base, head)
    renames: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    # Renames first: a removed block whose content reappears under a new name.
    for kind in KINDS:
        before, after = getattr(old, kind), getattr(new, kind)
        gone = [n for n in before if n not in after]
        fresh = [n for n in after if n not in before]
        for name in gone:
            match = next((f for f in fresh if _content(before[name]) == _content(after[f])), None)
            if match is None and kind == "metrics":
                match = next(
                    (
                        f
                        for f in fresh
                        if before[name].definition == after[f].definition
                        and before[name].grain == after[f].grain
                    ),
                    None,
                )
            if match is not None:
                renames[kind][name] = match
                fresh.remove(match)
    for kind in KINDS:
        before, after = getattr(old, kind), getattr(new, kind)
        moved = renames[kind]
        for name in after:
            if name in before:
                previous = before[name]
            elif name in moved.values():
                previous = before[next(o for o, n in moved.items() if n == name)]
            else:
                report.added.append(Change(SINGULAR[kind], name))
                continue
            old_content = _renamed_refs(_content(previous), renames)
            if old_content == _content(after[name]) and previous.name == name:
                continue
            change = Change(
                SINGULAR[kind],
                name,
                old_name=previous.name if previous.name != name else None,
                fields=_field_changes(old_c, new_c, previous, after[name], renames),
            )
            if old_content == _content(after[name]):
                change.fields = []
            if kind == "metrics" and old_content != _content(after[name]):
                change.sql_diff = _sql_diff(old, new, previous.name, name, dialect)
            (report.renamed if change.old_name else report.changed).append(change)
        for name in before:
            if name not in after and name not in moved:
                report.removed.append(Change(SINGULAR[kind], name))
    report.impact = _impact(old_c, new_c, renames, dialect)
    return report


def _sql_diff(old: sm.Project, new: sm.Project, old_name: str, name: str, dialect: str) -> str:
    before = _sql_body(metric_sql(old, old_name, dialect))
    after = _sql_body(metric_sql(new, name, dialect))
    if before == after:
        return ""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{old_name}.sql (base)",
            tofile=f"{name}.sql (head)",
        )
    )


def _sql_body(sql: str) -> str:
    return "".join(line for line in sql.splitlines(keepends=True) if not line.startswith("--"))


def _impact(
    old_c: Compilation, new_c: Compilation, renames: dict[str, dict[str, str]], dialect: str
) -> Impact:
    old, new = old_c.project, new_c.project
    assert old is not None and new is not None
    impact = Impact()
    back = {kind: {n: o for o, n in renames[kind].items()} for kind in KINDS}
    changed: dict[str, bool] = {}

    def numbers_change(name: str) -> bool:
        """The definition, grain or a source it reads changed, here or in a formula input."""
        if name not in changed:
            changed[name] = False  # guards cycles (resolve rejects them anyway)
            metric = new.metrics[name]
            previous = old.metrics.get(back["metrics"].get(name, name))
            result = previous is None
            if previous is not None:
                before = _renamed_refs(previous.definition.dump(), renames)
                result = before != metric.definition.dump() or previous.grain != metric.grain
                for source in metric.direct_sources():
                    old_source = old.sources.get(back["sources"].get(source, source))
                    if old_source is None or _content(old_source) != _content(new.sources[source]):
                        result = True
                if isinstance(metric.definition, sm.Derived):
                    result = any([result, *(numbers_change(i) for i in metric.definition.inputs)])
            changed[name] = result
        return changed[name]

    for name, metric in new.metrics.items():
        previous = old.metrics.get(back["metrics"].get(name, name))
        if previous is None:
            continue
        if numbers_change(name):
            impact.numbers.append(name)
        before = [
            (t.severity, t.text, _route(old, previous, t.severity)) for t in previous.thresholds
        ]
        after = [(t.severity, t.text, _route(new, metric, t.severity)) for t in metric.thresholds]
        if before != after:
            impact.alerts.append(name)
    old_findings = {_finding(d, back) for d in lint(old, old_c.files, Selection())}
    new_findings = {
        _finding(d, {k: {} for k in KINDS}) for d in lint(new, new_c.files, Selection())
    }
    impact.findings_added = sorted(new_findings - old_findings)
    impact.findings_removed = sorted(old_findings - new_findings)
    return impact


def _route(project: sm.Project, metric: sm.Metric, severity: str) -> str | None:
    team = project.teams.get(metric.owner or "")
    if team is None:
        return None
    return team.channel if severity == "warn" else team.escalation


def _finding(diagnostic: Any, back: dict[str, dict[str, str]]) -> str:
    return f"{diagnostic.rule}: {diagnostic.message}"


def diff(base: str, head: str | None, project: Path, dialect: str = "duckdb") -> Report:
    with tempfile.TemporaryDirectory(prefix="metricc-diff-") as work:
        old_folder = materialize(base, project, Path(work))
        new_folder = materialize(head, project, Path(work)) if head else project
        old_c = _compile(old_folder, base)
        new_c = _compile(new_folder, head or "the working tree")
        return compare(old_c, new_c, base, head or "working tree", dialect)


# --- rendering -------------------------------------------------------------------


def to_json(report: Report) -> str:
    import dataclasses

    return json.dumps(dataclasses.asdict(report), indent=2) + "\n"


def _value(text: str | None) -> str:
    return "—" if text is None else f"`{text}`"


def _overview(
    report: Report,
    title: str,
    heading: Callable[[str], list[str]],
    name: Callable[[str], str],
    bullet: str,
) -> list[str]:
    """What both renderers start with: the title, how many blocks each kind of change
    touched, and the blocks added, removed and renamed (or that nothing changed)."""
    if report.empty:
        return [title, "", "No change in meaning.", ""]
    counts = [
        f"{len(getattr(report, k))} {k}"
        for k in ("added", "removed", "renamed", "changed")
        if getattr(report, k)
    ]
    out = [title, "", ", ".join(counts) + ".", ""]
    for section, items in (("Added", report.added), ("Removed", report.removed)):
        if items:
            out += [*heading(section), *(f"{bullet}{c.kind} {name(c.name)}" for c in items), ""]
    if report.renamed:
        out += heading("Renamed")
        out += [
            f"{bullet}{c.kind} {name(c.old_name or '')} → {name(c.name)}" for c in report.renamed
        ]
        out.append("")
    return out


def _code(name: str) -> str:
    return f"`{name}`"


def to_markdown(report: Report) -> str:
    """The report as a pull-request comment (GitHub-flavoured markdown)."""
    title = f"## metricc diff: `{report.base}` → `{report.head}`"
    out = _overview(report, title, lambda heading: [f"### {heading}", ""], _code, "- ")
    if report.empty:
        return "\n".join(out)
    for change in [*report.renamed, *report.changed]:
        if not change.fields and not change.sql_diff:
            continue
        out += [f"### {change.kind} `{change.name}`", ""]
        if change.fields:
            out += ["| field | base | head |", "|---|---|---|"]
            out += [f"| {f.field} | {_value(f.old)} | {_value(f.new)} |" for f in change.fields]
            out.append("")
        if change.sql_diff:
            out += [
                "<details><summary>SQL</summary>",
                "",
                "```diff",
                change.sql_diff.rstrip(),
                "```",
                "",
                "</details>",
                "",
            ]
    out += ["### Impact", "", *_impact_lines(report.impact, _code, "- ", "  - ")]
    return "\n".join(out) + "\n"


def _impact_lines(
    impact: Impact, name: Callable[[str], str], bullet: str, finding: str
) -> list[str]:
    """The impact section's lines, each after `bullet` (each finding after `finding`)."""
    lines = [
        f"{bullet}numbers change: " + (", ".join(map(name, impact.numbers)) or "none"),
        f"{bullet}alerts change: " + (", ".join(map(name, impact.alerts)) or "none"),
    ]
    for title, findings in (
        ("lint findings appear", impact.findings_added),
        ("lint findings disappear", impact.findings_removed),
    ):
        lines.append(f"{bullet}{title}:" + ("" if findings else " none"))
        lines += [f"{finding}{item}" for item in findings]
    return lines


# A field's change fits on one line up to this width; longer or multi-line
# values are shown as a removed and an added line, as a text diff shows them.
HUMAN_WIDTH = 100


def to_human(report: Report) -> str:
    """The report for a terminal: the same sections as the markdown, in plain text
    (a field's old and new value side by side, the SQL diff indented)."""
    title = f"metricc diff: {report.base} → {report.head}"
    out = _overview(report, title, lambda heading: [f"{heading}:"], str, "  ")
    if report.empty:
        return "\n".join(out)
    for change in [*report.renamed, *report.changed]:
        if not change.fields and not change.sql_diff:
            continue
        out.append(f"{change.kind} {change.name}:")
        width = max((len(f.field) for f in change.fields), default=0) + 1
        for f in change.fields:
            old, new = f.old or "(none)", f.new or "(none)"
            line = f"  {f.field + ':':<{width}} {old} → {new}"
            if "\n" in old + new or len(line) > HUMAN_WIDTH:
                out.append(f"  {f.field}:")
                out += [f"    - {text}" for text in old.splitlines() or [""]]
                out += [f"    + {text}" for text in new.splitlines() or [""]]
            else:
                out.append(line)
        if change.sql_diff:
            out += ["  SQL:"] + [f"    {line}" for line in change.sql_diff.rstrip().splitlines()]
        out.append("")
    out += ["Impact:", *_impact_lines(report.impact, str, "  ", "    - ")]
    return "\n".join(out) + "\n"
